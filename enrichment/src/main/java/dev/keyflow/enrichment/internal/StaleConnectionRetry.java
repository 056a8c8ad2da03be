package dev.keyflow.enrichment.internal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.Collections;
import java.util.Locale;
import java.util.Set;
import java.util.WeakHashMap;
import okhttp3.Connection;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * Sends an idempotent request again when it failed on a pooled connection that the server had
 * closed while it sat idle, so a quiet period never turns into failed calls.
 *
 * <p>A server (or load balancer) closes a keep-alive connection that stayed idle longer than its
 * own timeout; the client learns it only when the next request on that connection gets no answer
 * ("unexpected end of stream", "connection reset"). The {@link #network()} interceptor sees which
 * connection an exchange ran on and marks a failure on a connection that had already served a
 * response as stale; the {@link #application()} interceptor then sends the request again, on
 * another connection, if and only if sending it twice is harmless: an idempotent method ({@code
 * GET}, {@code HEAD}, {@code OPTIONS}, {@code PUT}, {@code DELETE}), or any method with an {@code
 * Idempotency-Key} header (keyflow's enricher and webhook send one on every request, and the
 * receiver drops repeats by it), and a body that can be sent again. A failure on a fresh
 * connection, a timeout, a cancelled call and every other request fail as before, for keyflow's
 * {@code RetryPolicy} to decide. At most one retry per pooled connection: each stale connection is
 * taken out of the pool by its failure, so the retries end on a fresh connection.
 */
final class StaleConnectionRetry {

    /** The header whose presence makes a request safe to send twice. */
    static final String IDEMPOTENCY_KEY_HEADER = "Idempotency-Key";

    private static final Set<String> IDEMPOTENT_METHODS =
            Set.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE");

    /** Connections that have served at least one response; weak, so the pool owns their life. */
    private final Set<Connection> served =
            Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));

    private final int maxRetries;

    /** {@code maxRetries}: the most stale connections one call may run into (the pool's size). */
    StaleConnectionRetry(int maxRetries) {
        this.maxRetries = maxRetries;
    }

    /** The part that retries; add it with {@code addInterceptor}. */
    Interceptor application() {
        return chain -> {
            Request request = chain.request();
            boolean safe = safeToRepeat(request);
            for (int retry = 0; ; retry++) {
                try {
                    return chain.proceed(request);
                } catch (StaleConnectionException e) {
                    if (!safe || retry >= maxRetries || chain.call().isCanceled()) {
                        throw e.original();
                    }
                }
            }
        };
    }

    /** The part that sees connections; add it with {@code addNetworkInterceptor}. */
    Interceptor network() {
        return chain -> {
            Connection connection = chain.connection();
            boolean reused = connection != null && served.contains(connection);
            Response response;
            try {
                response = chain.proceed(chain.request());
            } catch (InterruptedIOException e) {
                throw e; // a timeout or cancellation, not a closed connection
            } catch (IOException e) {
                throw reused ? new StaleConnectionException(e) : e;
            }
            if (connection != null) {
                served.add(connection);
            }
            return response;
        };
    }

    static boolean safeToRepeat(Request request) {
        RequestBody body = request.body();
        if (body != null && body.isOneShot()) {
            return false;
        }
        return IDEMPOTENT_METHODS.contains(request.method().toUpperCase(Locale.ROOT))
                || request.header(IDEMPOTENCY_KEY_HEADER) != null;
    }

    /** A failure on a connection that had served a response before: most likely closed idle. */
    private static final class StaleConnectionException extends IOException {

        private static final long serialVersionUID = 1L;

        StaleConnectionException(IOException cause) {
            super("stale pooled connection: " + cause.getMessage(), cause);
        }

        IOException original() {
            return (IOException) getCause();
        }
    }
}
