package dev.keyflow.core.async;

import dev.keyflow.core.ErrorReason;
import java.util.Objects;

/**
 * A typed failure of an element's async work: throw it (or complete the future with it) to say why
 * the element failed. Its {@link ErrorReason} decides whether the element is retried (by default
 * only transient reasons are) and which reason its error record carries.
 *
 * <pre>{@code
 * if (response.code() == 503) {
 *     throw new ProcessingException(ErrorReason.SERVICE_UNAVAILABLE, "customer service: 503");
 * }
 * }</pre>
 *
 * <p>Any other exception counts as {@link ErrorReason#PROCESSING_FAILED}, which is not retried.
 */
public class ProcessingException extends Exception {

    private static final long serialVersionUID = 1L;

    private final ErrorReason reason;

    public ProcessingException(ErrorReason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public ProcessingException(ErrorReason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public ErrorReason reason() {
        return reason;
    }
}
