package dev.keyflow.enrichment.internal;

import dev.keyflow.core.ErrorReason;
import dev.keyflow.enrichment.HttpCallException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.Response;

/**
 * Turns the outcome of one webhook POST into its HTTP status (2xx) or a typed {@link
 * HttpCallException}; runs on OkHttp's threads. The response body is never read.
 */
public final class WebhookResponseHandler implements Callback {

    private final CompletableFuture<Integer> result;

    public WebhookResponseHandler(CompletableFuture<Integer> result) {
        this.result = result;
    }

    @Override
    public void onFailure(Call call, IOException e) {
        // OkHttp reports its call timeout as an InterruptedIOException ("timeout").
        ErrorReason reason =
                e instanceof InterruptedIOException
                        ? ErrorReason.TIMEOUT
                        : ErrorReason.SERVICE_UNAVAILABLE;
        result.completeExceptionally(
                new HttpCallException(
                        reason,
                        call.request().url().redact() + ": " + e,
                        HttpCallException.NO_RESPONSE,
                        null,
                        e));
    }

    @Override
    public void onResponse(Call call, Response response) {
        try (response) {
            int code = response.code();
            String where = call.request().url().redact() + ": HTTP " + code;
            if (code >= 200 && code < 300) {
                result.complete(code);
            } else if (code == 429 || code >= 500) {
                Duration retryAfter = ResponseHandler.retryAfter(response.header("Retry-After"));
                result.completeExceptionally(
                        new HttpCallException(
                                ErrorReason.SERVICE_UNAVAILABLE,
                                where + (retryAfter == null ? "" : ", retry after " + retryAfter),
                                code,
                                retryAfter,
                                null));
            } else {
                result.completeExceptionally(
                        new HttpCallException(
                                ErrorReason.SERVICE_REJECTED, where, code, null, null));
            }
        } catch (RuntimeException e) {
            // Never leave the future pending: the element would wait for its operator timeout.
            result.completeExceptionally(e);
        }
    }
}
