package dev.keyflow.core;

import static dev.keyflow.core.testutils.TestRecords.payloadOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyflow.core.async.ApplyContext;
import dev.keyflow.core.async.AsyncContext;
import dev.keyflow.core.async.KeyedAsync;
import dev.keyflow.core.async.KeyedAsyncFunction;
import dev.keyflow.core.testutils.ControlledFutures;
import dev.keyflow.core.testutils.KeyedAsyncHarness;
import dev.keyflow.core.testutils.KeyflowHarnesses;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OperatorSnapshotUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * State written by an earlier keyflow version restores into today's operators: the snapshots in
 * {@code src/test/resources/snapshots} were written by version 0.1 and must stay readable, so a
 * change to a state type that breaks its serializer fails here. Add a snapshot per release with
 * {@code mvn -pl core test -Dtest=KeyedOperatorStateCompatibilityTest
 * -Dkeyflow.writeSnapshots=true} (it writes the current version's files).
 */
class KeyedOperatorStateCompatibilityTest {

    private static final String VERSION = "0.1";
    private static final Path SOURCE_DIR = Path.of("src/test/resources/snapshots");

    private static final Envelope A1 = envelope("a", 1000, "a1");
    private static final Envelope A3 = envelope("a", 3000, "a3");
    private static final Envelope B2 = envelope("b", 2000, "b2");

    private static final Resequencer<Envelope> RESEQUENCER = Resequencer.forEnvelopes().build();
    private static final PauseGate<Envelope> GATE =
            PauseGate.forEnvelopes().maxPause(Duration.ofHours(1)).build();
    private static final Deduplicator<Envelope> DEDUPLICATOR =
            Deduplicator.forEnvelopes()
                    .dedupKey(e -> payloadOf(e))
                    .eventTimeWindow(Duration.ofSeconds(5))
                    .build();

    @Test
    void resequencerStateRestores() throws Exception {
        try (var harness = ResequencerTest.harness(RESEQUENCER)) {
            harness.initializeState(read("resequencer"));
            harness.open();
            harness.processWatermark(Long.MAX_VALUE);

            assertThat(harness.extractOutputValues()).containsExactly(A1, B2, A3);
            assertThat(harness.numKeyedStateEntries()).isZero();
        }
    }

    @Test
    void pauseGateStateRestores() throws Exception {
        try (var harness = KeyflowHarnesses.pauseGate(GATE, Envelope::key, KeyflowTypes.ENVELOPE)) {
            harness.initializeState(read("pause-gate"));
            harness.open();
            assertThat(harness.numProcessingTimeTimers()).isEqualTo(1);
            harness.processElement1(B2, B2.eventTime()); // b was never paused
            harness.processElement2(PauseCommand.resume("a", 5), 5);

            assertThat(harness.extractOutputStreamRecords())
                    .extracting(r -> r.getValue().key() + "@" + r.getTimestamp())
                    .containsExactly("b@2000", "a@3000", "a@1000");
            assertThat(harness.extractOutputValues()).containsExactly(B2, A3, A1);
            assertThat(harness.numKeyedStateEntries()).isZero();
            assertThat(harness.numProcessingTimeTimers()).isZero();
        }
    }

    @Test
    void deduplicatorStateRestores() throws Exception {
        try (var harness =
                KeyflowHarnesses.deduplicator(DEDUPLICATOR, Envelope::key, Types.STRING)) {
            harness.initializeState(read("deduplicator"));
            harness.open();
            Envelope repeat = envelope("a", 4000, "a1");
            harness.processElement(repeat, repeat.eventTime());
            assertThat(harness.extractOutputValues()).isEmpty();

            harness.processWatermark(10_000);
            assertThat(harness.numKeyedStateEntries()).isZero();
            assertThat(harness.numEventTimeTimers()).isZero();
        }
    }

    /**
     * The keyed async operator of 0.1 kept a key's whole queue in its pending list: a1 in flight,
     * a3 and a4 queued, b2 in flight. Today's operator restarts a1 and b2 and runs a3 and a4 from
     * the key's backlog, in order, with the idempotency keys of their origins.
     */
    @Test
    void keyedAsyncStateRestores() throws Exception {
        ControlledFutures<String> calls = new ControlledFutures<>();
        List<String> idempotencyKeys = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (var harness =
                KeyedAsyncHarness.create(
                        keyedAsync(calls, idempotencyKeys),
                        Envelope::key,
                        Types.STRING,
                        KeyflowTypes.ENVELOPE)) {
            harness.initializeState(read("keyed-async"));
            harness.open();
            assertThat(calls.started()).containsExactlyInAnyOrder("a1", "b2");
            for (String id : List.of("b2", "a1", "a3", "a4")) {
                calls.complete(id, id);
                KeyedAsyncHarness.runMails(harness);
            }

            assertThat(harness.extractOutputStreamRecords())
                    .extracting(r -> r.getValue() + "@" + r.getTimestamp())
                    .containsExactly("b2@2000", "a1@1000", "a3@3000", "a4@4000");
            assertThat(idempotencyKeys)
                    .contains("compat-async:input-0@3000", "compat-async:input-0@4000");
            harness.snapshot(2L, 2L);
            assertThat(harness.numKeyedStateEntries()).isZero();
        }
    }

    /** Writes this version's snapshots into the source tree; run on purpose only. */
    @Test
    @EnabledIfSystemProperty(named = "keyflow.writeSnapshots", matches = "true")
    void writeSnapshots() throws Exception {
        Files.createDirectories(SOURCE_DIR);
        try (var harness = ResequencerTest.harness(RESEQUENCER)) {
            harness.open();
            for (Envelope e : List.of(A3, A1, B2)) {
                harness.processElement(new StreamRecord<>(e, e.eventTime()));
            }
            write("resequencer", harness.snapshot(1L, 1L));
        }
        try (var harness = KeyflowHarnesses.pauseGate(GATE, Envelope::key, KeyflowTypes.ENVELOPE)) {
            harness.open();
            harness.processElement2(PauseCommand.pause("a", 0).withReason("compatibility"), 0);
            harness.processElement1(A3, A3.eventTime());
            harness.processElement1(A1, A1.eventTime());
            write("pause-gate", harness.snapshot(1L, 1L));
        }
        try (var harness =
                KeyflowHarnesses.deduplicator(DEDUPLICATOR, Envelope::key, Types.STRING)) {
            harness.open();
            harness.processElement(A1, A1.eventTime());
            write("deduplicator", harness.snapshot(1L, 1L));
        }
        try (var harness =
                KeyedAsyncHarness.create(
                        keyedAsync(new ControlledFutures<>(), new ArrayList<>()),
                        Envelope::key,
                        Types.STRING,
                        KeyflowTypes.ENVELOPE)) {
            harness.open();
            for (Envelope e :
                    List.of(A1, B2, envelope("a", 3000, "a3"), envelope("a", 4000, "a4"))) {
                harness.processElement(e, e.eventTime());
            }
            write("keyed-async", harness.snapshot(1L, 1L));
        }
    }

    /** A keyed async operator whose calls the test completes, emitting the payload. */
    private static KeyedAsync<String, Envelope, String> keyedAsync(
            ControlledFutures<String> calls, List<String> idempotencyKeys) {
        return KeyedAsync.builder(new CompletedByHand(calls, idempotencyKeys))
                .uid("compat-async")
                .outputType(Types.STRING)
                .timeout(Duration.ZERO)
                .build();
    }

    /** Starts a controlled call per element, named by the payload. */
    static final class CompletedByHand
            extends KeyedAsyncFunction<String, Envelope, Void, String, String> {
        private final transient ControlledFutures<String> calls;
        private final transient List<String> idempotencyKeys;

        CompletedByHand(ControlledFutures<String> calls, List<String> idempotencyKeys) {
            this.calls = calls;
            this.idempotencyKeys = idempotencyKeys;
        }

        @Override
        public CompletionStage<String> process(Envelope e, Void state, AsyncContext ctx) {
            idempotencyKeys.add(ctx.idempotencyKey());
            return calls.start(payloadOf(e));
        }

        @Override
        public void apply(Envelope e, String result, ApplyContext<String, String> ctx) {
            ctx.collect(result);
        }
    }

    private static OperatorSubtaskState read(String operator) throws Exception {
        return OperatorSnapshotUtil.readStateHandle(
                OperatorSnapshotUtil.getResourceFilename(
                        "snapshots/" + operator + "-" + VERSION + ".snapshot"));
    }

    private static void write(String operator, OperatorSubtaskState state) throws Exception {
        OperatorSnapshotUtil.writeStateHandle(
                state, SOURCE_DIR.resolve(operator + "-" + VERSION + ".snapshot").toString());
    }

    /** An envelope with a header and an origin, so that nested POJOs are in the snapshots. */
    private static Envelope envelope(String key, long eventTime, String payload) {
        return new Envelope(
                key,
                eventTime,
                payload.getBytes(StandardCharsets.UTF_8),
                List.of(Header.ofString("type", "Test")),
                new Origin("input", 0, eventTime, eventTime));
    }
}
