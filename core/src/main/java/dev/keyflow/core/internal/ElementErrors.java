package dev.keyflow.core.internal;

import dev.keyflow.core.ErrorDetails;
import dev.keyflow.core.ErrorReason;
import dev.keyflow.core.ErrorRecord;
import dev.keyflow.core.ErrorStage;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.flink.metrics.MetricGroup;

/**
 * Turns an element of a keyed operator into an {@link ErrorRecord} with the user's {@link
 * ErrorDetails}, and counts it in {@link ErrorMetrics}. The caller sends the record to the error
 * side output.
 */
public final class ElementErrors<T> {

    private final ErrorStage stage;
    private final ErrorDetails<T> details;
    private final ErrorMetrics metrics;

    public ElementErrors(ErrorStage stage, ErrorDetails<T> details, MetricGroup operatorGroup) {
        this(stage, details, new ErrorMetrics(operatorGroup, stage));
    }

    /** Counts into {@code metrics}, for an operator that also counts other errors of the stage. */
    public ElementErrors(ErrorStage stage, ErrorDetails<T> details, ErrorMetrics metrics) {
        this.stage = Objects.requireNonNull(stage, "stage");
        this.details = Objects.requireNonNull(details, "details");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    /**
     * An error record for {@code element}: stage, reason, message, the operator's current key and
     * {@code now}, completed by the user's details.
     */
    public ErrorRecord create(
            ErrorReason reason, String message, T element, @Nullable Object key, long now) {
        metrics.count(reason);
        ErrorRecord.Builder start =
                ErrorRecord.builder(stage, reason)
                        .message(message)
                        .key(key == null ? null : key.toString())
                        .time(now);
        try {
            ErrorRecord.Builder described = details.describe(element, start);
            return (described == null ? start : described).build();
        } catch (RuntimeException e) {
            // The error itself must not be lost: emit it without the payload, and say why.
            return ErrorRecord.builder(stage, reason)
                    .message(
                            message
                                    + " (errorDetails "
                                    + details.getClass().getName()
                                    + " threw "
                                    + e
                                    + "; the payload is missing)")
                    .key(key == null ? null : key.toString())
                    .time(now)
                    .build();
        }
    }
}
