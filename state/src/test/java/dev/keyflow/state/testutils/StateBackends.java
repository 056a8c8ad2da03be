package dev.keyflow.state.testutils;

import java.util.function.Supplier;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;

/**
 * The state backends keyflow's state tests run against, for {@code @EnumSource}; both must behave
 * the same.
 *
 * <pre>{@code
 * @ParameterizedTest
 * @EnumSource(StateBackends.class)
 * void appends(StateBackends backend) throws Exception {
 *     harness.setStateBackend(backend.create());
 * }
 * }</pre>
 */
public enum StateBackends {
    /** Objects on the heap. */
    HEAP(HashMapStateBackend::new),
    /** Serialized in RocksDB, with incremental checkpoints as in production. */
    ROCKSDB(() -> new EmbeddedRocksDBStateBackend(true));

    private final Supplier<StateBackend> factory;

    StateBackends(Supplier<StateBackend> factory) {
        this.factory = factory;
    }

    /** A new backend instance. */
    public StateBackend create() {
        return factory.get();
    }
}
