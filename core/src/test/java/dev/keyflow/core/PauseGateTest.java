package dev.keyflow.core;

import static dev.keyflow.core.ResequencerTest.errors;
import static dev.keyflow.core.testutils.TestRecords.envelope;
import static dev.keyflow.core.testutils.TestRecords.payloadOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyflow.core.PauseStatusChange.Cause;
import dev.keyflow.core.PauseStatusChange.Status;
import dev.keyflow.core.internal.GateKeyState;
import dev.keyflow.core.internal.Held;
import dev.keyflow.core.internal.PauseGateFunction;
import dev.keyflow.core.internal.PauseGateMetrics;
import dev.keyflow.core.testutils.KeyflowHarnesses;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;

/** The pause gate's contract, driven through Flink's keyed two-input harness. */
class PauseGateTest {

    @Test
    void aPausedKeyHoldsItsEventsAndResumeReleasesThemBeforeAnyLaterEvent() throws Exception {
        try (var harness = harness(PauseGate.forEnvelopes().build())) {
            harness.open();
            event(harness, "a", "a1");
            harness.processElement2(PauseCommand.pause("a", 5).withReason("migration"), 5);
            event(harness, "a", "a2");
            event(harness, "b", "b1");
            event(harness, "a", "a3");
            assertThat(payloads(harness)).containsExactly("a1", "b1");
            assertThat(harness.numKeyedStateEntries()).isEqualTo(2); // status + held of a

            harness.processElement2(PauseCommand.resume("a", 6).withIssuedBy("ops"), 6);
            event(harness, "a", "a4");

            assertThat(payloads(harness)).containsExactly("a1", "b1", "a2", "a3", "a4");
            assertThat(statusChanges(harness))
                    .extracting(
                            c ->
                                    c.key()
                                            + " "
                                            + c.status()
                                            + " "
                                            + c.cause()
                                            + " "
                                            + c.heldEvents()
                                            + " "
                                            + c.reason()
                                            + " "
                                            + c.issuedBy())
                    .containsExactly(
                            "a PAUSED COMMAND 0 migration null", "a ACTIVE COMMAND 2 null ops");
            assertThat(harness.numKeyedStateEntries()).isZero();
            assertThat(harness.numProcessingTimeTimers()).isZero();
        }
    }

    @Test
    void orderIsKeptAcrossPauseResumeCycles() throws Exception {
        try (var harness = harness(PauseGate.forEnvelopes().build())) {
            harness.open();
            List<String> sent = new ArrayList<>();
            for (int cycle = 0; cycle < 4; cycle++) {
                for (int i = 0; i < 3; i++) {
                    String payload = "c" + cycle + "-" + i;
                    event(harness, "a", payload);
                    sent.add(payload);
                    if (i == 0) {
                        harness.processElement2(PauseCommand.pause("a", cycle), cycle);
                    }
                }
                harness.processElement2(PauseCommand.resume("a", cycle), cycle);
            }

            assertThat(payloads(harness)).isEqualTo(sent);
            assertThat(statusChanges(harness))
                    .extracting(PauseStatusChange::status)
                    .containsExactly(
                            Status.PAUSED,
                            Status.ACTIVE,
                            Status.PAUSED,
                            Status.ACTIVE,
                            Status.PAUSED,
                            Status.ACTIVE,
                            Status.PAUSED,
                            Status.ACTIVE);
        }
    }

    @Test
    void releasedEventsKeepTheirRecordTimestamps() throws Exception {
        try (var harness = harness(PauseGate.forEnvelopes().build())) {
            harness.open();
            harness.processElement2(PauseCommand.pause("a", 1), 1);
            harness.processElement1(envelope("a", 10, "timed"), 10);
            harness.processElement1(new StreamRecord<>(envelope("a", 20, "untimed")));
            harness.processElement2(PauseCommand.resume("a", 2), 99);

            assertThat(harness.extractOutputStreamRecords())
                    .extracting(r -> payloadOf(r.getValue()) + " " + timestampOf(r))
                    .containsExactly("timed 10", "untimed none");
        }
    }

