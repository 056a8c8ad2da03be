package dev.keyflow.core.async;

import static dev.keyflow.core.async.KeyedAsyncTestFunction.ITEM;
import static dev.keyflow.core.testutils.KeyedAsyncHarness.MAX_PARALLELISM;
import static dev.keyflow.core.testutils.KeyedAsyncHarness.runMails;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyflow.core.testutils.ControlledFutures;
import dev.keyflow.core.testutils.KeyedAsyncHarness;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Contracts 4 and 5: pending elements survive a restore, also into a different parallelism. */
class KeyedAsyncRestoreTest {

    @Test
    void inFlightAndQueuedElementsAreRunAgainAfterRestoreAndAppliedOnce() throws Exception {
        ControlledFutures<String> before = new ControlledFutures<>();
        KeyedAsyncTestFunction first = new KeyedAsyncTestFunction(before);
        OperatorSubtaskState snapshot;
        try (var harness = harness(first, 1, 0)) {
            harness.open();
            harness.processElement(new Item("a", 1), 1L);
            harness.processElement(new Item("a", 2), 2L);
            harness.processElement(new Item("b", 1), 3L);
            before.complete("b:1", "rb1");
            runMails(harness);
            assertThat(harness.extractOutputValues()).containsExactly("b:1=rb1|saw:");
            snapshot = harness.snapshot(1L, 1L);
        }

        ControlledFutures<String> after = new ControlledFutures<>();
        KeyedAsyncTestFunction second = new KeyedAsyncTestFunction(after);
        try (var harness = harness(second, 1, 0)) {
            harness.initializeState(snapshot);
            harness.open();

            assertThat(after.started()).containsExactly("a:1");
            assertThat(second.idempotencyKeys.get("a:1"))
                    .isEqualTo(first.idempotencyKeys.get("a:1"));

            after.complete("a:1", "ra1");
            runMails(harness);
            after.complete("a:2", "ra2");
            runMails(harness);
            harness.processElement(new Item("b", 2), 4L);
            after.complete("b:2", "rb2");
            runMails(harness);

            assertThat(harness.extractOutputValues())
                    .containsExactly("a:1=ra1|saw:", "a:2=ra2|saw:1", "b:2=rb2|saw:1");
            assertThat(after.started()).containsExactly("a:1", "a:2", "b:2");
            assertThat(first.idempotencyKeys).doesNotContainKey("a:2"); // it was queued
            assertThat(second.idempotencyKeys.get("a:2"))
                    .as("assigned on arrival, kept in the checkpoint")
                    .isEqualTo("test-async:a/2");
        }
    }

    @Test
    void aRestoreAfterTheQueueDrainedRunsNothingAgain() throws Exception {
        ControlledFutures<String> before = new ControlledFutures<>();
        OperatorSubtaskState first;
        OperatorSubtaskState second;
        try (var harness = harness(new KeyedAsyncTestFunction(before), 1, 0)) {
            harness.open();
            harness.processElement(new Item("a", 1), 1L);
            first = harness.snapshot(1L, 1L);
            before.complete("a:1", "r");
            runMails(harness);
            second = harness.snapshot(2L, 2L);
        }
        assertThat(first).isNotNull();

        ControlledFutures<String> after = new ControlledFutures<>();
        try (var harness = harness(new KeyedAsyncTestFunction(after), 1, 0)) {
            harness.initializeState(second);
            harness.open();
            assertThat(after.started()).isEmpty();
            assertThat(harness.numKeyedStateEntries())
                    .as("history and sequence of key a; no pending list")
                    .isEqualTo(2);
        }
    }

    @ParameterizedTest(name = "{0} -> {1} subtasks")
    @CsvSource({"2, 3", "3, 2", "1, 4"})
    void pendingElementsFollowTheirKeyGroupWhenRescaled(int from, int to) throws Exception {
        int keys = 40;
        ControlledFutures<String> before = new ControlledFutures<>();
        List<KeyedOneInputStreamOperatorTestHarness<String, Item, String>> old = new ArrayList<>();
        for (int i = 0; i < from; i++) {
            var harness = harness(new KeyedAsyncTestFunction(before), from, i);
            harness.open();
            old.add(harness);
        }
        // Every key: element 1 applied, element 2 in flight, element 3 queued.
        for (int k = 0; k < keys; k++) {
            String key = "k" + k;
            var owner = old.get(owner(key, from));
            owner.processElement(new Item(key, 1), 1L);
            before.complete(key + ":1", "x");
            runMails(owner);
            owner.processElement(new Item(key, 2), 2L);
            owner.processElement(new Item(key, 3), 3L);
        }
        OperatorSubtaskState[] snapshots = new OperatorSubtaskState[from];
        for (int i = 0; i < from; i++) {
            snapshots[i] = old.get(i).snapshot(1L, 1L);
            old.get(i).close();
        }
        OperatorSubtaskState all = AbstractStreamOperatorTestHarness.repackageState(snapshots);

        ControlledFutures<String> after = new ControlledFutures<>();
        Map<Integer, KeyedOneInputStreamOperatorTestHarness<String, Item, String>> restored =
                new LinkedHashMap<>();
        for (int i = 0; i < to; i++) {
            var harness = harness(new KeyedAsyncTestFunction(after), to, i);
            harness.initializeState(
                    AbstractStreamOperatorTestHarness.repartitionOperatorState(
                            all, MAX_PARALLELISM, from, to, i));
            harness.open();
            restored.put(i, harness);
        }

        assertThat(after.started())
                .containsExactlyInAnyOrderElementsOf(
                        java.util.stream.IntStream.range(0, keys)
                                .mapToObj(k -> "k" + k + ":2")
                                .toList());
        for (int round = 2; round <= 3; round++) {
            for (int k = 0; k < keys; k++) {
                after.complete("k" + k + ":" + round, "r" + round);
            }
            for (var harness : restored.values()) {
                runMails(harness);
            }
        }

        Map<String, List<String>> outputsPerKey = new HashMap<>();
        for (var entry : restored.entrySet()) {
            for (String out : entry.getValue().extractOutputValues()) {
                String key = out.substring(0, out.indexOf(':'));
                assertThat(owner(key, to)).as("subtask of " + key).isEqualTo(entry.getKey());
                outputsPerKey.computeIfAbsent(key, x -> new ArrayList<>()).add(out);
            }
            entry.getValue().close();
        }
        assertThat(outputsPerKey).hasSize(keys);
        outputsPerKey.forEach(
                (key, outs) ->
                        assertThat(outs)
                                .containsExactly(key + ":2=r2|saw:1", key + ":3=r3|saw:1,2"));
        assertThat(after.started()).hasSize(2 * keys);
    }

    private static int owner(String key, int parallelism) {
        return KeyGroupRangeAssignment.assignKeyToParallelOperator(
                key, MAX_PARALLELISM, parallelism);
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, Item, String> harness(
            KeyedAsyncTestFunction function, int parallelism, int subtask) throws Exception {
        KeyedAsync<String, Item, String> operator =
                KeyedAsync.builder(function)
                        .uid("test-async")
                        .outputType(Types.STRING)
                        .timeout(Duration.ZERO)
                        .build();
        return KeyedAsyncHarness.create(
                operator, Item::key, Types.STRING, ITEM, parallelism, subtask);
    }
}
