package dev.keyflow.core.async;

import static dev.keyflow.core.async.KeyedAsyncTestFunction.ITEM;
import static dev.keyflow.core.testutils.KeyedAsyncHarness.runMails;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyflow.core.Envelope;
import dev.keyflow.core.ErrorReason;
import dev.keyflow.core.ErrorRecord;
import dev.keyflow.core.KeyflowOutputs;
import dev.keyflow.core.KeyflowTypes;
import dev.keyflow.core.Origin;
import dev.keyflow.core.testutils.ControlledFutures;
import dev.keyflow.core.testutils.KeyedAsyncHarness;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** Edge cases found in review: timer batching, idleness, long failure chains, restore waits. */
class KeyedAsyncEdgeCasesTest {

    private final ControlledFutures<String> calls = new ControlledFutures<>();

    @Test
    void anAttemptStartedByATimeoutDoesNotDelayOtherDeadlines() throws Exception {
        try (var harness = open(new KeyedAsyncTestFunction(calls), Duration.ofMillis(100), 10)) {
            harness.setProcessingTime(0);
            harness.processElement(new Item("a", 1), 1L);
            harness.processElement(new Item("a", 2), 2L); // queued behind a:1
            harness.setProcessingTime(50);
            harness.processElement(new Item("b", 1), 3L);

            harness.setProcessingTime(100); // a:1 times out, a:2 starts with deadline 200
            runMails(harness);
            harness.setProcessingTime(150); // b:1 must time out now, not at 200
            runMails(harness);

            assertThat(errors(harness)).extracting(ErrorRecord::key).containsExactly("a", "b");
            harness.setProcessingTime(200);
            runMails(harness);
            assertThat(errors(harness)).extracting(ErrorRecord::key).containsExactly("a", "b", "a");
        }
    }

    @Test
    void idleStatusWaitsUntilPendingElementsAndTheirWatermarksAreOut() throws Exception {
        try (var harness = open(new KeyedAsyncTestFunction(calls), Duration.ZERO, 10)) {
            harness.processElement(new Item("a", 1), 5L);
            harness.processWatermark(10L);
            harness.processWatermarkStatus(WatermarkStatus.IDLE);
            assertThat(harness.getOutput()).isEmpty();

            calls.complete("a:1", "r");
            runMails(harness);

            assertThat(new ArrayList<>(harness.getOutput()))
                    .containsExactly(
                            new StreamRecord<>("a:1=r|saw:", 5L),
                            new Watermark(10L),
                            WatermarkStatus.IDLE);
        }
    }

    @Test
    void activeBeforeTheHeldIdleCancelsIt() throws Exception {
        try (var harness = open(new KeyedAsyncTestFunction(calls), Duration.ZERO, 10)) {
            harness.processElement(new Item("a", 1), 5L);
            harness.processWatermarkStatus(WatermarkStatus.IDLE);
            harness.processWatermarkStatus(WatermarkStatus.ACTIVE);
            calls.complete("a:1", "r");
            runMails(harness);

            assertThat(harness.getOutput()).noneMatch(e -> e instanceof WatermarkStatus);
        }
    }

    @Test
    void aLongQueueOfSynchronousFailuresDoesNotRecurse() throws Exception {
        int queued = 20_000;
        try (var harness = open(new FirstAsyncThenThrows(calls), Duration.ZERO, queued + 1)) {
            for (int i = 1; i <= queued; i++) {
                harness.processElement(new Item("hot", i), i);
            }
            calls.complete("hot:1", "ok");
            runMails(harness);

            assertThat(harness.extractOutputValues()).containsExactly("hot:1");
            assertThat(errors(harness)).hasSize(queued - 1);
        }
    }

    @Test
    void anOnFailureThatThrowsIsStillAnErrorRecord() throws Exception {
        try (var harness = open(new ApplyAndOnFailureThrow(calls), Duration.ZERO, 10)) {
            harness.processElement(new Item("a", 1), 1L);
            harness.processElement(new Item("a", 2), 2L);
            calls.complete("a:1", "r");
            runMails(harness);

            assertThat(errors(harness))
                    .singleElement()
                    .satisfies(e -> assertThat(e.message()).contains("onFailure threw"));
            assertThat(calls.started()).containsExactly("a:1", "a:2");
        }
    }