    @Test
    void repeatedCommandsChangeNothing() throws Exception {
        try (var harness = harness(PauseGate.forEnvelopes().build())) {
            harness.open();
            harness.processElement2(PauseCommand.resume("a", 1), 1); // never paused
            harness.processElement2(PauseCommand.pause("a", 2), 2);
            event(harness, "a", "a1");
            harness.processElement2(PauseCommand.pause("a", 3).withReason("again"), 3);
            harness.processElement2(PauseCommand.resume("a", 4), 4);
            harness.processElement2(PauseCommand.resume("a", 5), 5);

            assertThat(payloads(harness)).containsExactly("a1");
            assertThat(statusChanges(harness))
                    .extracting(PauseStatusChange::status)
                    .containsExactly(Status.PAUSED, Status.ACTIVE);
            assertThat(harness.numKeyedStateEntries()).isZero();
        }
    }

    @Test
    void aKeyPausedInASnapshotIsStillPausedAfterTheRestore() throws Exception {
        PauseGate<Envelope> gate = PauseGate.forEnvelopes().build();
        OperatorSubtaskState snapshot;
        try (var harness = harness(gate)) {
            harness.open();
            harness.processElement2(PauseCommand.pause("a", 1), 1);
            event(harness, "a", "a1");
            event(harness, "a", "a2");
            event(harness, "b", "b1");
            snapshot = harness.snapshot(1L, 1L);
        }

        PauseGateFunction<Envelope> function = new PauseGateFunction<>(gate, KeyflowTypes.ENVELOPE);
        try (var restored = harness(function)) {
            restored.initializeState(snapshot);
            restored.open();
            PauseGateMetrics metrics = function.metrics().orElseThrow();
            assertThat(metrics.pausedKeys()).isZero(); // counted once the key is touched

            event(restored, "a", "a3");
            assertThat(restored.extractOutputValues()).isEmpty();
            assertThat(metrics.pausedKeys()).isEqualTo(1);
            assertThat(metrics.heldEvents()).isEqualTo(3);

            restored.processElement2(PauseCommand.resume("a", 2), 2);

            assertThat(payloads(restored)).containsExactly("a1", "a2", "a3");
            assertThat(metrics.pausedKeys()).isZero();
            assertThat(metrics.heldEvents()).isZero();
            assertThat(metrics.count("released")).isEqualTo(3);
            assertThat(restored.numKeyedStateEntries()).isZero();
        }
    }

    @Test
    void anActiveKeyThatStillHoldsEventsReleasesThemFirst() throws Exception {
        // A snapshot whose key is ACTIVE yet holds events (for example written by an older
        // version of the gate): the held events must leave before anything newer.
        OperatorSubtaskState older;
        try (var writer =
                KeyflowHarnesses.keyed(
                        new OlderGateState(), Envelope::key, PauseCommand::key, Types.STRING)) {
            writer.open();
            writer.processElement1(envelope("a", 1, "old1"), 1);
            writer.processElement1(envelope("a", 2, "old2"), 2);
            writer.processElement1(envelope("b", 3, "old-b"), 3);
            older = writer.snapshot(1L, 1L);
        }

        try (var harness = harness(PauseGate.forEnvelopes().build())) {
            harness.initializeState(older);
            harness.open();
            event(harness, "a", "new");
            harness.processElement2(PauseCommand.pause("b", 9), 9);

            assertThat(payloads(harness)).containsExactly("old1", "old2", "new", "old-b");
            assertThat(harness.extractOutputStreamRecords())
                    .extracting(r -> r.getTimestamp())
                    .startsWith(1L, 2L);
            // b is paused now, and holds nothing.
            assertThat(harness.numKeyedStateEntries()).isEqualTo(1);
        }
    }

