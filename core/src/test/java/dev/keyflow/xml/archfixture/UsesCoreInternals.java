package dev.keyflow.xml.archfixture;

import dev.keyflow.core.ErrorStage;
import dev.keyflow.core.internal.ErrorMetrics;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;

/** A deliberate layering violation, so that the architecture rules are seen to fail. */
public final class UsesCoreInternals {
    public Object metrics() {
        return new ErrorMetrics(new UnregisteredMetricsGroup(), ErrorStage.VALIDATION);
    }
}