    @Test
    void anElementWaitingForItsRetryIsRunAgainAfterRestore() throws Exception {
        OperatorSubtaskState snapshot;
        try (var harness =
                open(
                        new KeyedAsyncTestFunction(calls),
                        b -> b.retry(RetryPolicy.fixedDelay(3, Duration.ofSeconds(10))))) {
            harness.setProcessingTime(0);
            harness.processElement(new Item("a", 1), 1L);
            calls.fail("a:1", new ProcessingException(ErrorReason.TIMEOUT, "slow"));
            runMails(harness);
            assertThat(KeyedAsyncHarness.activeProcessingTimers(harness))
                    .as("the retry timer")
                    .isEqualTo(1);
            snapshot = harness.snapshot(1L, 1L);
        }

        ControlledFutures<String> after = new ControlledFutures<>();
        try (var harness = open(new KeyedAsyncTestFunction(after), b -> b, snapshot)) {
            assertThat(after.started()).containsExactly("a:1");
            after.complete("a:1", "r");
            runMails(harness);
            assertThat(harness.extractOutputValues()).containsExactly("a:1=r|saw:");
        }
    }

    @Test
    void envelopesReadFromKafkaUseTheirOriginAsIdempotencyKey() throws Exception {
        List<String> keys = new ArrayList<>();
        KeyedAsyncFunction<String, Envelope, Void, String, String> function =
                new KeyedAsyncFunction<>() {
                    @Override
                    public CompletionStage<String> process(
                            Envelope e, Void state, AsyncContext ctx) {
                        keys.add(ctx.idempotencyKey());
                        return CompletableFuture.completedFuture(e.key());
                    }

                    @Override
                    public void apply(Envelope e, String r, ApplyContext<String, String> ctx) {
                        ctx.collect(r);
                    }
                };
        KeyedAsync<String, Envelope, String> operator =
                KeyedAsync.builder(function).uid("enrich").outputType(Types.STRING).build();
        try (var harness =
                KeyedAsyncHarness.create(
                        operator, Envelope::key, Types.STRING, KeyflowTypes.ENVELOPE)) {
            harness.open();
            harness.processElement(
                    new Envelope("k", 1L, new byte[0], List.of(), new Origin("orders", 3, 42, 0)),
                    1L);
            runMails(harness);
        }
        assertThat(keys).containsExactly("enrich:orders-3@42");
    }

    @Test
    void everyOperatorNeedsItsOwnUid() {
        assertThatThrownBy(
                        () ->
                                KeyedAsync.builder(new KeyedAsyncTestFunction(calls))
                                        .outputType(Types.STRING)
                                        .build())
                .hasMessageContaining("uid must be set");
    }

    @Test
    void aRetryAfterLongerThanTheBackoffIsWaitedFor() throws Exception {
        try (var harness =
                open(
                        new KeyedAsyncTestFunction(calls),
                        b -> b.retry(RetryPolicy.fixedDelay(3, Duration.ofMillis(10))))) {
            harness.setProcessingTime(0);
            harness.processElement(new Item("a", 1), 1L);
            calls.fail(
                    "a:1",
                    new ProcessingException(
                            ErrorReason.SERVICE_UNAVAILABLE, "429", null, Duration.ofSeconds(5)));
            runMails(harness);

            harness.setProcessingTime(4_999);
            runMails(harness);
            assertThat(calls.started()).containsExactly("a:1");
            harness.setProcessingTime(5_000);
            runMails(harness);
            assertThat(calls.started()).containsExactly("a:1", "a:1");
        }
    }

    @Test
    void retryAfterAndJitter() {
        ProcessingException asksFiveSeconds =
                new ProcessingException(
                        ErrorReason.SERVICE_UNAVAILABLE, "429", null, Duration.ofSeconds(5));
        RetryPolicy policy = RetryPolicy.fixedDelay(3, Duration.ofMillis(100));
        assertThat(policy.delayAfter(1, asksFiveSeconds)).isEqualTo(Duration.ofSeconds(5));
        assertThat(policy.delayAfter(1, new IllegalStateException()))
                .isEqualTo(Duration.ofMillis(100));
        assertThat(policy.shouldRetry(1, asksFiveSeconds)).isTrue();
        assertThat(policy.maxRetryAfter(Duration.ofSeconds(1)).shouldRetry(1, asksFiveSeconds))
                .as("a Retry-After beyond the cap ends the retries here")
                .isFalse();

        RetryPolicy jittered = RetryPolicy.fixedDelay(3, Duration.ofMillis(1000)).withJitter(0.5);
        for (int i = 0; i < 200; i++) {
            assertThat(jittered.delayAfter(1, new IllegalStateException()).toMillis())
                    .isBetween(500L, 1000L);
        }
        assertThatThrownBy(() -> RetryPolicy.none().withJitter(1.5)).hasMessageContaining("jitter");
    }

