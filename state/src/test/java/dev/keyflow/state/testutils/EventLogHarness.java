package dev.keyflow.state.testutils;

import dev.keyflow.state.EventLog;
import dev.keyflow.state.EventLogState;
import dev.keyflow.state.internal.KeyedEventLog;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.Collector;

/**
 * An operator test harness around a keyed function that appends every input to an {@link EventLog}
 * and emits the sequence number it got; the test reads the log of any key through {@link
 * #log(String)}. Generic types are disabled, so a state type that would fall back to Kryo fails.
 *
 * <pre>{@code
 * try (var log = EventLogHarness.open(spec, Deposit::account, StateBackends.ROCKSDB, clock)) {
 *     log.append(new Deposit("a", 5));
 *     assertThat(log.log("a").load()).isEqualTo(new Balance(5, 1));
 * }
 * }</pre>
 *
 * @param <S> the folded state
 * @param <M> the mutation, also the input
 */
public final class EventLogHarness<S, M> implements AutoCloseable {

    private final EventLog<S, M> spec;
    private final AppendingFunction<S, M> function;
    private final KeyedOneInputStreamOperatorTestHarness<String, M, Long> harness;

    private EventLogHarness(EventLog<S, M> spec, KeySelector<M, String> key, InstantSource clock)
            throws Exception {
        this.spec = spec;
        this.function = new AppendingFunction<>(spec, clock);
        this.harness =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(function), key, Types.STRING);
        strict(harness.getExecutionConfig());
    }

    /** A harness not yet opened: call {@link #harness()}{@code .initializeState(..)} then open. */
    public static <S, M> EventLogHarness<S, M> create(
            EventLog<S, M> spec,
            KeySelector<M, String> key,
            StateBackends backend,
            InstantSource clock)
            throws Exception {
        EventLogHarness<S, M> h = new EventLogHarness<>(spec, key, clock);
        h.harness.setStateBackend(backend.create());
        return h;
    }

    /** A harness not yet opened, on a backend configured by the caller (benchmarks). */
    public static <S, M> EventLogHarness<S, M> create(
            EventLog<S, M> spec,
            KeySelector<M, String> key,
            StateBackend backend,
            InstantSource clock)
            throws Exception {
        EventLogHarness<S, M> h = new EventLogHarness<>(spec, key, clock);
        h.harness.setStateBackend(backend);
        return h;
    }

    /** An opened harness. */
    public static <S, M> EventLogHarness<S, M> open(
            EventLog<S, M> spec,
            KeySelector<M, String> key,
            StateBackends backend,
            InstantSource clock)
            throws Exception {
        EventLogHarness<S, M> h = create(spec, key, backend, clock);
        h.harness.open();
        return h;
    }

    /** Sends mutations through the operator, in order. */
    @SafeVarargs
    public final void append(M... mutations) throws Exception {
        for (M m : mutations) {
            harness.processElement(m, 0L);
        }
    }

    /** The sequence numbers emitted so far, in order. */
    public List<Long> sequences() {
        return harness.extractOutputValues();
    }

    /** The event log with the current key set to {@code key}. */
    public EventLogState<S, M> log(String key) {
        harness.getOperator().setCurrentKey(key);
        return function.log;
    }

    /**
     * The sequence numbers physically stored in the log's map state for {@code key}, sorted: what
     * retention left behind, read past the {@link EventLogState} API.
     */
    public List<Long> storedSequences(String key) throws Exception {
        harness.getOperator().setCurrentKey(key);
        List<Long> stored = new ArrayList<>();
        for (Long s :
                harness.getOperator()
                        .getKeyedStateStore()
                        .getMapState(KeyedEventLog.logDescriptor(spec))
                        .keys()) {
            stored.add(s);
        }
        stored.sort(null);
        return stored;
    }

    /** Reads the log of {@code key} with the key set. */
    public <R> R read(String key, Reader<S, M, R> reader) throws Exception {
        return reader.read(log(key));
    }

    /** The underlying Flink harness (snapshots, state entry counts). */
    public KeyedOneInputStreamOperatorTestHarness<String, M, Long> harness() {
        return harness;
    }

    @Override
    public void close() throws Exception {
        harness.close();
    }

    /** Reads from a log; may throw what the state does. */
    @FunctionalInterface
    public interface Reader<S, M, R> {
        R read(EventLogState<S, M> log) throws Exception;
    }

    private static void strict(ExecutionConfig config) {
        Configuration conf = new Configuration();
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        config.getSerializerConfig().configure(conf, EventLogHarness.class.getClassLoader());
    }

    private static final class AppendingFunction<S, M>
            extends KeyedProcessFunction<String, M, Long> {
        private static final long serialVersionUID = 1L;

        private final EventLog<S, M> spec;
        private final InstantSource clock;
        private transient EventLogState<S, M> log;

        AppendingFunction(EventLog<S, M> spec, InstantSource clock) {
            this.spec = spec;
            this.clock = clock;
        }

        @Override
        public void open(OpenContext openContext) {
            log = spec.open(getRuntimeContext(), clock);
        }

        @Override
        public void processElement(M value, Context ctx, Collector<Long> out) throws Exception {
            out.collect(log.append(value));
        }
    }
}
