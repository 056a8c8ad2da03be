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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.FlinkRuntimeException;
import org.junit.jupiter.api.Test;

/** The contracts of the keyed async operator, driven by hand through a harness. */
class KeyedAsyncTest {

    private final ControlledFutures<String> calls = new ControlledFutures<>();

    @Test
    void perKeyOneAtATimeInInputOrderAndKeysConcurrently() throws Exception {
        try (var harness = open(b -> b)) {
            harness.processElement(new Item("a", 1), 1L);
            harness.processElement(new Item("a", 2), 2L);
            harness.processElement(new Item("b", 1), 3L);

            assertThat(calls.started()).containsExactly("a:1", "b:1");

            calls.complete("b:1", "rb1");
            runMails(harness);
            assertThat(harness.extractOutputValues()).containsExactly("b:1=rb1|saw:");
            assertThat(calls.started()).containsExactly("a:1", "b:1");

            calls.complete("a:1", "ra1");
            runMails(harness);
            assertThat(calls.started()).containsExactly("a:1", "b:1", "a:2");

            calls.complete("a:2", "ra2");
            runMails(harness);
            assertThat(harness.extractOutputValues())
                    .containsExactly("b:1=rb1|saw:", "a:1=ra1|saw:", "a:2=ra2|saw:1");
        }
    }

    @Test
    void outputsCarryTheElementsTimestamp() throws Exception {
        try (var harness = open(b -> b)) {
            harness.processElement(new Item("a", 1), 42L);
            calls.complete("a:1", "r");
            runMails(harness);

            assertThat(harness.extractOutputStreamRecords())
                    .extracting(StreamRecord::getTimestamp)
                    .containsExactly(42L);
        }
    }

    @Test
    void watermarkWaitsForEveryElementThatArrivedBeforeIt() throws Exception {
        try (var harness = open(b -> b)) {
            harness.processWatermark(5L);
            harness.processElement(new Item("a", 1), 8L);
            harness.processWatermark(10L);
            harness.processElement(new Item("b", 1), 12L);
            harness.processWatermark(15L);

            calls.complete("b:1", "rb");
            runMails(harness);
            assertThat(new ArrayList<>(harness.getOutput()))
                    .containsExactly(new Watermark(5L), new StreamRecord<>("b:1=rb|saw:", 12L));

            calls.complete("a:1", "ra");
            runMails(harness);
            assertThat(new ArrayList<>(harness.getOutput()))
                    .containsExactly(
                            new Watermark(5L),
                            new StreamRecord<>("b:1=rb|saw:", 12L),
                            new StreamRecord<>("a:1=ra|saw:", 8L),
                            new Watermark(10L),
                            new Watermark(15L));
        }
    }

    @Test
    void watermarkWithNothingPendingPassesAtOnce() throws Exception {
        try (var harness = open(b -> b)) {
            harness.processElement(new Item("a", 1), 1L);
            calls.complete("a:1", "r");
            runMails(harness);
            harness.processWatermark(7L);

            assertThat(harness.getOutput()).last().isEqualTo(new Watermark(7L));
        }
    }

    @Test
    void timedOutAttemptIsRetriedWithTheSameIdempotencyKeyAndALateResultIsIgnored()
            throws Exception {
        KeyedAsyncTestFunction function = new KeyedAsyncTestFunction(calls);
        try (var harness =
                open(
                        function,
                        b ->
                                b.timeout(Duration.ofMillis(100))
                                        .retry(RetryPolicy.fixedDelay(3, Duration.ofMillis(50))))) {
            harness.setProcessingTime(0);
            harness.processElement(new Item("a", 1), 1L);
            CompletableFuture<String> firstAttempt = calls.future("a:1");
            String firstKey = function.idempotencyKeys.get("a:1");

            harness.setProcessingTime(100); // timeout
            runMails(harness);
            assertThat(calls.started()).containsExactly("a:1");
            harness.setProcessingTime(150); // backoff over
            runMails(harness);
            assertThat(calls.started()).containsExactly("a:1", "a:1");
            assertThat(function.attempts.get("a:1")).isEqualTo(2);
            assertThat(function.idempotencyKeys.get("a:1")).isEqualTo(firstKey);

            firstAttempt.complete("late");
            runMails(harness);
            assertThat(harness.extractOutputValues()).isEmpty();

            calls.complete("a:1", "second");
            runMails(harness);
            assertThat(harness.extractOutputValues()).containsExactly("a:1=second|saw:");
            harness.setProcessingTime(250); // the second attempt's deadline passes harmlessly
            runMails(harness);
            assertThat(harness.extractOutputValues()).containsExactly("a:1=second|saw:");
            assertThat(KeyedAsyncHarness.activeProcessingTimers(harness)).isZero();
        }
    }

