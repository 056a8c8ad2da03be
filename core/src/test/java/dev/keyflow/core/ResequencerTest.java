package dev.keyflow.core;

import static dev.keyflow.core.testutils.TestRecords.envelope;
import static dev.keyflow.core.testutils.TestRecords.payloadOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyflow.core.internal.ResequencerFunction;
import dev.keyflow.core.testutils.KeyflowHarnesses;
import dev.keyflow.core.testutils.MetricRecorder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** The resequencer's contract, driven through Flink's keyed operator harness. */
class ResequencerTest {

    private static final String LATE = "keyflow.errors.stage.RESEQUENCING.reason.LATE.count";

    @Test
    void outOfOrderEventsLeaveInEventTimeOrderWhenTheWatermarkPassesThem() throws Exception {
        try (var harness = harness(Resequencer.forEnvelopes().build())) {
            harness.open();
            add(harness, envelope("a", 3000, "a3"));
            add(harness, envelope("a", 1000, "a1"));
            add(harness, envelope("a", 2000, "a2"));
            assertThat(harness.extractOutputValues()).isEmpty();
            assertThat(harness.numEventTimeTimers()).isEqualTo(3);

            harness.processWatermark(1500);
            assertThat(payloads(harness)).containsExactly("a1");

            harness.processWatermark(3000);
            assertThat(payloads(harness)).containsExactly("a1", "a2", "a3");
            assertThat(harness.extractOutputStreamRecords())
                    .extracting(StreamRecord::getTimestamp)
                    .containsExactly(1000L, 2000L, 3000L);
            assertThat(harness.numKeyedStateEntries()).isZero();
            assertThat(harness.numEventTimeTimers()).isZero();
        }
    }

    @Test
    void releasedEventsPrecedeTheWatermarkThatReleasedThem() throws Exception {
        try (var harness = harness(Resequencer.forEnvelopes().build())) {
            harness.open();
            add(harness, envelope("a", 2000, "a2"));
            add(harness, envelope("a", 1000, "a1"));
            harness.processWatermark(2500);

            assertThat(harness.getOutput())
                    .extracting(ResequencerTest::describe)
                    .containsExactly("a1@1000", "a2@2000", "watermark 2500");
        }
    }

    @Test
    void eventsWithTheSameTimestampKeepTheirArrivalOrder() throws Exception {
        try (var harness = harness(Resequencer.forEnvelopes().build())) {
            harness.open();
            add(harness, envelope("a", 2000, "first"));
            add(harness, envelope("a", 1000, "early"));
            add(harness, envelope("a", 2000, "second"));
            add(harness, envelope("a", 2000, "third"));
            assertThat(harness.numEventTimeTimers()).isEqualTo(2);

            harness.processWatermark(2000);

            assertThat(payloads(harness)).containsExactly("early", "first", "second", "third");
            assertThat(harness.numKeyedStateEntries()).isZero();
        }
    }

    @Test
    void keysAreOrderedIndependently() throws Exception {
        try (var harness = harness(Resequencer.forEnvelopes().build())) {
            harness.open();
            add(harness, envelope("a", 3000, "a3"));
            add(harness, envelope("b", 1000, "b1"));
            add(harness, envelope("a", 1000, "a1"));
            add(harness, envelope("b", 500, "b0"));
            harness.processWatermark(5000);

            List<String> out = payloads(harness);
            assertThat(out.stream().filter(p -> p.startsWith("a"))).containsExactly("a1", "a3");
            assertThat(out.stream().filter(p -> p.startsWith("b"))).containsExactly("b0", "b1");
        }
    }

    @Test
    void idleKeysAreReleasedAndForgottenByTheWatermarkAlone() throws Exception {
        try (var harness = harness(Resequencer.forEnvelopes().build())) {
            harness.open();
            add(harness, envelope("idle", 1200, "i2"));
            add(harness, envelope("idle", 1100, "i1"));
            for (int t = 1000; t <= 10_000; t += 1000) {
                add(harness, envelope("busy", t, "b" + t));
                harness.processWatermark(t - 500);
            }

            assertThat(payloads(harness))
                    .containsSubsequence("b1000", "i1", "i2", "b2000")
                    .doesNotContain("b10000");
            // Only the busy key holds state: its buffer (t = 10000) and its small value.
            assertThat(harness.numKeyedStateEntries()).isEqualTo(2);
            assertThat(harness.numEventTimeTimers()).isEqualTo(1);
        }
    }

