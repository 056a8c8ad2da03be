package dev.keyflow.core;

import static dev.keyflow.core.testutils.TestRecords.payloadOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyflow.core.testutils.KeyflowHarnesses;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