    @Test
    void aFullKeySendsNewEventsToTheErrorsByDefault() throws Exception {
        PauseGateFunction<Envelope> function =
                new PauseGateFunction<>(
                        PauseGate.forEnvelopes().maxBufferedPerKey(2).build(),
                        KeyflowTypes.ENVELOPE);
        try (var harness = harness(function)) {
            harness.open();
            harness.processElement2(PauseCommand.pause("a", 1), 1);
            event(harness, "a", "a1");
            event(harness, "a", "a2");
            Envelope overflow = envelope("a", 3, "a3");
            harness.processElement1(overflow, 3);
            harness.processElement2(PauseCommand.resume("a", 2), 2);

            assertThat(payloads(harness)).containsExactly("a1", "a2");
            assertThat(errors(harness))
                    .singleElement()
                    .satisfies(
                            e -> {
                                assertThat(e.stage()).isEqualTo(ErrorStage.PAUSE_GATE);
                                assertThat(e.reason()).isEqualTo(ErrorReason.BUFFER_OVERFLOW);
                                assertThat(e.key()).isEqualTo("a");
                                assertThat(e.payload()).isEqualTo(overflow.payload());
                                assertThat(e.message()).contains("paused", "2 events");
                            });
            assertThat(function.metrics().orElseThrow().count("overflow")).isEqualTo(1);
        }
    }

    @Test
    void theOverflowPolicyCanResumeTheKeyInstead() throws Exception {
        PauseGate<Envelope> gate =
                PauseGate.forEnvelopes()
                        .maxBufferedPerKey(2)
                        .overflowPolicy(PauseGate.OverflowPolicy.RESUME)
                        .build();
        try (var harness = harness(gate)) {
            harness.open();
            harness.processElement2(PauseCommand.pause("a", 1), 1);
            event(harness, "a", "a1");
            event(harness, "a", "a2");
            event(harness, "a", "a3");
            event(harness, "a", "a4");

            assertThat(payloads(harness)).containsExactly("a1", "a2", "a3", "a4");
            assertThat(statusChanges(harness))
                    .last()
                    .satisfies(
                            c -> {
                                assertThat(c.status()).isEqualTo(Status.ACTIVE);
                                assertThat(c.cause()).isEqualTo(Cause.OVERFLOW);
                                assertThat(c.heldEvents()).isEqualTo(2);
                            });
            assertThat(harness.getSideOutput(KeyflowOutputs.ERRORS)).isNull();
            assertThat(harness.numKeyedStateEntries()).isZero();
        }
    }

    @Test
    void aKeyResumesByItselfAfterTheMaximumPause() throws Exception {
        PauseGateFunction<Envelope> function =
                new PauseGateFunction<>(
                        PauseGate.forEnvelopes().maxPause(Duration.ofSeconds(10)).build(),
                        KeyflowTypes.ENVELOPE);
        try (var harness = harness(function)) {
            harness.open();
            harness.setProcessingTime(1_500);
            harness.processElement2(PauseCommand.pause("a", 1_000), 1);
            event(harness, "a", "a1");
            assertThat(harness.numProcessingTimeTimers()).isEqualTo(1);

            harness.setProcessingTime(10_999);
            assertThat(harness.extractOutputValues()).isEmpty();
            harness.setProcessingTime(11_000); // 10 s after the command's time

            assertThat(payloads(harness)).containsExactly("a1");
            assertThat(statusChanges(harness))
                    .last()
                    .satisfies(
                            c -> {
                                assertThat(c.cause()).isEqualTo(Cause.MAX_PAUSE);
                                assertThat(c.time()).isEqualTo(11_000);
                                assertThat(c.reason()).contains("PT10S");
                            });
            assertThat(function.metrics().orElseThrow().count("autoResumed")).isEqualTo(1);
            assertThat(harness.numKeyedStateEntries()).isZero();
            assertThat(harness.numProcessingTimeTimers()).isZero();
        }
    }

    @Test
    void aResumeCancelsTheMaximumPauseAndARepeatedPauseRestartsIt() throws Exception {
        PauseGate<Envelope> gate =
                PauseGate.forEnvelopes().maxPause(Duration.ofSeconds(10)).build();
        try (var harness = harness(gate)) {
            harness.open();
            harness.processElement2(PauseCommand.pause("a", 0), 0);
            harness.processElement2(PauseCommand.resume("a", 1), 1);
            assertThat(harness.numProcessingTimeTimers()).isZero();

            harness.processElement2(PauseCommand.pause("a", 0), 0);
            harness.processElement2(PauseCommand.pause("a", 5_000), 0);
            event(harness, "a", "a1");
            harness.setProcessingTime(10_000);
            assertThat(harness.extractOutputValues()).isEmpty();
            harness.setProcessingTime(15_000);
            assertThat(payloads(harness)).containsExactly("a1");
            assertThat(harness.numProcessingTimeTimers()).isZero();
        }
    }