    @Test
    void lateEventsBecomeErrorRecordsByDefault() throws Exception {
        MetricRecorder metrics = new MetricRecorder();
        try (var harness = harness(Resequencer.forEnvelopes().build(), metrics)) {
            harness.open();
            harness.processWatermark(5000);
            Envelope atWatermark = envelope("a", 5000, "at");
            Envelope behind = envelope("a", 4000, "behind");
            add(harness, atWatermark);
            add(harness, behind);

            assertThat(harness.extractOutputValues()).isEmpty();
            List<ErrorRecord> errors = errors(harness);
            assertThat(errors).extracting(ErrorRecord::reason).containsOnly(ErrorReason.LATE);
            assertThat(errors).extracting(ErrorRecord::stage).containsOnly(ErrorStage.RESEQUENCING);
            assertThat(errors.get(0).message())
                    .isEqualTo("event time 5000 is at or below the watermark 5000");
            assertThat(errors.get(1).key()).isEqualTo("a");
            assertThat(errors.get(1).payload()).isEqualTo(behind.payload());
            assertThat(errors.get(1).origin()).isEqualTo(behind.origin());
            assertThat(metrics.count("keyflow.resequencer.late")).isEqualTo(2);
            assertThat(metrics.count(LATE)).isEqualTo(2);
            assertThat(harness.numKeyedStateEntries()).isZero();
        }
    }

    @Test
    void lateEventsAreEmittedAtOnceAndMarkedWhenThePolicySaysEmit() throws Exception {
        Resequencer<Envelope> resequencer =
                Resequencer.forEnvelopes().latePolicy(Resequencer.LatePolicy.EMIT).build();
        try (var harness = markedHarness(resequencer)) {
            harness.open();
            add(harness, envelope("a", 6000, "on-time"));
            harness.processWatermark(5000);
            add(harness, envelope("a", 4000, "late"));
            harness.processWatermark(6000);

            assertThat(harness.extractOutputValues())
                    .extracting(r -> payloadOf(r.value()) + "/" + r.release() + "@" + r.timestamp())
                    .containsExactly("late/LATE@4000", "on-time/ON_TIME@6000");
            assertThat(harness.extractOutputStreamRecords())
                    .extracting(StreamRecord::getTimestamp)
                    .containsExactly(4000L, 6000L);
            assertThat(harness.getSideOutput(KeyflowOutputs.ERRORS)).isNull();
        }
    }

    @Test
    void aFullKeyReleasesItsOldestEventsEarlyAndStaysInOrder() throws Exception {
        Resequencer<Envelope> resequencer = Resequencer.forEnvelopes().maxBufferedPerKey(3).build();
        try (var harness = markedHarness(resequencer)) {
            harness.open();
            add(harness, envelope("a", 1000, "a1"));
            add(harness, envelope("a", 1000, "a1b"));
            add(harness, envelope("a", 3000, "a3"));
            add(harness, envelope("a", 2000, "a2")); // full: both events of 1000 leave early
            assertThat(released(harness)).containsExactly("a1/EARLY@1000", "a1b/EARLY@1000");
            assertThat(harness.extractOutputStreamRecords())
                    .extracting(StreamRecord::getTimestamp)
                    .containsExactly(1000L, 1000L);

            add(harness, envelope("a", 500, "a0")); // older than what left early: late
            add(harness, envelope("a", 1000, "a1c")); // as old as what left early: still in order
            harness.processWatermark(4000);

            assertThat(released(harness))
                    .containsExactly(
                            "a1/EARLY@1000",
                            "a1b/EARLY@1000",
                            "a1c/ON_TIME@1000",
                            "a2/ON_TIME@2000",
                            "a3/ON_TIME@3000");
            assertThat(errors(harness))
                    .extracting(ErrorRecord::reason)
                    .containsExactly(ErrorReason.LATE);
        }
    }

    @Test
    void earlyReleasesNeverPutOutputOutOfOrder() throws Exception {
        Resequencer<Envelope> resequencer = Resequencer.forEnvelopes().maxBufferedPerKey(2).build();
        try (var harness = markedHarness(resequencer)) {
            harness.open();
            add(harness, envelope("a", 1000, "a1"));
            add(harness, envelope("a", 3000, "a3"));
            add(harness, envelope("a", 2000, "a2")); // full: a1 leaves early
            add(harness, envelope("a", 500, "a0")); // behind a1: late, to errors
            harness.processWatermark(4000);

            assertThat(harness.extractOutputValues())
                    .extracting(Resequenced::timestamp)
                    .isSorted()
                    .containsExactly(1000L, 2000L, 3000L);
            assertThat(errors(harness))
                    .singleElement()
                    .satisfies(
                            e -> {
                                assertThat(e.reason()).isEqualTo(ErrorReason.LATE);
                                assertThat(e.message())
                                        .contains("older than 1000", "released early");
                            });
            assertThat(harness.numKeyedStateEntries()).isZero();
            assertThat(harness.numEventTimeTimers()).isZero();
        }
    }

