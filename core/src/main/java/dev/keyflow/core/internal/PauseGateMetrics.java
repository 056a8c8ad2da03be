package dev.keyflow.core.internal;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;

/** The pause gate's metrics, in the group {@code keyflow.pausegate} of its operator. */
public final class PauseGateMetrics {

    final Counter paused;
    final Counter resumed;
    final Counter autoResumed;
    final Counter held;
    final Counter released;
    final Counter overflow;
    // Written on the task thread, read by the metric reporter thread.
    private volatile long pausedKeys;
    private volatile long heldEvents;

    PauseGateMetrics(MetricGroup operatorGroup) {
        MetricGroup group = operatorGroup.addGroup("keyflow").addGroup("pausegate");
        group.gauge("pausedKeys", (Gauge<Long>) () -> pausedKeys);
        group.gauge("heldEvents", (Gauge<Long>) () -> heldEvents);
        paused = group.counter("paused");
        resumed = group.counter("resumed");
        autoResumed = group.counter("autoResumed");
        held = group.counter("held");
        released = group.counter("released");
        overflow = group.counter("overflow");
    }

    void pausedKeys(long delta) {
        pausedKeys += delta;
    }

    void heldEvents(long delta) {
        heldEvents += delta;
    }

    /** The {@code pausedKeys} gauge. */
    public long pausedKeys() {
        return pausedKeys;
    }

    /** The {@code heldEvents} gauge. */
    public long heldEvents() {
        return heldEvents;
    }

    /** The counters, by name: paused, resumed, autoResumed, held, released, overflow. */
    public long count(String name) {
        return switch (name) {
            case "paused" -> paused.getCount();
            case "resumed" -> resumed.getCount();
            case "autoResumed" -> autoResumed.getCount();
            case "held" -> held.getCount();
            case "released" -> released.getCount();
            case "overflow" -> overflow.getCount();
            default -> throw new IllegalArgumentException("no counter " + name);
        };
    }
}