    @Test
    void eachAttemptTimesOutAtItsOwnDeadline() throws Exception {
        try (var harness = open(b -> b.timeout(Duration.ofMillis(100)))) {
            harness.setProcessingTime(0);
            harness.processElement(new Item("a", 1), 1L);
            harness.setProcessingTime(50);
            harness.processElement(new Item("b", 1), 2L);
            harness.processElement(new Item("c", 1), 3L);
            calls.complete("c:1", "rc");
            runMails(harness);

            harness.setProcessingTime(100);
            runMails(harness);
            assertThat(errors(harness)).extracting(ErrorRecord::key).containsExactly("a");

            harness.setProcessingTime(149);
            runMails(harness);
            assertThat(errors(harness)).extracting(ErrorRecord::key).containsExactly("a");

            harness.setProcessingTime(150);
            runMails(harness);
            assertThat(errors(harness)).extracting(ErrorRecord::key).containsExactly("a", "b");
            assertThat(errors(harness))
                    .extracting(ErrorRecord::reason)
                    .containsOnly(ErrorReason.TIMEOUT);
            assertThat(harness.extractOutputValues()).containsExactly("c:1=rc|saw:");
            assertThat(KeyedAsyncHarness.activeProcessingTimers(harness)).isZero();
        }
    }

    @Test
    void elementThatFinallyFailsBecomesATypedErrorAndTheKeyMovesOn() throws Exception {
        try (var harness =
                open(
                        b ->
                                b.timeout(Duration.ofMillis(100))
                                        .retry(RetryPolicy.fixedDelay(2, Duration.ZERO)))) {
            harness.setProcessingTime(0);
            harness.processElement(new Item("a", 1), 1L);
            harness.processElement(new Item("a", 2), 2L);

            calls.fail("a:1", new ProcessingException(ErrorReason.SERVICE_UNAVAILABLE, "HTTP 503"));
            runMails(harness);
            assertThat(calls.started()).containsExactly("a:1", "a:1");
            harness.setProcessingTime(100); // the second attempt times out: no attempts left
            runMails(harness);

            assertThat(errors(harness))
                    .singleElement()
                    .satisfies(
                            e -> {
                                assertThat(e.stage()).isEqualTo(ErrorStage.PROCESSING);
                                assertThat(e.reason()).isEqualTo(ErrorReason.TIMEOUT);
                                assertThat(e.isTransient()).isTrue();
                                assertThat(e.attempt()).isEqualTo(2);
                                assertThat(e.key()).isEqualTo("a");
                            });
            assertThat(calls.started()).containsExactly("a:1", "a:1", "a:2");
            calls.complete("a:2", "ok");
            runMails(harness);
            assertThat(harness.extractOutputValues()).containsExactly("a:2=ok|saw:");
        }
    }

    @Test
    void unexpectedExceptionsAreErrorsOfTheElementNotOfTheTask() throws Exception {
        try (var harness =
                open(
                        new KeyedAsyncTestFunction(calls, true, false),
                        b -> b.retry(RetryPolicy.fixedDelay(5, Duration.ZERO)))) {
            harness.processElement(new Item("a", 1), 1L);
            harness.processElement(new Item("a", 2), 2L);
            runMails(harness);

            assertThat(errors(harness))
                    .singleElement()
                    .satisfies(
                            e -> {
                                assertThat(e.reason()).isEqualTo(ErrorReason.PROCESSING_FAILED);
                                assertThat(e.attempt()).as("not retried").isEqualTo(1);
                                assertThat(e.message())
                                        .contains(
                                                "IllegalStateException", "process failed for a:1");
                            });
            assertThat(calls.started()).containsExactly("a:2");
        }
    }

    @Test
    void exceptionInApplyIsAnErrorAndTheKeyMovesOn() throws Exception {
        try (var harness = open(new KeyedAsyncTestFunction(calls, false, true), b -> b)) {
            harness.processElement(new Item("a", 1), 1L);
            harness.processElement(new Item("a", 2), 2L);
            calls.complete("a:1", "r1");
            runMails(harness);
            calls.complete("a:2", "r2");
            runMails(harness);

            assertThat(errors(harness))
                    .extracting(ErrorRecord::reason)
                    .containsExactly(ErrorReason.PROCESSING_FAILED);
            assertThat(harness.extractOutputValues()).containsExactly("a:2=r2|saw:");
        }
    }

