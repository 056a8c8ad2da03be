package dev.keyflow.core.internal;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/** The resequencer's metrics, in the group {@code keyflow.resequencer} of its operator. */
final class ResequencerMetrics {

    /** How many recent release delays the histogram keeps. */
    static final int RELEASE_DELAY_WINDOW = 1024;

    final Counter late;
    final Counter overflow;
    final Counter earlyReleased;
    final Histogram releaseDelay;
    // Written on the task thread, read by the metric reporter thread.
    private volatile long buffered;

    ResequencerMetrics(MetricGroup operatorGroup) {
        MetricGroup group = operatorGroup.addGroup("keyflow").addGroup("resequencer");
        group.gauge("buffered", (Gauge<Long>) () -> buffered);
        late = group.counter("late");
        overflow = group.counter("overflow");
        earlyReleased = group.counter("earlyReleased");
        releaseDelay =
                group.histogram(
                        "releaseDelay", new DescriptiveStatisticsHistogram(RELEASE_DELAY_WINDOW));
    }

    void buffered(long delta) {
        buffered += delta;
    }

    long buffered() {
        return buffered;
    }
}
