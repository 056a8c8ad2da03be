package dev.keyflow.enrichment.internal;

import dev.keyflow.enrichment.HttpCallException;
import java.io.IOException;
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
        result.completeExceptionally(HttpFailures.noResponse(call, e));
    }

    @Override
    public void onResponse(Call call, Response response) {
        try (response) {
            if (response.isSuccessful()) {
                result.complete(response.code());
            } else {
                result.completeExceptionally(HttpFailures.rejected(call, response));
            }
        } catch (RuntimeException e) {
            // Never leave the future pending: the element would wait for its operator timeout.
            result.completeExceptionally(e);
        }
    }
}
