package dev.keyflow.rules.testutils;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * A sink for MiniCluster tests (same JVM): collects values under a name and tells an optional
 * listener about each, so a test can coordinate its sources with what has arrived.
 */
public final class CollectingSink<T> implements Sink<T> {

    private static final long serialVersionUID = 1L;
    private static final Map<String, ConcurrentLinkedQueue<Object>> VALUES =
            new ConcurrentHashMap<>();
    private static final Map<String, Consumer<Object>> LISTENERS = new ConcurrentHashMap<>();

    private final String name;

    private CollectingSink(String name) {
        this.name = name;
    }

    /** A fresh sink named {@code name}; {@code listener} sees every value as it arrives. */
    public static <T> CollectingSink<T> named(String name, Consumer<Object> listener) {
        VALUES.put(name, new ConcurrentLinkedQueue<>());
        LISTENERS.put(name, listener);
        return new CollectingSink<>(name);
    }

    /** What the sink named {@code name} received, in arrival order. */
    @SuppressWarnings("unchecked")
    public static <T> List<T> values(String name) {
        return (List<T>) List.copyOf(VALUES.get(name));
    }

    @Override
    public SinkWriter<T> createWriter(WriterInitContext context) {
        return new SinkWriter<>() {
            @Override
            public void write(T value, Context context) {
                VALUES.get(name).add(value);
                LISTENERS.get(name).accept(value);
            }

            @Override
            public void flush(boolean endOfInput) {}

            @Override
            public void close() {}
        };
    }
}
