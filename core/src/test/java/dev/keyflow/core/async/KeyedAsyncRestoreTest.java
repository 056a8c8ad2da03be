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
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

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

    /**
     * Each key: element 1 applied, 2 started, 3..6 waiting in its backlog; more pending elements
     * than the capacity, which only a backlog in keyed state allows. Restored into three subtasks,
     * each key gets element 7 behind its backlog and half of the keys move on; restored into two
     * again, everything is applied once per key in input order, on the key's subtask, and nothing
     * is left in state. On the heap and in RocksDB (every access serialized).
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(booleans = {false, true})
    @Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void backlogInStateFollowsItsKeyGroupWhenRescaledTwoToThreeToTwoAndStaysInOrder(boolean rocksDb)
            throws Exception {
        int keys = 20;
        int capacity = keys;
        Map<String, List<String>> outputsPerKey = new HashMap<>();

        ControlledFutures<String> first = new ControlledFutures<>();
        List<Harness> two = open(rocksDb, first, 2, capacity, null);
        for (int k = 0; k < keys; k++) {
            String key = "k" + k;
            Harness owner = two.get(owner(key, 2));
            for (int seq = 1; seq <= 6; seq++) {
                owner.processElement(new Item(key, seq), seq);
            }
            first.complete(key + ":1", "r");
            runMails(owner);
        }
        assertThat(first.started()).hasSize(2 * keys); // k:1 and k:2 of every key
        OperatorSubtaskState afterTwo = snapshotAndClose(two, outputsPerKey);

        ControlledFutures<String> second = new ControlledFutures<>();
        KeyedAsyncTestFunction[] functions = new KeyedAsyncTestFunction[3];
        List<Harness> three = open(rocksDb, second, 3, capacity, afterTwo, functions);
        assertThat(second.started())
                .as("the started elements run again, the backlogs wait")
                .containsExactlyInAnyOrderElementsOf(ids(keys, 2));
        for (int k = 0; k < keys; k++) {
            String key = "k" + k;
            Harness owner = three.get(owner(key, 3));
            owner.processElement(new Item(key, 7), 7L);
            if (k % 2 == 0) {
                second.complete(key + ":2", "r");
                runMails(owner);
            }
        }
        OperatorSubtaskState afterThree = snapshotAndClose(three, outputsPerKey);

        ControlledFutures<String> third = new ControlledFutures<>();
        KeyedAsyncTestFunction[] lastFunctions = new KeyedAsyncTestFunction[2];
        List<Harness> twoAgain = open(rocksDb, third, 2, capacity, afterThree, lastFunctions);
        List<String> done = new ArrayList<>();
        while (done.size() < third.started().size()) {
            for (String id : third.started()) {
                if (!done.contains(id)) {
                    done.add(id);
                    third.complete(id, "r");
                }
            }
            for (Harness harness : twoAgain) {
                runMails(harness);
            }
        }
        for (Harness harness : twoAgain) {
            harness.snapshot(3L, 3L); // clears the started elements' entries
            for (String state :
                    List.of(
                            "keyflow-async-pending",
                            "keyflow-async-backlog",
                            "keyflow-async-backlog-bounds")) {
                try (var stateKeys =
                        harness.getOperator()
                                .getKeyedStateBackend()
                                .getKeys(state, VoidNamespace.INSTANCE)) {
                    assertThat(stateKeys.count()).as("keys left in " + state).isZero();
                }
            }
        }
        OperatorSubtaskState unused = snapshotAndClose(twoAgain, outputsPerKey);
        assertThat(unused).isNotNull();

        assertThat(outputsPerKey).hasSize(keys);
        outputsPerKey.forEach(
                (key, outs) -> {
                    List<String> expected = new ArrayList<>();
                    StringBuilder history = new StringBuilder();
                    for (int seq = 1; seq <= 7; seq++) {
                        expected.add(key + ":" + seq + "=r|saw:" + history);
                        history.append(seq == 1 ? "" : ",").append(seq);
                    }
                    assertThat(outs).as(key).containsExactlyElementsOf(expected);
                });
        String lastKey = "k" + (keys - 1);
        assertThat(lastFunctions[owner(lastKey, 2)].idempotencyKeys.get(lastKey + ":6"))
                .as("assigned on arrival, kept in the backlog through two rescales")
                .isEqualTo("test-async:" + lastKey + "/6");
    }

    /** A harness that knows its subtask. */
    private static final class Harness
            extends KeyedOneInputStreamOperatorTestHarness<String, Item, String> {
        final int subtask;

        Harness(KeyedAsync<String, Item, String> operator, int parallelism, int subtask)
                throws Exception {
            super(
                    operator.operatorFactory(ITEM),
                    Item::key,
                    Types.STRING,
                    MAX_PARALLELISM,
                    parallelism,
                    subtask);
            this.subtask = subtask;
        }
    }

    private static List<Harness> open(
            boolean rocksDb,
            ControlledFutures<String> calls,
            int parallelism,
            int capacity,
            OperatorSubtaskState restoreFrom,
            KeyedAsyncTestFunction... functions)
            throws Exception {
        List<Harness> harnesses = new ArrayList<>();
        for (int i = 0; i < parallelism; i++) {
            KeyedAsyncTestFunction function = new KeyedAsyncTestFunction(calls);
            if (functions.length > i) {
                functions[i] = function;
            }
            Harness harness =
                    new Harness(
                            KeyedAsync.builder(function)
                                    .uid("test-async")
                                    .outputType(Types.STRING)
                                    .timeout(Duration.ZERO)
                                    .capacity(capacity)
                                    .build(),
                            parallelism,
                            i);
            harness.setStateBackend(
                    rocksDb ? new EmbeddedRocksDBStateBackend() : new HashMapStateBackend());
            if (restoreFrom != null) {
                int from = restoreFrom.getManagedKeyedState().size();
                harness.initializeState(
                        AbstractStreamOperatorTestHarness.repartitionOperatorState(
                                restoreFrom, MAX_PARALLELISM, from, parallelism, i));
            }
            harness.open();
            harnesses.add(harness);
        }
        return harnesses;
    }

    /** Snapshots every harness, collects their outputs per key, closes them. */
    private static OperatorSubtaskState snapshotAndClose(
            List<Harness> harnesses, Map<String, List<String>> outputsPerKey) throws Exception {
        OperatorSubtaskState[] snapshots = new OperatorSubtaskState[harnesses.size()];
        for (Harness harness : harnesses) {
            snapshots[harness.subtask] = harness.snapshot(2L, 2L);
            for (String out : harness.extractOutputValues()) {
                String key = out.substring(0, out.indexOf(':'));
                assertThat(owner(key, harnesses.size()))
                        .as("subtask of " + key)
                        .isEqualTo(harness.subtask);
                outputsPerKey.computeIfAbsent(key, x -> new ArrayList<>()).add(out);
            }
            harness.close();
        }
        return AbstractStreamOperatorTestHarness.repackageState(snapshots);
    }

    private static List<String> ids(int keys, int seq) {
        return java.util.stream.IntStream.range(0, keys)
                .mapToObj(k -> "k" + k + ":" + seq)
                .toList();
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
