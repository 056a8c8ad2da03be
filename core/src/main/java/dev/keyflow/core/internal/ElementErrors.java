package dev.keyflow.core.internal;

import dev.keyflow.core.ErrorDetails;
import dev.keyflow.core.ErrorOutput;
import dev.keyflow.core.ErrorReason;
import dev.keyflow.core.ErrorRecord;
import dev.keyflow.core.ErrorStage;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.flink.metrics.MetricGroup;

/**
 * Turns an element of a keyed operator into an {@link ErrorRecord} with the user's {@link
 * ErrorDetails} and emits it through {@link ErrorOutput}, which counts it.
 */
public final class ElementErrors<T> {

    private final ErrorStage stage;
    private final ErrorDetails<T> details;
    private final ErrorOutput output;

    public ElementErrors(ErrorStage stage, ErrorDetails<T> details, MetricGroup operatorGroup) {
        this(stage, details, ErrorOutput.create(operatorGroup));
    }

    /** Emits through {@code output}, for an operator that also emits other errors through it. */
    public ElementErrors(ErrorStage stage, ErrorDetails<T> details, ErrorOutput output) {
        this.stage = Objects.requireNonNull(stage, "stage");
        this.details = Objects.requireNonNull(details, "details");
        this.output = Objects.requireNonNull(output, "output");
    }

    /**
     * Emits an error record for {@code element} to {@code out}: stage, reason, message, the
     * operator's current key and {@code now}, completed by the user's details.
     */
    public void emit(
            ErrorReason reason,
            String message,
            T element,
            @Nullable Object key,
            long now,
            ErrorOutput.SideOutput out) {
        output.emit(create(reason, message, element, key, now), out);
    }

    /**
     * The error record for {@code element}, not yet emitted (nor counted): for an operator that
     * emits it through its {@link ErrorOutput} with a timestamp of its own.
     */
    public ErrorRecord create(
            ErrorReason reason, String message, T element, @Nullable Object key, long now) {
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
