package dev.keyflow.core.async;

import dev.keyflow.core.ErrorReason;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * Why an element's async work failed, classified into the error vocabulary.
 *
 * @param reason {@link ErrorReason#TIMEOUT} for a timeout, the reason of a {@link
 *     ProcessingException}, else {@link ErrorReason#PROCESSING_FAILED}
 * @param message what happened, naming the exception
 * @param attempts how many attempts were made (1 for the first)
 * @param cause the exception
 */
public record AsyncFailure(ErrorReason reason, String message, int attempts, Throwable cause) {

    public AsyncFailure {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(cause, "cause");
    }

    /** True if the same element may succeed later (see {@link ErrorReason#isTransient()}). */
    public boolean isTransient() {
        return reason.isTransient();
    }

    /** Classifies {@code error} (unwrapping completion wrappers) after {@code attempts} tries. */
    public static AsyncFailure of(Throwable error, int attempts) {
        Throwable cause = unwrap(error);
        ErrorReason reason;
        if (cause instanceof ProcessingException processing) {
            reason = processing.reason();
        } else if (cause instanceof TimeoutException) {
            reason = ErrorReason.TIMEOUT;
        } else {
            reason = ErrorReason.PROCESSING_FAILED;
        }
        String message =
                cause.getClass().getSimpleName()
                        + (cause.getMessage() == null ? "" : ": " + cause.getMessage())
                        + (attempts > 1 ? " (after " + attempts + " attempts)" : "");
        return new AsyncFailure(reason, message, attempts, cause);
    }

    /** The exception inside {@link CompletionException} / {@link ExecutionException} wrappers. */
    public static Throwable unwrap(Throwable error) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }
}
