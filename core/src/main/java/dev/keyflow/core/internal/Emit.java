package dev.keyflow.core.internal;

import org.apache.flink.streaming.api.operators.TimestampedCollector;
import org.apache.flink.util.Collector;

/**
 * Emits a value with a timestamp of our choosing from a process function.
 *
 * <p>A process function's collector stamps every output with the timestamp of the element (or
 * timer) being handled. Operators that hold events and release them later (early releases of the
 * resequencer, drains of the pause gate) must emit them with their own timestamps, or downstream
 * event-time logic would see them at the wrong time. Flink's process operators hand functions a
 * {@link TimestampedCollector}, which can set the timestamp; any other collector (never the case in
 * Flink's own operators) keeps its timestamp.
 */
public final class Emit {

    /** Marks "no timestamp" in keyflow's state records (Flink's records may lack one). */
    public static final long NO_TIMESTAMP = Long.MIN_VALUE;

    private Emit() {}

    /**
     * Emits {@code value} with {@code timestamp}, or without one if it is {@link #NO_TIMESTAMP}.
     */
    public static <T> void at(Collector<T> out, T value, long timestamp) {
        if (out instanceof TimestampedCollector<T> timestamped) {
            if (timestamp == NO_TIMESTAMP) {
                timestamped.eraseTimestamp();
            } else {
                timestamped.setAbsoluteTimestamp(timestamp);
            }
        }
        out.collect(value);
    }
}
