package dev.keyflow.enrichment;

import dev.keyflow.core.ErrorReason;
import dev.keyflow.core.async.ProcessingException;
import java.time.Duration;
import javax.annotation.Nullable;

/**
 * A failed HTTP call, typed: {@link ErrorReason#SERVICE_UNAVAILABLE} for 429, 5xx and connection
 * errors, {@link ErrorReason#TIMEOUT} when the call timeout passed (both transient, so the keyed
 * async operator's {@code RetryPolicy} retries them), {@link ErrorReason#SERVICE_REJECTED} for
 * other 3xx/4xx, {@link ErrorReason#LIMIT_EXCEEDED} for a body over the cap, {@link
 * ErrorReason#MALFORMED_JSON} for a 2xx body that is not a JSON object.
 */
public final class HttpCallException extends ProcessingException {

    private static final long serialVersionUID = 1L;

    /** {@link #httpStatus()} when no response was received. */
    public static final int NO_RESPONSE = 0;

    private final int httpStatus;

    public HttpCallException(
            ErrorReason reason,
            String message,
            int httpStatus,
            @Nullable Duration retryAfter,
            @Nullable Throwable cause) {
        super(reason, message, cause, retryAfter);
        this.httpStatus = httpStatus;
    }

    /** The response's status code, or {@link #NO_RESPONSE}. */
    public int httpStatus() {
        return httpStatus;
    }
}
