package dev.keyflow.core.async;

import static dev.keyflow.core.async.KeyedAsyncTestFunction.ITEM;
import static dev.keyflow.core.testutils.KeyedAsyncHarness.runMails;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyflow.core.ErrorReason;
import dev.keyflow.core.ErrorRecord;
import dev.keyflow.core.ErrorStage;
import dev.keyflow.core.KeyflowOutputs;
import dev.keyflow.core.testutils.ControlledFutures;
import dev.keyflow.core.testutils.KeyedAsyncHarness;
import dev.keyflow.core.testutils.MetricRecorder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A key that stays slow: its waiting elements live in keyed state and take no capacity, and a full
 * backlog sends the key's later elements to the errors without breaking its order.
 */
class KeyedAsyncBacklogTest {

    private final ControlledFutures<String> calls = new ControlledFutures<>();
    private final MetricRecorder metrics = new MetricRecorder();

    /** Without the backlog in state, the slow key's queue fills the capacity and this blocks. */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void capacityCountsOnlyStartedElementsSoASlowKeysBacklogDoesNotBlockOtherKeys()
            throws Exception {
        try (var harness = open(b -> b.capacity(2))) {
            harness.setProcessingTime(1_000);
            harness.processElement(new Item("slow", 1), 1L);
            for (int i = 2; i <= 101; i++) {
                harness.setProcessingTime(1_000 + i);
                harness.processElement(new Item("slow", i), i);
            }
            for (int k = 0; k < 5; k++) { // one slot left: each key starts, completes, frees it
                harness.processElement(new Item("k" + k, 1), 200L + k);
                calls.complete("k" + k + ":1", "r");
                runMails(harness);
            }

            assertThat(calls.started())
                    .containsExactly("slow:1", "k0:1", "k1:1", "k2:1", "k3:1", "k4:1");
            assertThat(harness.extractOutputValues())
                    .containsExactly(
                            "k0:1=r|saw:",
                            "k1:1=r|saw:",
                            "k2:1=r|saw:",
                            "k3:1=r|saw:",
                            "k4:1=r|saw:");
            assertThat(metrics.gauge("keyflow.async.backlog")).isEqualTo(100L);
            assertThat(metrics.gauge("keyflow.async.backlogKeys")).isEqualTo(1);
            assertThat(metrics.gauge("keyflow.async.backlogLargestKey")).isEqualTo(100);
            assertThat(metrics.gauge("keyflow.async.keysPending")).isEqualTo(1);
            harness.setProcessingTime(6_000);
            assertThat(metrics.gauge("keyflow.async.backlogOldestWaitMillis"))
                    .as("slow:2 arrived at 1002")
                    .isEqualTo(4_998L);

            calls.complete("slow:1", "r1");
            runMails(harness);
            assertThat(metrics.gauge("keyflow.async.backlog")).isEqualTo(99L);
            assertThat(metrics.gauge("keyflow.async.backlogLargestKey")).isEqualTo(99);
            for (int i = 2; i <= 101; i++) {
                calls.complete("slow:" + i, "r" + i);
                runMails(harness);
            }
            List<String> slow =
                    harness.extractOutputValues().stream()
                            .filter(out -> out.startsWith("slow:"))
                            .toList();
            assertThat(slow).hasSize(101);
            for (int i = 1; i <= 101; i++) {
                assertThat(slow.get(i - 1)).startsWith("slow:" + i + "=r" + i + "|saw:");
            }
            assertThat(slow.get(100)).endsWith(",99,100");
            assertThat(metrics.gauge("keyflow.async.backlog")).isEqualTo(0L);
            assertThat(metrics.gauge("keyflow.async.backlogKeys")).isEqualTo(0);
            assertThat(metrics.gauge("keyflow.async.backlogLargestKey")).isEqualTo(0);
            assertThat(metrics.gauge("keyflow.async.backlogOldestWaitMillis")).isEqualTo(0L);
            assertThat(metrics.gauge("keyflow.async.keysPending")).isEqualTo(0);
        }
    }

