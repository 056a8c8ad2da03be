package dev.keyflow.core.internal;

import dev.keyflow.core.ErrorReason;
import dev.keyflow.core.ErrorStage;
import java.util.EnumMap;
import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/**
 * Counts error records per reason for one stage, as {@code keyflow.errors} with the labels {@code
 * stage} and {@code reason}. Counters are registered on first use, so the metric list shows only
 * the reasons that happened.
 */
public final class ErrorMetrics {

    private final MetricGroup errors;
    private final Map<ErrorReason, Counter> counters = new EnumMap<>(ErrorReason.class);

    public ErrorMetrics(MetricGroup operatorGroup, ErrorStage stage) {
        this.errors =
                operatorGroup
                        .addGroup("keyflow")
                        .addGroup("errors")
                        .addGroup("stage", stage.name());
    }

    public void count(ErrorReason reason) {
        counters.computeIfAbsent(reason, r -> errors.addGroup("reason", r.name()).counter("count"))
                .inc();
    }
}