    @Test
    void retryPolicies() {
        RetryPolicy exponential =
                RetryPolicy.exponentialBackoff(4, Duration.ofMillis(100), Duration.ofMillis(300));
        assertThat(exponential.delayAfter(1)).isEqualTo(Duration.ofMillis(100));
        assertThat(exponential.delayAfter(2)).isEqualTo(Duration.ofMillis(200));
        assertThat(exponential.delayAfter(3)).isEqualTo(Duration.ofMillis(300));
        Exception transientFailure =
                new ProcessingException(ErrorReason.SERVICE_UNAVAILABLE, "503");
        assertThat(exponential.shouldRetry(3, transientFailure)).isTrue();
        assertThat(exponential.shouldRetry(4, transientFailure)).isFalse();
        assertThat(exponential.shouldRetry(1, new IllegalStateException("bug"))).isFalse();
        assertThat(
                        exponential.shouldRetry(
                                1, new java.util.concurrent.CompletionException(transientFailure)))
                .as("unwraps completion exceptions")
                .isTrue();

        RetryPolicy onIo =
                RetryPolicy.fixedDelay(2, Duration.ZERO).retryIf(e -> e instanceof IOException);
        assertThat(onIo.shouldRetry(1, new IOException("reset"))).isTrue();
        assertThat(onIo.shouldRetry(1, transientFailure)).isFalse();
        assertThat(RetryPolicy.none().shouldRetry(1, transientFailure)).isFalse();
        assertThatThrownBy(() -> RetryPolicy.fixedDelay(0, Duration.ZERO))
                .hasMessageContaining("maxAttempts");
        assertThatThrownBy(
                        () ->
                                RetryPolicy.exponentialBackoff(
                                        2, Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .hasMessageContaining("maxDelay");
    }

    private KeyedOneInputStreamOperatorTestHarness<String, Item, String> open(
            KeyedAsyncFunction<String, Item, ?, ?, String> function, Duration timeout, int capacity)
            throws Exception {
        return open(function, b -> b.timeout(timeout).capacity(capacity));
    }

    private KeyedOneInputStreamOperatorTestHarness<String, Item, String> open(
            KeyedAsyncFunction<String, Item, ?, ?, String> function,
            java.util.function.UnaryOperator<KeyedAsync.Builder<String, Item, String>> settings)
            throws Exception {
        return open(function, settings, null);
    }

    private KeyedOneInputStreamOperatorTestHarness<String, Item, String> open(
            KeyedAsyncFunction<String, Item, ?, ?, String> function,
            java.util.function.UnaryOperator<KeyedAsync.Builder<String, Item, String>> settings,
            OperatorSubtaskState restoreFrom)
            throws Exception {
        KeyedAsync<String, Item, String> operator =
                settings.apply(
                                KeyedAsync.builder(function)
                                        .uid("test-async")
                                        .outputType(Types.STRING)
                                        .timeout(Duration.ZERO))
                        .build();
        var harness = KeyedAsyncHarness.create(operator, Item::key, Types.STRING, ITEM);
        if (restoreFrom != null) {
            harness.initializeState(restoreFrom);
        }
        harness.open();
        return harness;
    }

    private static List<ErrorRecord> errors(
            KeyedOneInputStreamOperatorTestHarness<String, Item, String> harness) {
        var side = harness.getSideOutput(KeyflowOutputs.ERRORS);
        return side == null ? List.of() : side.stream().map(StreamRecord::getValue).toList();
    }

    /** The first element's work is async; every later one throws at once. */
    static final class FirstAsyncThenThrows
            extends KeyedAsyncFunction<String, Item, Void, String, String> {
        private final transient ControlledFutures<String> calls;

        FirstAsyncThenThrows(ControlledFutures<String> calls) {
            this.calls = calls;
        }

        @Override
        public CompletionStage<String> process(Item item, Void state, AsyncContext ctx) {
            if (item.seq() == 1) {
                return calls.start(item.id());
            }
            throw new IllegalStateException("synchronous failure of " + item.id());
        }

        @Override
        public void apply(Item item, String result, ApplyContext<String, String> ctx) {
            ctx.collect(item.id());
        }
    }

    /** apply throws for the first element, and so does onFailure. */
    static final class ApplyAndOnFailureThrow
            extends KeyedAsyncFunction<String, Item, Void, String, String> {
        private final transient ControlledFutures<String> calls;

        ApplyAndOnFailureThrow(ControlledFutures<String> calls) {
            this.calls = calls;
        }

        @Override
        public CompletionStage<String> process(Item item, Void state, AsyncContext ctx) {
            return calls.start(item.id());
        }

        @Override
        public void apply(Item item, String result, ApplyContext<String, String> ctx) {
            throw new IllegalStateException("apply failed");
        }

        @Override
        public void onFailure(Item item, AsyncFailure failure, ApplyContext<String, String> ctx) {
            throw new IllegalStateException("onFailure failed too");
        }
    }
}
