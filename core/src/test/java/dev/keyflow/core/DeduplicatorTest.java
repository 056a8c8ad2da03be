package dev.keyflow.core;

import static dev.keyflow.core.ResequencerTest.add;
import static dev.keyflow.core.ResequencerTest.errors;
import static dev.keyflow.core.ResequencerTest.payloads;
import static dev.keyflow.core.testutils.TestRecords.envelope;
import static dev.keyflow.core.testutils.TestRecords.payloadOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.keyflow.core.internal.DeduplicatorFunction;
import dev.keyflow.core.testutils.KeyflowHarnesses;
import dev.keyflow.core.testutils.MetricRecorder;
import java.time.Duration;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The deduplicator in both time domains. The dedup key of the test envelopes is their payload text,
 * the stream key their key.
 */
class DeduplicatorTest {

    private static final Duration WINDOW = Duration.ofSeconds(5);

    // ---- processing time ----------------------------------------------------------------------

    @Test
    void repeatsWithinAProcessingTimeWindowAreDroppedAndCounted() throws Exception {
        MetricRecorder metrics = new MetricRecorder();
        try (var harness = harness(byPayload().processingTimeWindow(WINDOW).build(), metrics)) {
            harness.open();
            harness.setProcessingTime(10_000);
            add(harness, envelope("a", 1, "m1"));
            harness.setProcessingTime(11_000);
            add(harness, envelope("a", 2, "m1"));
            add(harness, envelope("a", 3, "m2"));
            harness.setProcessingTime(14_999);
            add(harness, envelope("a", 4, "m1"));

            assertThat(payloads(harness)).containsExactly("m1", "m2");
            assertThat(harness.extractOutputStreamRecords())
                    .extracting(StreamRecord::getTimestamp)
                    .containsExactly(1L, 3L);
            assertThat(metrics.count("keyflow.dedup.passed")).isEqualTo(2);
            assertThat(metrics.count("keyflow.dedup.duplicates")).isEqualTo(2);
            assertThat(harness.getSideOutput(KeyflowOutputs.ERRORS)).isNull();
        }
    }

    @Test
    void theFirstOccurrenceAfterTheWindowPassesAndRepeatsDoNotExtendIt() throws Exception {
        try (var harness = harness(byPayload().processingTimeWindow(WINDOW).build())) {
            harness.open();
            harness.setProcessingTime(0);
            add(harness, envelope("a", 1, "m1")); // window [0, 5000)
            harness.setProcessingTime(4_000);
            add(harness, envelope("a", 2, "m1")); // repeat: does not extend the window
            harness.setProcessingTime(5_000);
            add(harness, envelope("a", 3, "m1")); // new window [5000, 10000)
            harness.setProcessingTime(9_999);
            add(harness, envelope("a", 4, "m1"));

            assertThat(harness.extractOutputStreamRecords())
                    .extracting(StreamRecord::getTimestamp)
                    .containsExactly(1L, 3L);
        }
    }

    @Test
    void dedupKeysAreScopedToTheStreamKey() throws Exception {
        try (var harness = harness(byPayload().processingTimeWindow(WINDOW).build())) {
            harness.open();
            add(harness, envelope("a", 1, "m1"));
            add(harness, envelope("b", 2, "m1"));
            add(harness, envelope("a", 3, "m1"));

            assertThat(harness.extractOutputValues())
                    .extracting(Envelope::key)
                    .containsExactly("a", "b");
        }
    }

    @Test
    void expiredDedupKeysAreRemovedByCoalescedProcessingTimeTimers() throws Exception {
        try (var harness = harness(byPayload().processingTimeWindow(WINDOW).build())) {
            harness.open();
            harness.setProcessingTime(1_100);
            add(harness, envelope("a", 1, "m1"));
            harness.setProcessingTime(1_600);
            add(harness, envelope("a", 2, "m2"));
            add(harness, envelope("a", 3, "m3"));
            // Windows end at 6100 and 6600: one slot (7000), one timer.
            assertThat(harness.numProcessingTimeTimers()).isEqualTo(1);
            assertThat(harness.numKeyedStateEntries()).isEqualTo(2);

            harness.setProcessingTime(6_999);
            assertThat(harness.numKeyedStateEntries()).isEqualTo(2);
            harness.setProcessingTime(7_000);

            assertThat(harness.numKeyedStateEntries()).isZero();
            assertThat(harness.numProcessingTimeTimers()).isZero();
        }
    }

