package dev.keyflow.enrichment.internal;

import dev.keyflow.core.Checks;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;

/**
 * The one way keyflow builds and releases its OkHttp clients, so every HTTP component gets the same
 * hardening: redirects never followed (a redirect could leave the allowed hosts), OkHttp's own
 * retry on connection failure off (retries are the {@code RetryPolicy}'s, with the same idempotency
 * key), a whole-call timeout, a bounded number of concurrent requests, idle connections closed
 * before common server idle timeouts, and idempotent requests sent again on another connection when
 * a pooled one turns out to have been closed by the server ({@link StaleConnectionRetry}).
 *
 * <pre>{@code
 * OkHttpClient client = HttpClients.hardened(Duration.ofSeconds(2), 64, Duration.ofSeconds(4));
 * ...
 * HttpClients.release(client);
 * }</pre>
 */
public final class HttpClients {

    /** Idle connections kept per client; also the most stale connections one call can meet. */
    static final int MAX_IDLE_CONNECTIONS = 5;

    private HttpClients() {}

    /**
     * A new client: one per parallel task, shared by all its calls. A connection idle for {@code
     * idleConnectionTimeout} is closed by the client; keep it below the server's (and any load
     * balancer's) idle timeout.
     */
    public static OkHttpClient hardened(
            Duration callTimeout, int maxConcurrentRequests, Duration idleConnectionTimeout) {
        Checks.requirePositive(callTimeout, "callTimeout");
        Checks.requireAtLeastOne(maxConcurrentRequests, "maxConcurrentRequests");
        Checks.requirePositive(idleConnectionTimeout, "idleConnectionTimeout");
        Dispatcher dispatcher = new Dispatcher();
        dispatcher.setMaxRequests(maxConcurrentRequests);
        dispatcher.setMaxRequestsPerHost(maxConcurrentRequests);
        StaleConnectionRetry stale = new StaleConnectionRetry(MAX_IDLE_CONNECTIONS);
        return new OkHttpClient.Builder()
                .dispatcher(dispatcher)
                .connectionPool(
                        new ConnectionPool(
                                MAX_IDLE_CONNECTIONS,
                                idleConnectionTimeout.toMillis(),
                                TimeUnit.MILLISECONDS))
                .followRedirects(false)
                .followSslRedirects(false)
                .retryOnConnectionFailure(false)
                .addInterceptor(stale.application())
                .addNetworkInterceptor(stale.network())
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
