package dev.keyflow.enrichment.internal;

import java.time.Duration;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;

/**
 * The one way keyflow builds and releases its OkHttp clients, so every HTTP component gets the same
 * hardening: redirects never followed (a redirect could leave the allowed hosts), OkHttp's silent
 * retry on connection failure off (retries are the {@code RetryPolicy}'s, with the same idempotency
 * key), a whole-call timeout and a bounded number of concurrent requests.
 *
 * <pre>{@code
 * OkHttpClient client = HttpClients.hardened(Duration.ofSeconds(2), 64);
 * ...
 * HttpClients.release(client);
 * }</pre>
 */
public final class HttpClients {

    private HttpClients() {}

    /** A new client: one per parallel task, shared by all its calls. */
    public static OkHttpClient hardened(Duration callTimeout, int maxConcurrentRequests) {
        Dispatcher dispatcher = new Dispatcher();
        dispatcher.setMaxRequests(maxConcurrentRequests);
        dispatcher.setMaxRequestsPerHost(maxConcurrentRequests);
        return new OkHttpClient.Builder()
                .dispatcher(dispatcher)
                .followRedirects(false)
                .followSslRedirects(false)
                .retryOnConnectionFailure(false)
                .callTimeout(callTimeout)
                .build();
    }

    /** Cancels calls still running and releases the client's threads and connections. */
    public static void release(OkHttpClient client) {
        client.dispatcher().cancelAll();
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
    }
}
