package dev.keyflow.state.benchmarks;

import dev.keyflow.state.EventLog;
import dev.keyflow.state.EventLogState;
import dev.keyflow.state.Retention;
import dev.keyflow.state.testutils.Balance;
import dev.keyflow.state.testutils.Deposit;
import dev.keyflow.state.testutils.StateBackends;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.Collector;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Appending one mutation to a key's history and loading the key's folded state, with keyflow's
 * {@link EventLog} (a {@code MapState} of entries, a counter, a snapshot every {@value
 * #SNAPSHOT_EVERY} mutations) beside the naive way: a {@code ValueState<List<Deposit>>} holding the
 * whole history (append = read the list, add, write it back; load = fold the whole list). On the
 * heap backend and on RocksDB (256 MB fixed memory, as a TaskManager slot would give it). See
 * docs/benchmarks/micro.md.
 *
 * <p>{@value #KEYS} keys, visited in rotation; key {@code i} holds {@code history + i %}{@value
 * #SNAPSHOT_EVERY} mutations at the start, so that a load replays on average half a snapshot
 * interval. Both layouts keep their length steady while appending: the event log by retention
 * ({@code keepLast(history)}), the list by dropping its oldest mutation once it holds more than its
 * starting length (the naive layout's own retention).
 *
 * <p>The keyed state is driven through the operator of a {@link
 * KeyedOneInputStreamOperatorTestHarness}: the benchmark sets the key and calls the state, as a
 * {@code processElement} would.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class EventLogBenchmark {

    static final int SNAPSHOT_EVERY = 100;
    static final int KEYS = 100;

    @Param({"HEAP", "ROCKSDB"})
    public StateBackends backend;

    /** Mutations kept per key. */
    @Param({"100", "1000"})
    public int history;

    private KeyedOneInputStreamOperatorTestHarness<String, Deposit, Long> harness;
    private BothLayouts function;
    private final String[] keys = new String[KEYS];
    private final Deposit[] deposits = new Deposit[KEYS];
    private final int[] lengths = new int[KEYS];
    private int next;

    @Setup
    public void setUp() throws Exception {
        EventLog<Balance, Deposit> spec =
                EventLog.<Balance, Deposit>builder()
                        .name("account")
                        .mutationType(Deposit.TYPE)
                        .stateType(Balance.TYPE)
                        .fold(Balance.FOLD)
                        .snapshotEvery(SNAPSHOT_EVERY)
                        .retention(Retention.keepLast(history))
                        .build();
        function = new BothLayouts(spec);
        harness =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(function), Deposit::account, Types.STRING);
        harness.setStateBackend(backend(backend));
        harness.open();
        for (int k = 0; k < KEYS; k++) {
            keys[k] = "account-" + k;
            deposits[k] = new Deposit(keys[k], 1 + k % 7);
            lengths[k] = history + k % SNAPSHOT_EVERY;
            List<Deposit> mutations = new ArrayList<>(lengths[k]);
            for (int i = 0; i < lengths[k]; i++) {
                mutations.add(new Deposit(keys[k], 1 + i % 13));
            }
            setKey(k);
            // Two appends, so that the snapshot lands at 'history' (a multiple of SNAPSHOT_EVERY)
            // as it would after single appends, not at the end of one long append.
            function.log.append(mutations.subList(0, history));
            function.log.append(mutations.subList(history, lengths[k]));
            function.list.update(new ArrayList<>(mutations));
        }
        for (int k = 0; k < KEYS; k++) {
            setKey(k);
            if (!function.log.load().equals(foldList())) {
                throw new IllegalStateException("the two layouts disagree for key " + keys[k]);
            }
        }
    }

    @TearDown
    public void tearDown() throws Exception {
        harness.close();
    }

    /** keyflow: one map entry and the counter; every 100th append of a key writes a snapshot. */
    @Benchmark
    public long eventLogAppend() throws Exception {
        int k = nextKey();
        return function.log.append(deposits[k]);
    }

    /** keyflow: the snapshot plus the mutations after it (on average half a snapshot interval). */
    @Benchmark
    public Balance eventLogLoad() throws Exception {
        nextKey();
        return function.log.load();
    }

    /** Naive: read the whole list, add one, drop the oldest beyond the history, write it back. */
    @Benchmark
    public int listAppend() throws Exception {
        int k = nextKey();
        List<Deposit> all = function.list.value();
        all.add(deposits[k]);
        if (all.size() > lengths[k]) {
            all.remove(0);
        }
        function.list.update(all);
        return all.size();
    }

    /** Naive: fold the whole list. */
    @Benchmark
    public Balance listLoad() throws Exception {
        nextKey();
        return foldList();
    }

    private Balance foldList() throws Exception {
        Balance balance = Balance.FOLD.initial();
        for (Deposit d : function.list.value()) {
            balance = Balance.FOLD.evolve(balance, d);
        }
        return balance;
    }

    private int nextKey() {
        int k = next;
        next = (k + 1) % KEYS;
        setKey(k);
        return k;
    }

    private void setKey(int k) {
        harness.getOperator().setCurrentKey(keys[k]);
    }

    /**
     * RocksDB gets fixed memory: a harness's managed memory starves it (docs/benchmarks/state.md).
     */
    private static StateBackend backend(StateBackends backend) {
        StateBackend created = backend.create();
        if (created instanceof EmbeddedRocksDBStateBackend rocksdb) {
            rocksdb.getMemoryConfiguration().setFixedMemoryPerSlot("256mb");
        }
        return created;
    }

    /** Opens both layouts on the operator's keyed state; processes no elements itself. */
    private static final class BothLayouts extends KeyedProcessFunction<String, Deposit, Long> {
        private static final long serialVersionUID = 1L;

        private final EventLog<Balance, Deposit> spec;
        private transient EventLogState<Balance, Deposit> log;
        private transient ValueState<List<Deposit>> list;

        BothLayouts(EventLog<Balance, Deposit> spec) {
            this.spec = spec;
        }

        @Override
        public void open(OpenContext openContext) {
            log = spec.open(getRuntimeContext());
            list =
                    getRuntimeContext()
                            .getState(
                                    new ValueStateDescriptor<>(
                                            "history", Types.LIST(Deposit.TYPE)));
        }

        @Override
        public void processElement(Deposit value, Context ctx, Collector<Long> out) {
            throw new UnsupportedOperationException("the benchmark calls the state directly");
        }
    }
}