    @Test
    void aRenewedDedupKeySurvivesTheCleanupOfItsOldWindow() throws Exception {
        Deduplicator<Envelope> dedup =
                byPayload()
                        .processingTimeWindow(WINDOW)
                        .cleanupGranularity(Duration.ofSeconds(10))
                        .build();
        try (var harness = harness(dedup)) {
            harness.open();
            harness.setProcessingTime(1_000);
            add(harness, envelope("a", 1, "m1")); // ends 6000, cleaned at 10000
            harness.setProcessingTime(7_000);
            add(harness, envelope("a", 2, "m1")); // ends 12000, cleaned at 20000
            harness.setProcessingTime(10_000);
            add(harness, envelope("a", 3, "m1")); // still a duplicate

            assertThat(harness.extractOutputStreamRecords())
                    .extracting(StreamRecord::getTimestamp)
                    .containsExactly(1L, 2L);
            harness.setProcessingTime(20_000);
            assertThat(harness.numKeyedStateEntries()).isZero();
        }
    }

    @Test
    void duplicatesAreReportedAsErrorRecordsWhenAskedTo() throws Exception {
        MetricRecorder metrics = new MetricRecorder();
        Deduplicator<Envelope> dedup =
                byPayload().processingTimeWindow(WINDOW).reportDuplicates(true).build();
        try (var harness = harness(dedup, metrics)) {
            harness.open();
            Envelope first = envelope("a", 1, "m1");
            Envelope repeat = envelope("a", 2, "m1");
            add(harness, first);
            add(harness, repeat);

            assertThat(payloads(harness)).containsExactly("m1");
            assertThat(errors(harness))
                    .singleElement()
                    .satisfies(
                            e -> {
                                assertThat(e.stage()).isEqualTo(ErrorStage.DEDUPLICATION);
                                assertThat(e.reason()).isEqualTo(ErrorReason.DUPLICATE);
                                assertThat(e.key()).isEqualTo("a");
                                assertThat(e.payload()).isEqualTo(repeat.payload());
                                assertThat(e.origin()).isEqualTo(repeat.origin());
                                assertThat(e.message()).contains("m1", "PROCESSING_TIME");
                            });
            assertThat(metrics.count("keyflow.errors.stage.DEDUPLICATION.reason.DUPLICATE.count"))
                    .isEqualTo(1);
        }
    }

    @Test
    void processingTimeWindowsSurviveARestore() throws Exception {
        Deduplicator<Envelope> dedup = byPayload().processingTimeWindow(WINDOW).build();
        OperatorSubtaskState snapshot;
        try (var harness = harness(dedup)) {
            harness.open();
            harness.setProcessingTime(1_000);
            add(harness, envelope("a", 1, "m1"));
            snapshot = harness.snapshot(1L, 1L);
        }
        try (var restored = harness(dedup)) {
            restored.initializeState(snapshot);
            restored.open();
            restored.setProcessingTime(5_500);
            add(restored, envelope("a", 2, "m1")); // within [1000, 6000): duplicate
            assertThat(restored.extractOutputValues()).isEmpty();
            assertThat(restored.numProcessingTimeTimers()).isEqualTo(1);

            restored.setProcessingTime(6_000);
            assertThat(restored.numKeyedStateEntries()).isZero();
            add(restored, envelope("a", 3, "m1"));
            assertThat(payloads(restored)).containsExactly("m1");
        }
    }

    // ---- event time ---------------------------------------------------------------------------

    @Test
    void eventTimeWindowsAreMeasuredInEventTimeWhateverTheArrivalSpeed() throws Exception {
        try (var harness = harness(byPayload().eventTimeWindow(WINDOW).build())) {
            harness.open();
            harness.setProcessingTime(0); // a replay: everything arrives at the same moment
            add(harness, envelope("a", 10_000, "m1")); // window [10000, 15000)
            add(harness, envelope("a", 14_999, "m1"));
            add(harness, envelope("a", 15_000, "m1")); // new window [15000, 20000)
            add(harness, envelope("a", 12_000, "m1")); // out of order, before 20000: duplicate
            add(harness, envelope("a", 20_000, "m1"));

            assertThat(harness.extractOutputStreamRecords())
                    .extracting(StreamRecord::getTimestamp)
                    .containsExactly(10_000L, 15_000L, 20_000L);
        }
    }