    @Test
    void aReplayedOldPauseResumesAtOnce() throws Exception {
        PauseGate<Envelope> gate = PauseGate.forEnvelopes().maxPause(Duration.ofHours(1)).build();
        try (var harness = harness(gate)) {
            harness.open();
            long twoHours = Duration.ofHours(2).toMillis();
            harness.setProcessingTime(twoHours);
            harness.processElement2(PauseCommand.pause("a", 0), 0);
            event(harness, "a", "a1");
            harness.setProcessingTime(twoHours + 1); // the timer is due: it fires on the next tick

            assertThat(payloads(harness)).containsExactly("a1");
            assertThat(statusChanges(harness))
                    .extracting(PauseStatusChange::cause)
                    .containsExactly(Cause.COMMAND, Cause.MAX_PAUSE);
        }
    }

    @Test
    void aFreshStartHoldsEventsDuringTheSeedGraceAndAppliesReplayedCommands() throws Exception {
        PauseGate<Envelope> gate =
                PauseGate.forEnvelopes().seedGrace(Duration.ofSeconds(30)).build();
        try (var harness = harness(gate)) {
            harness.open();
            harness.setProcessingTime(1_000);
            event(harness, "a", "a1");
            event(harness, "b", "b1");
            harness.processElement2(PauseCommand.pause("b", 0), 0); // replayed from the topic
            event(harness, "c", "c1");
            harness.processElement2(PauseCommand.pause("c", 0), 0);
            harness.processElement2(PauseCommand.resume("c", 0), 0); // the latest wins
            event(harness, "c", "c2");
            assertThat(harness.extractOutputValues()).isEmpty();

            harness.setProcessingTime(31_000); // the grace ends 30 s after the first event
            assertThat(payloads(harness)).containsExactlyInAnyOrder("a1", "c1", "c2");
            assertThat(payloads(harness)).containsSubsequence("c1", "c2");

            event(harness, "a", "a2");
            event(harness, "b", "b2");
            assertThat(payloads(harness)).endsWith("a2");
            harness.processElement2(PauseCommand.resume("b", 1), 1);
            assertThat(payloads(harness)).endsWith("a2", "b1", "b2");
            assertThat(harness.numKeyedStateEntries()).isZero();
            assertThat(harness.numProcessingTimeTimers()).isZero();
        }
    }

    @Test
    void anOverflowWhileSeedingReleasesTheKeyRatherThanLoseAnEvent() throws Exception {
        PauseGate<Envelope> gate =
                PauseGate.forEnvelopes()
                        .seedGrace(Duration.ofSeconds(30))
                        .maxBufferedPerKey(2)
                        .overflowPolicy(PauseGate.OverflowPolicy.RESUME)
                        .build();
        try (var harness = harness(gate)) {
            harness.open();
            harness.processElement2(PauseCommand.pause("a", 0), 0);
            for (String payload : List.of("a1", "a2", "a3", "b1", "b2", "b3")) {
                event(harness, payload.substring(0, 1), payload);
            }

            assertThat(payloads(harness)).containsExactly("a1", "a2", "a3", "b1", "b2", "b3");
            assertThat(statusChanges(harness))
                    .extracting(c -> c.status() + " " + c.cause() + " " + c.heldEvents())
                    .containsExactly("PAUSED COMMAND 0", "ACTIVE OVERFLOW 2");
            assertThat(harness.numKeyedStateEntries()).isZero();
        }
    }

    @Test
    void aGateRestoredAfterItsSeedGraceEndedHasNoGrace() throws Exception {
        PauseGate<Envelope> gate =
                PauseGate.forEnvelopes().seedGrace(Duration.ofSeconds(30)).build();
        OperatorSubtaskState snapshot;
        try (var harness = harness(gate)) {
            harness.open();
            harness.setProcessingTime(1_000);
            event(harness, "a", "a0");
            harness.setProcessingTime(31_000);
            assertThat(payloads(harness)).containsExactly("a0");
            snapshot = harness.snapshot(1L, 1L);
        }
        try (var restored = harness(gate)) {
            restored.initializeState(snapshot);
            restored.open();
            restored.setProcessingTime(40_000);
            event(restored, "a", "a1");
            assertThat(payloads(restored)).containsExactly("a1");
        }
    }