    @Test
    void aFullBacklogSendsTheKeysLaterElementsToErrorsInOrderUntilTheKeyCaughtUp()
            throws Exception {
        try (var harness = open(b -> b.maxBacklogPerKey(3))) {
            harness.processElement(new Item("a", 1), 1L); // started
            harness.processElement(new Item("a", 2), 2L); // backlog 1..3
            harness.processElement(new Item("a", 3), 3L);
            harness.processElement(new Item("a", 4), 4L);
            harness.processElement(new Item("a", 5), 5L); // full: errors from here
            harness.processElement(new Item("b", 1), 6L);
            harness.processElement(new Item("a", 6), 7L);
            harness.processWatermark(10L);
            calls.complete("b:1", "rb");
            runMails(harness);
            calls.complete("a:1", "r1");
            runMails(harness);
            harness.processElement(new Item("a", 7), 11L); // room again, but still catching up
            for (int i = 2; i <= 3; i++) {
                calls.complete("a:" + i, "r" + i);
                runMails(harness);
            }
            assertThat(harness.getOutput())
                    .as("a:4 was accepted before the watermark and is still running")
                    .doesNotContain(new Watermark(10L));
            calls.complete("a:4", "r4");
            runMails(harness);
            harness.processElement(new Item("a", 8), 12L); // the key caught up: accepted again
            calls.complete("a:8", "r8");
            runMails(harness);

            assertThat(calls.started())
                    .containsExactly("a:1", "b:1", "a:2", "a:3", "a:4", "a:8")
                    .doesNotContain("a:5", "a:6", "a:7");
            assertThat(harness.extractOutputValues())
                    .containsExactly(
                            "b:1=rb|saw:",
                            "a:1=r1|saw:",
                            "a:2=r2|saw:1",
                            "a:3=r3|saw:1,2",
                            "a:4=r4|saw:1,2,3",
                            "a:8=r8|saw:1,2,3,4");
            List<StreamRecord<ErrorRecord>> errors = errors(harness);
            assertThat(errors)
                    .extracting(StreamRecord::getTimestamp)
                    .as("a:5, a:6, a:7 in input order, with their timestamps")
                    .containsExactly(5L, 7L, 11L);
            assertThat(errors)
                    .extracting(StreamRecord::getValue)
                    .allSatisfy(
                            e -> {
                                assertThat(e.reason()).isEqualTo(ErrorReason.BACKLOG_FULL);
                                assertThat(e.stage()).isEqualTo(ErrorStage.PROCESSING);
                                assertThat(e.isTransient()).isTrue();
                                assertThat(e.key()).isEqualTo("a");
                            });
            assertThat(errors.get(0).getValue().message())
                    .contains("backlog is full", "maxBacklogPerKey 3");
            assertThat(errors.get(2).getValue().message()).contains("catching up");
            int watermarkAt = outputIndexOf(harness, new Watermark(10L));
            int lastBeforeIt = outputIndexOf(harness, new StreamRecord<>("a:4=r4|saw:1,2,3", 4L));
            assertThat(watermarkAt).isGreaterThan(lastBeforeIt);
            assertThat(metrics.count("keyflow.errors.stage.PROCESSING.reason.BACKLOG_FULL.count"))
                    .isEqualTo(3);
        }
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void whenAllBacklogsTogetherAreFullTheInputWaitsWithoutSpinning() throws Exception {
        try (var harness = open(b -> b.maxBacklogPerKey(2).maxBacklog(2))) {
            harness.processElement(new Item("a", 1), 1L);
            harness.processElement(new Item("b", 1), 2L);
            harness.processElement(new Item("a", 2), 3L);
            harness.processElement(new Item("b", 2), 4L); // both backlogs together are full now
            Thread taskThread = Thread.currentThread();
            var stateWhenBlocked =
                    java.util.concurrent.CompletableFuture.supplyAsync(
                            () -> {
                                Thread.State state = KeyedAsyncTest.awaitBlocked(taskThread);
                                calls.complete("a:1", "r");
                                return state;
                            });

            harness.processElement(new Item("b", 3), 5L); // waits until a:1 makes room

            assertThat(stateWhenBlocked.get(30, java.util.concurrent.TimeUnit.SECONDS))
                    .isIn(Thread.State.WAITING, Thread.State.TIMED_WAITING);
            assertThat(errors(harness)).as("waiting, not diverting").isEmpty();
            assertThat(calls.started()).containsExactly("a:1", "b:1", "a:2");
            assertThat(metrics.gauge("keyflow.async.backlog")).isEqualTo(2L);
        }
    }

    @Test
    void builderChecksTheBacklogLimits() {
        KeyedAsync.Builder<String, Item, String> builder =
                KeyedAsync.builder(new KeyedAsyncTestFunction(calls))
                        .uid("test-async")
                        .outputType(Types.STRING);
        assertThatThrownBy(() -> builder.maxBacklogPerKey(0))
                .hasMessageContaining("maxBacklogPerKey");
        assertThatThrownBy(() -> builder.maxBacklog(0)).hasMessageContaining("maxBacklog");
        assertThatThrownBy(() -> builder.maxBacklogPerKey(100).maxBacklog(99).build())
                .hasMessageContaining("maxBacklog (99) must be at least maxBacklogPerKey (100)");
    }

    private static int outputIndexOf(AbstractStreamOperatorTestHarness<String> harness, Object o) {
        List<Object> output = new ArrayList<>(harness.getOutput());
        int index = output.indexOf(o);
        assertThat(index).as("output contains " + o).isNotNegative();
        return index;
    }

    private OneInputStreamOperatorTestHarness<Item, String> open(
            UnaryOperator<KeyedAsync.Builder<String, Item, String>> settings) throws Exception {
        KeyedAsync<String, Item, String> operator =
                settings.apply(
                                KeyedAsync.builder(new KeyedAsyncTestFunction(calls))
                                        .uid("test-async")
                                        .outputType(Types.STRING)
                                        .timeout(Duration.ZERO))
                        .build();
        var harness = KeyedAsyncHarness.create(operator, Item::key, Types.STRING, ITEM, metrics);
        harness.open();
        return harness;
    }

    private static List<StreamRecord<ErrorRecord>> errors(
            OneInputStreamOperatorTestHarness<Item, String> harness) {
        var side = harness.getSideOutput(KeyflowOutputs.ERRORS);
        return side == null ? List.of() : new ArrayList<>(side);
    }
}
