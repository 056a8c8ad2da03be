package dev.keyflow.xml.archfixture;

import dev.keyflow.core.ErrorStage;
import dev.keyflow.core.internal.ElementErrors;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;

/** A deliberate layering violation, so that the architecture rules are seen to fail. */
public final class UsesCoreInternals {
    public Object errors() {
        return new ElementErrors<String>(
                ErrorStage.VALIDATION, (element, error) -> error, new UnregisteredMetricsGroup());
    }
}