    @Test
    void aGateRestoredInTheMiddleOfItsSeedGraceStartsTheGraceAgain() throws Exception {
        PauseGate<Envelope> gate =
                PauseGate.forEnvelopes().seedGrace(Duration.ofSeconds(30)).build();
        OperatorSubtaskState snapshot;
        try (var harness = harness(gate)) {
            harness.open();
            harness.setProcessingTime(1_000);
            event(harness, "a", "a0");
            harness.setProcessingTime(10_000); // the command replay is not done yet
            snapshot = harness.snapshot(1L, 1L);
        }
        try (var restored = harness(gate)) {
            restored.initializeState(snapshot);
            restored.open();
            restored.setProcessingTime(20_000);
            event(restored, "b", "b1");
            restored.processElement2(PauseCommand.pause("b", 0), 0); // replayed after the restore
            assertThat(payloads(restored)).isEmpty();

            restored.setProcessingTime(50_000); // a fresh 30 s grace from 20 s
            assertThat(payloads(restored)).containsExactly("a0");
        }
    }

    @Test
    void aGateNewToARestoredJobStillHasItsGrace() throws Exception {
        PauseGate<Envelope> gate =
                PauseGate.forEnvelopes().seedGrace(Duration.ofSeconds(30)).build();
        try (var restored = harness(gate)) {
            restored.initializeState(
                    org.apache.flink.runtime.checkpoint.OperatorSubtaskState.builder().build());
            restored.open();
            restored.setProcessingTime(1_000);
            event(restored, "a", "a1");
            assertThat(payloads(restored)).isEmpty();
        }
    }

    @Test
    void theCommandInputNeverHoldsTheEventWatermarkBack() throws Exception {
        try (var harness = harness(PauseGate.forEnvelopes().build())) {
            harness.open();
            harness.processWatermark1(new Watermark(1_000));
            assertThat(harness.getOutput()).isEmpty(); // without a command watermark: held

            // What CommandWatermarks gives the command input.
            harness.processWatermark2(new Watermark(Long.MAX_VALUE));
            harness.processWatermark1(new Watermark(2_000));

            assertThat(harness.getOutput())
                    .containsExactly(new Watermark(1_000), new Watermark(2_000));
        }
    }

    /**
     * Many keys, random events and commands: the output is exactly what a simple model of the gate
     * predicts, and every key's events leave in their arrival order.
     */
    @Test
    void manyKeysFollowTheModel() throws Exception {
        Random random = new Random(7);
        PauseGate<Envelope> gate = PauseGate.forEnvelopes().maxBufferedPerKey(1_000).build();
        Set<String> paused = new HashSet<>();
        Map<String, Deque<String>> held = new HashMap<>();
        List<String> expected = new ArrayList<>();
        List<String> sent = new ArrayList<>();
        try (var harness = harness(gate)) {
            harness.open();
            for (int i = 0; i < 20_000; i++) {
                String key = "k" + random.nextInt(500);
                int dice = random.nextInt(20);
                if (dice == 0) {
                    harness.processElement2(PauseCommand.pause(key, i), i);
                    paused.add(key);
                } else if (dice == 1) {
                    harness.processElement2(PauseCommand.resume(key, i), i);
                    paused.remove(key);
                    Deque<String> queue = held.remove(key);
                    if (queue != null) {
                        expected.addAll(queue);
                    }
                } else {
                    String payload = key + "#" + i;
                    event(harness, key, payload);
                    sent.add(payload);
                    if (paused.contains(key)) {
                        held.computeIfAbsent(key, k -> new ArrayDeque<>()).add(payload);
                    } else {
                        expected.add(payload);
                    }
                }
            }
            assertThat(payloads(harness)).isEqualTo(expected);

            for (String key : new ArrayList<>(paused)) {
                harness.processElement2(PauseCommand.resume(key, 0), 0);
            }
            List<String> out = payloads(harness);
            assertThat(out).containsExactlyInAnyOrderElementsOf(sent);
            Map<String, List<String>> perKey = new HashMap<>();
            out.forEach(
                    p -> perKey.computeIfAbsent(p.split("#")[0], k -> new ArrayList<>()).add(p));
            perKey.values()
                    .forEach(
                            list ->
                                    assertThat(list)
                                            .isSortedAccordingTo(
                                                    (x, y) ->
                                                            Integer.compare(
                                                                    Integer.parseInt(
                                                                            x.split("#")[1]),
                                                                    Integer.parseInt(
                                                                            y.split("#")[1]))));
            assertThat(harness.numKeyedStateEntries()).isZero();
        }
    }

