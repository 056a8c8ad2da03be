package dev.keyflow.core.async;

import dev.keyflow.core.ErrorReason;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import javax.annotation.Nullable;

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
    @Nullable private final Duration retryAfter;

    public ProcessingException(ErrorReason reason, String message) {
        this(reason, message, null, null);
    }

    public ProcessingException(ErrorReason reason, String message, @Nullable Throwable cause) {
        this(reason, message, cause, null);
    }

    /**
     * A failure after which the service asked to wait {@code retryAfter} (an HTTP {@code
     * Retry-After}); {@link RetryPolicy} waits at least that long before the next attempt.
     */
    public ProcessingException(
            ErrorReason reason,
            String message,
            @Nullable Throwable cause,
            @Nullable Duration retryAfter) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.retryAfter = retryAfter;
    }

    public ErrorReason reason() {
        return reason;
    }

    /** How long the failing service asked to wait before trying again, if it said. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
