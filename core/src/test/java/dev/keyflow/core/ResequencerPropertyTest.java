package dev.keyflow.core;

import static dev.keyflow.core.ResequencerTest.add;
import static dev.keyflow.core.ResequencerTest.errors;
import static dev.keyflow.core.ResequencerTest.harness;
import static dev.keyflow.core.testutils.TestRecords.envelope;
import static dev.keyflow.core.testutils.TestRecords.payloadOf;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Random inputs: the resequencer's output is sorted per key and, with the input, a permutation of
 * it.
 */
class ResequencerPropertyTest {

    private static final long HORIZON = 5_000;
    private static final int EVENTS = 3_000;
    private static final int KEYS = 12;

    static Stream<Long> seeds() {
        return LongStream.rangeClosed(1, 20).boxed();
    }

    /**
     * Events no further behind the newest one than the watermark's out-of-orderness, with many
     * ties, under watermarks as {@code forBoundedOutOfOrderness} emits them: per key, the output is
     * exactly the input stably sorted by event time, and nothing is late or left behind.
     */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void withinTheHorizonTheOutputIsTheInputStablySortedPerKey(long seed) throws Exception {
        Random random = new Random(seed);
        List<Envelope> input = new ArrayList<>();
        try (var harness = harness(Resequencer.forEnvelopes().build())) {
            harness.open();
            long cursor = 1_000_000;
            long newest = Long.MIN_VALUE;
            for (int i = 0; i < EVENTS; i++) {
                cursor += random.nextInt(40);
                // Coarse timestamps (10 ms) make ties common; the watermark stays 10 ms further
                // behind so that rounding down never makes an event late.
                long time = (cursor - random.nextInt((int) HORIZON)) / 10 * 10;
                Envelope e = envelope("k" + random.nextInt(KEYS), time, "e" + i);
                input.add(e);
                add(harness, e);
                newest = Math.max(newest, time);
                if (random.nextInt(10) == 0) {
                    harness.processWatermark(newest - HORIZON - 10);
                }
            }
            harness.processWatermark(Long.MAX_VALUE);

            assertThat(errors(harness)).as("seed %d", seed).isEmpty();
            Map<String, List<String>> expected =
                    byKey(
                            input.stream()
                                    .sorted(Comparator.comparingLong(Envelope::eventTime))
                                    .toList());
            assertThat(byKey(harness.extractOutputValues()))
                    .as("seed %d", seed)
                    .isEqualTo(expected);
            assertThat(harness.extractOutputStreamRecords())
                    .allMatch(r -> r.getTimestamp() == r.getValue().eventTime());
            assertThat(harness.numKeyedStateEntries()).isZero();
            assertThat(harness.numEventTimeTimers()).isZero();
        }
    }

    /**
     * Late events, small buffers and early releases: per key the output is still sorted, and output
     * plus errors hold every input exactly once.
     */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void withLateEventsAndSmallBuffersNothingIsLostAndOutputStaysSorted(long seed)
            throws Exception {
        Random random = new Random(seed);
        List<String> input = new ArrayList<>();
        Resequencer<Envelope> resequencer =
                Resequencer.forEnvelopes().maxBufferedPerKey(1 + random.nextInt(6)).build();
        try (var harness = harness(resequencer)) {
            harness.open();
            long cursor = 1_000_000;
            long newest = Long.MIN_VALUE;
            for (int i = 0; i < EVENTS; i++) {
                cursor += random.nextInt(40);
                long behind = random.nextInt(20) == 0 ? 3 * HORIZON : HORIZON;
                long time = (cursor - random.nextInt((int) behind)) / 10 * 10;
                Envelope e = envelope("k" + random.nextInt(KEYS / 3), time, "e" + i);
                input.add(payloadOf(e));
                add(harness, e);
                newest = Math.max(newest, time);
                if (random.nextInt(10) == 0) {
                    harness.processWatermark(newest - HORIZON - 1);
                }
            }
            harness.processWatermark(Long.MAX_VALUE);

            List<StreamRecord<? extends Envelope>> out = harness.extractOutputStreamRecords();
            for (List<Long> times : timesByKey(out).values()) {
                assertThat(times).as("seed %d", seed).isSorted();
            }
            List<ErrorRecord> errors = errors(harness);
            assertThat(errors).extracting(ErrorRecord::reason).containsOnly(ErrorReason.LATE);
            List<String> seen = new ArrayList<>();
            out.forEach(r -> seen.add(payloadOf(r.getValue())));
            errors.forEach(e -> seen.add(new String(e.payload())));
            assertThat(seen).as("seed %d", seed).containsExactlyInAnyOrderElementsOf(input);
            assertThat(harness.numKeyedStateEntries()).isZero();
            assertThat(harness.numEventTimeTimers()).isZero();
        }
    }

    private static Map<String, List<String>> byKey(List<Envelope> envelopes) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (Envelope e : envelopes) {
            out.computeIfAbsent(e.key(), k -> new ArrayList<>()).add(payloadOf(e));
        }
        return out.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .collect(
                        LinkedHashMap::new,
                        (m, entry) -> m.put(entry.getKey(), entry.getValue()),
                        Map::putAll);
    }

    private static Map<String, List<Long>> timesByKey(
            List<StreamRecord<? extends Envelope>> records) {
        Map<String, List<Long>> out = new LinkedHashMap<>();
        for (StreamRecord<? extends Envelope> r : records) {
            out.computeIfAbsent(r.getValue().key(), k -> new ArrayList<>()).add(r.getTimestamp());
        }
        return out;
    }
}