    @Test
    void anOccurrenceMoreThanAWindowOlderThanTheRememberedOneIsNotItsDuplicate() throws Exception {
        try (var harness = harness(byPayload().eventTimeWindow(WINDOW).build())) {
            harness.open();
            add(harness, envelope("a", 100_000, "m1")); // window [100000, 105000)
            add(harness, envelope("a", 96_000, "m1")); // 4 s before it: a duplicate
            add(harness, envelope("a", 60_000, "m1")); // 40 s before it: not a duplicate
            add(harness, envelope("a", 104_000, "m1")); // still the first window: a duplicate

            assertThat(harness.extractOutputStreamRecords())
                    .extracting(StreamRecord::getTimestamp)
                    .containsExactly(100_000L, 60_000L);
        }
    }

    @Test
    void windowsShorterThanAMillisecondAreRefused() {
        assertThatThrownBy(() -> byPayload().eventTimeWindow(Duration.ofNanos(500)))
                .hasMessageContaining("at least 1 ms");
    }

    @Test
    void theWatermarkRemovesExpiredDedupKeys() throws Exception {
        try (var harness = harness(byPayload().eventTimeWindow(WINDOW).build())) {
            harness.open();
            add(harness, envelope("a", 10_000, "m1"));
            add(harness, envelope("b", 10_500, "m1"));
            assertThat(harness.numEventTimeTimers()).isEqualTo(2);

            harness.processWatermark(14_999);
            assertThat(harness.numKeyedStateEntries()).isEqualTo(4);
            harness.processWatermark(15_000);
            assertThat(harness.numKeyedStateEntries()).isEqualTo(2);
            harness.processWatermark(16_000);

            assertThat(harness.numKeyedStateEntries()).isZero();
            assertThat(harness.numEventTimeTimers()).isZero();
        }
    }

    @Test
    void lateRepeatsAreCaughtWhileRememberedAndCountedAsLate() throws Exception {
        MetricRecorder metrics = new MetricRecorder();
        try (var harness = harness(byPayload().eventTimeWindow(WINDOW).build(), metrics)) {
            harness.open();
            add(harness, envelope("a", 10_000, "m1"));
            harness.processWatermark(12_000);
            add(harness, envelope("a", 11_000, "m1")); // late, still remembered: duplicate
            harness.processWatermark(15_000);
            add(harness, envelope("a", 11_500, "m1")); // late, forgotten: passes

            assertThat(harness.extractOutputStreamRecords())
                    .extracting(StreamRecord::getTimestamp)
                    .containsExactly(10_000L, 11_500L);
            assertThat(metrics.count("keyflow.dedup.late")).isEqualTo(2);
            assertThat(metrics.count("keyflow.dedup.duplicates")).isEqualTo(1);
            assertThat(metrics.count("keyflow.dedup.passed")).isEqualTo(2);
        }
    }

    @Test
    void eventTimeWindowsSurviveARestore() throws Exception {
        Deduplicator<Envelope> dedup = byPayload().eventTimeWindow(WINDOW).build();
        OperatorSubtaskState snapshot;
        try (var harness = harness(dedup)) {
            harness.open();
            add(harness, envelope("a", 10_000, "m1"));
            add(harness, envelope("a", 11_000, "m2"));
            snapshot = harness.snapshot(1L, 1L);
        }
        try (var restored = harness(dedup)) {
            restored.initializeState(snapshot);
            restored.open();
            assertThat(restored.numEventTimeTimers()).isEqualTo(2);
            add(restored, envelope("a", 14_000, "m1"));
            add(restored, envelope("a", 15_500, "m2"));
            assertThat(restored.extractOutputValues()).isEmpty();

            restored.processWatermark(20_000);
            assertThat(restored.numKeyedStateEntries()).isZero();
            assertThat(restored.numEventTimeTimers()).isZero();
        }
    }