    @Test
    void aFullKeyCountsOverflowAndEarlyReleases() throws Exception {
        MetricRecorder metrics = new MetricRecorder();
        Resequencer<Envelope> resequencer = Resequencer.forEnvelopes().maxBufferedPerKey(2).build();
        try (var harness = harness(resequencer, metrics)) {
            harness.open();
            add(harness, envelope("a", 1000, "a1"));
            add(harness, envelope("a", 1000, "a1b"));
            add(harness, envelope("a", 3000, "a3")); // full: both events of 1000 leave early
            add(harness, envelope("a", 2000, "a2"));

            assertThat(payloads(harness)).containsExactly("a1", "a1b");
            assertThat(metrics.count("keyflow.resequencer.overflow")).isEqualTo(1);
            assertThat(metrics.count("keyflow.resequencer.earlyReleased")).isEqualTo(2);
            assertThat(metrics.gauge("keyflow.resequencer.buffered")).isEqualTo(2L);
        }
    }

    @Test
    void aKeyThatReleasedEverythingEarlyIsForgottenOnceTheWatermarkPasses() throws Exception {
        Resequencer<Envelope> resequencer = Resequencer.forEnvelopes().maxBufferedPerKey(2).build();
        try (var harness = harness(resequencer)) {
            harness.open();
            for (String payload : List.of("x", "y", "z")) {
                add(harness, envelope("a", 1000, payload));
            }
            assertThat(payloads(harness)).containsExactly("x", "y", "z");
            assertThat(harness.numKeyedStateEntries()).isEqualTo(1); // the early-release mark

            harness.processWatermark(1000);

            assertThat(harness.numKeyedStateEntries()).isZero();
            assertThat(harness.numEventTimeTimers()).isZero();
        }
    }

    @Test
    void theOverflowPolicyCanSendNewEventsToTheErrorsInstead() throws Exception {
        MetricRecorder metrics = new MetricRecorder();
        Resequencer<Envelope> resequencer =
                Resequencer.forEnvelopes()
                        .maxBufferedPerKey(2)
                        .overflowPolicy(Resequencer.OverflowPolicy.TO_ERRORS)
                        .build();
        try (var harness = harness(resequencer, metrics)) {
            harness.open();
            add(harness, envelope("a", 3000, "a3"));
            add(harness, envelope("a", 1000, "a1"));
            add(harness, envelope("a", 2000, "a2"));
            add(harness, envelope("b", 2000, "b2")); // another key is not affected
            harness.processWatermark(5000);

            assertThat(payloads(harness)).containsExactly("a1", "b2", "a3");
            assertThat(errors(harness))
                    .singleElement()
                    .satisfies(
                            e -> {
                                assertThat(e.reason()).isEqualTo(ErrorReason.BUFFER_OVERFLOW);
                                assertThat(e.message()).contains("holds 2 events");
                                assertThat(e.payload())
                                        .isEqualTo("a2".getBytes(StandardCharsets.UTF_8));
                            });
            assertThat(metrics.count("keyflow.resequencer.overflow")).isEqualTo(1);
            assertThat(
                            metrics.count(
                                    "keyflow.errors.stage.RESEQUENCING.reason.BUFFER_OVERFLOW"
                                            + ".count"))
                    .isEqualTo(1);
        }
    }