    @Test
    void theBuilderChecksItsArguments() {
        assertThatThrownBy(() -> PauseGate.forEnvelopes().maxBufferedPerKey(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxBufferedPerKey");
        assertThatThrownBy(() -> PauseGate.forEnvelopes().maxPause(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxPause");
        assertThatThrownBy(() -> PauseGate.forEnvelopes().seedGrace(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("seedGrace");
        assertThatThrownBy(() -> PauseGate.<String>builder().build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("errorDetails");
        assertThatThrownBy(() -> PauseCommand.pause("", 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("key");

        PauseGate<Envelope> defaults = PauseGate.forEnvelopes().build();
        assertThat(defaults.overflowPolicy()).isEqualTo(PauseGate.OverflowPolicy.TO_ERRORS);
        assertThat(defaults.maxPause()).isEmpty();
        assertThat(defaults.seedGrace()).isZero();
    }

    // ---- helpers ------------------------------------------------------------------------------

    private static KeyedTwoInputStreamOperatorTestHarness<String, Envelope, PauseCommand, Envelope>
            harness(PauseGate<Envelope> gate) throws Exception {
        return KeyflowHarnesses.pauseGate(gate, Envelope::key, KeyflowTypes.ENVELOPE);
    }

    private static KeyedTwoInputStreamOperatorTestHarness<String, Envelope, PauseCommand, Envelope>
            harness(PauseGateFunction<Envelope> function) throws Exception {
        return KeyflowHarnesses.keyed(function, Envelope::key, PauseCommand::key, Types.STRING);
    }

    private static void event(
            KeyedTwoInputStreamOperatorTestHarness<String, Envelope, PauseCommand, Envelope>
                    harness,
            String key,
            String payload)
            throws Exception {
        harness.processElement1(envelope(key, 0, payload), 0);
    }

    private static List<String> payloads(
            KeyedTwoInputStreamOperatorTestHarness<String, Envelope, PauseCommand, Envelope>
                    harness) {
        return harness.extractOutputValues().stream().map(e -> payloadOf(e)).toList();
    }

    private static List<PauseStatusChange> statusChanges(
            KeyedTwoInputStreamOperatorTestHarness<String, Envelope, PauseCommand, Envelope>
                    harness) {
        var side = harness.getSideOutput(PauseGate.STATUS_CHANGES);
        return side == null ? List.of() : side.stream().map(StreamRecord::getValue).toList();
    }

    private static String timestampOf(StreamRecord<?> record) {
        return record.hasTimestamp() ? Long.toString(record.getTimestamp()) : "none";
    }

    /** Writes the gate's state as an older version might have: ACTIVE, yet holding events. */
    private static final class OlderGateState
            extends KeyedCoProcessFunction<String, Envelope, PauseCommand, Envelope> {
        private transient ValueState<GateKeyState> status;
        private transient ListState<Held<Envelope>> held;

        @Override
        public void open(OpenContext openContext) {
            status = getRuntimeContext().getState(PauseGateFunction.statusDescriptor());
            held =
                    getRuntimeContext()
                            .getListState(PauseGateFunction.heldDescriptor(KeyflowTypes.ENVELOPE));
        }

        @Override
        public void processElement1(Envelope e, Context ctx, Collector<Envelope> out)
                throws Exception {
            held.add(new Held<>(e, ctx.timestamp()));
            GateKeyState current = status.value();
            int count = current == null ? 1 : current.held() + 1;
            status.update(
                    new GateKeyState(
                            false, GateKeyState.NONE, null, null, GateKeyState.NONE, count, 0L));
        }

        @Override
        public void processElement2(PauseCommand c, Context ctx, Collector<Envelope> out) {}
    }
}