    @Test
    void anElementWithoutEventTimeIsAnErrorInEventTimeMode() throws Exception {
        Deduplicator<String> dedup =
                Deduplicator.<String>builder()
                        .dedupKey(s -> s)
                        .eventTimeWindow(WINDOW)
                        .errorDetails((s, error) -> error.payload(s.getBytes()))
                        .build();
        try (var harness = KeyflowHarnesses.deduplicator(dedup, s -> "k", Types.STRING)) {
            harness.open();
            harness.processElement(new StreamRecord<>("untimed"));
            harness.processElement(new StreamRecord<>("timed", 5L));

            assertThat(harness.extractOutputValues()).containsExactly("timed");
            assertThat(errors(harness))
                    .singleElement()
                    .satisfies(
                            e -> {
                                assertThat(e.reason()).isEqualTo(ErrorReason.EVENT_TIME_INVALID);
                                assertThat(e.payload()).isEqualTo("untimed".getBytes());
                            });
        }
    }

    @Test
    void aDedupKeyFunctionThatFailsSendsTheElementToTheErrors() throws Exception {
        Deduplicator<Envelope> dedup =
                Deduplicator.forEnvelopes()
                        .dedupKey(
                                e ->
                                        switch (payloadOf(e)) {
                                            case "throws" ->
                                                    throw new IllegalStateException("boom");
                                            case "null" -> null;
                                            default -> payloadOf(e);
                                        })
                        .processingTimeWindow(WINDOW)
                        .build();
        try (var harness = harness(dedup)) {
            harness.open();
            add(harness, envelope("a", 1, "throws"));
            add(harness, envelope("a", 2, "null"));
            add(harness, envelope("a", 3, "fine"));

            assertThat(payloads(harness)).containsExactly("fine");
            assertThat(errors(harness))
                    .extracting(ErrorRecord::reason, ErrorRecord::message)
                    .containsExactly(
                            tuple(
                                    ErrorReason.PROCESSING_FAILED,
                                    "dedupKey threw java.lang.IllegalStateException: boom"),
                            tuple(ErrorReason.PROCESSING_FAILED, "dedupKey returned null"));
        }
    }

    @Test
    void theBuilderChecksItsArguments() {
        assertThatThrownBy(() -> Deduplicator.forEnvelopes().processingTimeWindow(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("window");
        assertThatThrownBy(
                        () ->
                                Deduplicator.forEnvelopes()
                                        .cleanupGranularity(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cleanupGranularity");
        assertThatThrownBy(() -> Deduplicator.forEnvelopes().dedupKey(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("dedupKey");
        assertThatThrownBy(() -> Deduplicator.forEnvelopes().eventTimeWindow(WINDOW).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("dedupKey");
        assertThatThrownBy(() -> byPayload().build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("window");
        assertThatThrownBy(
                        () ->
                                Deduplicator.<String>builder()
                                        .dedupKey(s -> s)
                                        .processingTimeWindow(WINDOW)
                                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("errorDetails");

        Deduplicator<Envelope> defaults = byPayload().eventTimeWindow(WINDOW).build();
        assertThat(defaults.timeDomain()).isEqualTo(Deduplicator.TimeDomain.EVENT_TIME);
        assertThat(defaults.reportDuplicates()).isFalse();
        assertThat(defaults.cleanupGranularity())
                .isEqualTo(Deduplicator.DEFAULT_CLEANUP_GRANULARITY);
    }

    // ---- helpers ------------------------------------------------------------------------------

    private static Deduplicator.Builder<Envelope> byPayload() {
        return Deduplicator.forEnvelopes().dedupKey(e -> payloadOf(e));
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, Envelope, Envelope> harness(
            Deduplicator<Envelope> dedup) throws Exception {
        return KeyflowHarnesses.deduplicator(dedup, Envelope::key, Types.STRING);
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, Envelope, Envelope> harness(
            Deduplicator<Envelope> dedup, MetricRecorder metrics) throws Exception {
        return KeyflowHarnesses.keyed(
                new DeduplicatorFunction<>(dedup), Envelope::key, Types.STRING, metrics);
    }
}