    @Test
    void bufferedEventsSurviveASnapshotAndAreReleasedAfterTheRestore() throws Exception {
        Resequencer<Envelope> resequencer = Resequencer.forEnvelopes().build();
        OperatorSubtaskState snapshot;
        try (var harness = harness(resequencer)) {
            harness.open();
            add(harness, envelope("a", 3000, "a3"));
            add(harness, envelope("a", 1000, "a1"));
            add(harness, envelope("b", 2000, "b2"));
            add(harness, envelope("a", 3000, "a3b"));
            harness.processWatermark(1500);
            assertThat(payloads(harness)).containsExactly("a1");
            snapshot = harness.snapshot(1L, 1L);
        }

        MetricRecorder metrics = new MetricRecorder();
        try (var restored = harness(resequencer, metrics)) {
            restored.initializeState(snapshot);
            restored.open();
            assertThat(restored.numEventTimeTimers()).isEqualTo(2);
            assertThat(metrics.gauge("keyflow.resequencer.buffered")).isEqualTo(0L);

            add(restored, envelope("a", 2500, "a2")); // touches a: its 2 restored events count
            assertThat(metrics.gauge("keyflow.resequencer.buffered")).isEqualTo(3L);
            // Flink does not restore the watermark, but the resequencer remembers it: an event
            // older than the last watermark before the snapshot is late, not buffered and
            // emitted out of order.
            add(restored, envelope("a", 1200, "a12"));
            restored.processWatermark(5000);

            assertThat(payloads(restored)).containsExactly("b2", "a2", "a3", "a3b");
            assertThat(restored.getSideOutput(KeyflowOutputs.ERRORS))
                    .extracting(r -> r.getValue().reason())
                    .containsExactly(ErrorReason.LATE);
            assertThat(restored.numKeyedStateEntries()).isZero();
            assertThat(restored.numEventTimeTimers()).isZero();
            assertThat(metrics.gauge("keyflow.resequencer.buffered")).isEqualTo(0L);
        }
    }

    @Test
    void releaseDelayIsMeasuredInProcessingTime() throws Exception {
        MetricRecorder metrics = new MetricRecorder();
        try (var harness = harness(Resequencer.forEnvelopes().build(), metrics)) {
            harness.open();
            harness.setProcessingTime(100);
            add(harness, envelope("a", 1000, "a1"));
            harness.setProcessingTime(350);
            add(harness, envelope("a", 2000, "a2"));
            harness.setProcessingTime(400);
            harness.processWatermark(2000);

            var delays = metrics.histogram("keyflow.resequencer.releaseDelay").getStatistics();
            assertThat(delays.size()).isEqualTo(2);
            assertThat(delays.getMax()).isEqualTo(300);
            assertThat(delays.getMin()).isEqualTo(50);
        }
    }

    @Test
    void anEventWithoutATimestampIsAnError() throws Exception {
        Resequencer<String> resequencer =
                Resequencer.<String>builder()
                        .errorDetails(
                                (s, error) -> error.payload(s.getBytes(StandardCharsets.UTF_8)))
                        .build();
        try (var harness =
                KeyflowHarnesses.resequencer(resequencer, s -> "k", Types.STRING, Types.STRING)) {
            harness.open();
            harness.processElement(new StreamRecord<>("no time"));
            harness.processElement(new StreamRecord<>("record time", 42L));
            harness.processWatermark(100);

            assertThat(harness.extractOutputValues()).containsExactly("record time");
            assertThat(errors(harness))
                    .singleElement()
                    .satisfies(
                            e -> {
                                assertThat(e.reason()).isEqualTo(ErrorReason.EVENT_TIME_INVALID);
                                assertThat(e.key()).isEqualTo("k");
                                assertThat(e.payload())
                                        .isEqualTo("no time".getBytes(StandardCharsets.UTF_8));
                            });
        }
    }

    @Test
    void anExtractorThatThrowsYieldsProcessingFailedAndTheRestGoesOn() throws Exception {
        Resequencer<Envelope> resequencer =
                Resequencer.forEnvelopes()
                        .eventTime(
                                e -> {
                                    if (payloadOf(e).equals("bad")) {
                                        throw new IllegalStateException("boom");
                                    }
                                    return OptionalLong.of(e.eventTime());
                                })
                        .build();
        try (var harness = harness(resequencer)) {
            harness.open();
            add(harness, envelope("a", 1000, "bad"));
            add(harness, envelope("a", 2000, "good"));
            harness.processWatermark(3000);

            assertThat(payloads(harness)).containsExactly("good");
            assertThat(errors(harness))
                    .singleElement()
                    .satisfies(
                            e -> {
                                assertThat(e.reason()).isEqualTo(ErrorReason.PROCESSING_FAILED);
                                assertThat(e.message()).contains("IllegalStateException", "boom");
                            });
        }
    }

    @Test
    void errorDetailsThatThrowStillYieldAnErrorRecord() throws Exception {
        Resequencer<Envelope> resequencer =
                Resequencer.forEnvelopes()
                        .errorDetails(
                                (e, error) -> {
                                    throw new IllegalArgumentException("no bytes");
                                })
                        .build();
        try (var harness = harness(resequencer)) {
            harness.open();
            harness.processWatermark(5000);
            add(harness, envelope("a", 1000, "late"));

            assertThat(errors(harness))
                    .singleElement()
                    .satisfies(
                            e -> {
                                assertThat(e.reason()).isEqualTo(ErrorReason.LATE);
                                assertThat(e.key()).isEqualTo("a");
                                assertThat(e.message()).contains("no bytes", "payload is missing");
                            });
        }
    }