    @Test
    void failJobPolicyLetsTheExceptionFailTheTask() throws Exception {
        try (var harness =
                open(
                        new KeyedAsyncTestFunction(calls, true, false),
                        b -> b.onException(ExceptionPolicy.FAIL_JOB))) {
            assertThatThrownBy(() -> harness.processElement(new Item("a", 1), 1L))
                    .isInstanceOf(FlinkRuntimeException.class)
                    .hasRootCauseMessage("process failed for a:1");
        }
    }

    @Test
    void atCapacityInputWaitsWithoutSpinningUntilAnElementCompletes() throws Exception {
        try (var harness = open(b -> b.capacity(2))) {
            harness.processElement(new Item("a", 1), 1L);
            harness.processElement(new Item("b", 1), 2L);
            Thread taskThread = Thread.currentThread();
            CompletableFuture<Thread.State> stateWhenBlocked =
                    CompletableFuture.supplyAsync(
                            () -> {
                                Thread.State state = awaitBlocked(taskThread);
                                calls.complete("a:1", "r");
                                return state;
                            });

            harness.processElement(new Item("c", 1), 3L); // blocks until a:1 completes

            assertThat(stateWhenBlocked.get(30, TimeUnit.SECONDS))
                    .isIn(Thread.State.WAITING, Thread.State.TIMED_WAITING);
            assertThat(harness.extractOutputValues()).containsExactly("a:1=r|saw:");
            assertThat(calls.started()).containsExactly("a:1", "b:1", "c:1");
        }
    }

    @Test
    void endOfInputWaitsForAllPendingElements() throws Exception {
        try (var harness = open(b -> b)) {
            harness.processElement(new Item("a", 1), 1L);
            harness.processElement(new Item("a", 2), 2L);
            harness.processWatermark(3L);
            calls.complete("a:1", "r1");
            CompletableFuture<Void> second =
                    CompletableFuture.runAsync(
                            () -> {
                                awaitStarted("a:2");
                                calls.complete("a:2", "r2");
                            });

            harness.endInput();

            second.get(30, TimeUnit.SECONDS);
            assertThat(harness.extractOutputValues())
                    .containsExactly("a:1=r1|saw:", "a:2=r2|saw:1");
            assertThat(harness.getOutput()).last().isEqualTo(new Watermark(3L));
        }
    }

    @Test
    void builderChecksItsArguments() {
        KeyedAsync.Builder<String, Item, String> builder =
                KeyedAsync.builder(new KeyedAsyncTestFunction(calls)).uid("test-async");
        assertThatThrownBy(() -> builder.capacity(0)).hasMessageContaining("capacity");
        assertThatThrownBy(() -> builder.timeout(Duration.ofSeconds(-1)))
                .hasMessageContaining("timeout");
        assertThatThrownBy(builder::build).hasMessageContaining("outputType");
    }

    private void awaitStarted(String id) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!calls.isStarted(id)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(id + " never started");
            }
            Thread.onSpinWait();
        }
    }

    /** Waits (with a deadline) until {@code thread} parks, i.e. is blocked in the mailbox. */
    static Thread.State awaitBlocked(Thread thread) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            Thread.State state = thread.getState();
            if (state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING) {
                return state;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the task thread never blocked; it is " + state);
            }
            Thread.onSpinWait();
        }
    }

    private KeyedOneInputStreamOperatorTestHarness<String, Item, String> open(
            UnaryOperator<KeyedAsync.Builder<String, Item, String>> settings) throws Exception {
        return open(new KeyedAsyncTestFunction(calls), settings);
    }

    static KeyedOneInputStreamOperatorTestHarness<String, Item, String> open(
            KeyedAsyncTestFunction function,
            UnaryOperator<KeyedAsync.Builder<String, Item, String>> settings)
            throws Exception {
        KeyedAsync<String, Item, String> operator =
                settings.apply(
                                KeyedAsync.builder(function)
                                        .uid("test-async")
                                        .outputType(Types.STRING)
                                        .timeout(Duration.ZERO))
                        .build();
        var harness = KeyedAsyncHarness.create(operator, Item::key, Types.STRING, ITEM);
        harness.open();
        return harness;
    }

    private static List<ErrorRecord> errors(
            KeyedOneInputStreamOperatorTestHarness<String, Item, String> harness) {
        var side = harness.getSideOutput(KeyflowOutputs.ERRORS);
        return side == null ? List.of() : side.stream().map(StreamRecord::getValue).toList();
    }
}