    @Test
    void theBuilderChecksItsArguments() {
        assertThatThrownBy(() -> Resequencer.forEnvelopes().maxBufferedPerKey(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxBufferedPerKey");
        assertThatThrownBy(() -> Resequencer.forEnvelopes().latePolicy(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("latePolicy");
        assertThatThrownBy(() -> Resequencer.forEnvelopes().uid(" "))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("uid");
        assertThatThrownBy(() -> Resequencer.<String>builder().build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("errorDetails");

        Resequencer<Envelope> defaults = Resequencer.forEnvelopes().build();
        assertThat(defaults.latePolicy()).isEqualTo(Resequencer.LatePolicy.TO_ERRORS);
        assertThat(defaults.overflowPolicy()).isEqualTo(Resequencer.OverflowPolicy.RELEASE_OLDEST);
        assertThat(defaults.maxBufferedPerKey())
                .isEqualTo(Resequencer.DEFAULT_MAX_BUFFERED_PER_KEY);
        assertThat(defaults.uid()).isEqualTo(Resequencer.DEFAULT_UID);
    }

    // ---- helpers ------------------------------------------------------------------------------

    static KeyedOneInputStreamOperatorTestHarness<String, Envelope, Envelope> harness(
            Resequencer<Envelope> resequencer) throws Exception {
        return KeyflowHarnesses.resequencer(
                resequencer, Envelope::key, Types.STRING, KeyflowTypes.ENVELOPE);
    }

    static KeyedOneInputStreamOperatorTestHarness<String, Envelope, Envelope> harness(
            Resequencer<Envelope> resequencer, MetricRecorder metrics) throws Exception {
        return KeyflowHarnesses.keyed(
                ResequencerFunction.plain(resequencer, KeyflowTypes.ENVELOPE),
                Envelope::key,
                Types.STRING,
                metrics);
    }

    static KeyedOneInputStreamOperatorTestHarness<String, Envelope, Resequenced<Envelope>>
            markedHarness(Resequencer<Envelope> resequencer) throws Exception {
        return KeyflowHarnesses.markedResequencer(
                resequencer, Envelope::key, Types.STRING, KeyflowTypes.ENVELOPE);
    }

    static KeyedOneInputStreamOperatorTestHarness<String, Envelope, Resequenced<Envelope>>
            markedHarness(Resequencer<Envelope> resequencer, MetricRecorder metrics)
                    throws Exception {
        return KeyflowHarnesses.withOutputType(
                KeyflowHarnesses.keyed(
                        ResequencerFunction.marked(resequencer, KeyflowTypes.ENVELOPE),
                        Envelope::key,
                        Types.STRING,
                        metrics),
                Resequenced.typeInfo(KeyflowTypes.ENVELOPE));
    }

    /** Feeds an envelope with its event time as the record timestamp, as watermarking does. */
    static <OUT> void add(
            KeyedOneInputStreamOperatorTestHarness<String, Envelope, OUT> harness, Envelope e)
            throws Exception {
        harness.processElement(e, e.eventTime());
    }

    static List<String> payloads(
            KeyedOneInputStreamOperatorTestHarness<String, Envelope, Envelope> harness) {
        return harness.extractOutputValues().stream().map(e -> payloadOf(e)).toList();
    }

    private static List<String> released(
            KeyedOneInputStreamOperatorTestHarness<String, Envelope, Resequenced<Envelope>>
                    harness) {
        return harness.extractOutputValues().stream()
                .map(r -> payloadOf(r.value()) + "/" + r.release() + "@" + r.timestamp())
                .toList();
    }

    static List<ErrorRecord> errors(AbstractStreamOperatorTestHarness<?> harness) {
        var side = harness.getSideOutput(KeyflowOutputs.ERRORS);
        List<ErrorRecord> out = new ArrayList<>();
        if (side != null) {
            side.forEach(r -> out.add(r.getValue()));
        }
        return out;
    }

    private static String describe(Object output) {
        if (output instanceof Watermark watermark) {
            return "watermark " + watermark.getTimestamp();
        }
        StreamRecord<?> record = (StreamRecord<?>) output;
        return payloadOf((Envelope) record.getValue()) + "@" + record.getTimestamp();
    }
}
