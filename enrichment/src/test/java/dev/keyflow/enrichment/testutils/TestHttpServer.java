package dev.keyflow.enrichment.testutils;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP server on 127.0.0.1 for enrichment tests: replies are scripted per path (in order,
 * the last one repeating), requests are recorded and counted. A reply can be slow (it hangs until
 * {@link #close()}), carry any status and headers, or drop the connection.
 *
 * <pre>{@code
 * try (TestHttpServer server = TestHttpServer.start()) {
 *     server.reply("/c/1", Reply.status(500), Reply.status(500), Reply.json(200, "{\"a\":1}"));
 *     String url = server.url("/c/{id}");
 *     ...
 *     assertThat(server.requestCount("/c/1")).isEqualTo(3);
 * }
 * }</pre>
 */
public final class TestHttpServer implements AutoCloseable {

    /** One scripted answer. */
    public static final class Reply {
        private final int status;
        private final byte[] body;
        private final Map<String, String> headers;
        private final boolean drop;
        private final boolean hang;
        private final boolean chunked;

        private Reply(
                int status, byte[] body, Map<String, String> headers, boolean drop, boolean hang) {
            this(status, body, headers, drop, hang, false);
        }

        private Reply(
                int status,
                byte[] body,
                Map<String, String> headers,
                boolean drop,
                boolean hang,
                boolean chunked) {
            this.chunked = chunked;
            this.status = status;
            this.body = body;
            this.headers = headers;
            this.drop = drop;
            this.hang = hang;
        }

        /** A response with a JSON body. */
        public static Reply json(int status, String json) {
            return new Reply(
                            status,
                            json.getBytes(StandardCharsets.UTF_8),
                            new LinkedHashMap<>(),
                            false,
                            false)
                    .header("Content-Type", "application/json");
        }

        /** A response with no body. */
        public static Reply status(int status) {
            return new Reply(status, new byte[0], new LinkedHashMap<>(), false, false);
        }

        /** A 200 response with {@code size} bytes of body. */
        public static Reply bytes(int size) {
            byte[] body = new byte[size];
            java.util.Arrays.fill(body, (byte) 'x');
            return new Reply(200, body, new LinkedHashMap<>(), false, false);
        }

        /** Closes the connection without answering. */
        public static Reply dropConnection() {
            return new Reply(0, new byte[0], Map.of(), true, false);
        }

        /** Never answers until the server is closed. */
        public static Reply hang() {
            return new Reply(0, new byte[0], Map.of(), false, true);
        }

        /** This reply with one more header. */
        public Reply header(String name, String value) {
            Map<String, String> more = new LinkedHashMap<>(headers);
            more.put(name, value);
            return new Reply(status, body, more, drop, hang, chunked);
        }

        /** This reply sent chunked, without a Content-Length. */
        public Reply chunked() {
            return new Reply(status, body, headers, drop, hang, true);
        }
    }

    /** A request as received, its body decoded as UTF-8. */
    public record Recorded(
            String method, String path, String rawQuery, Map<String, String> headers, String body) {
        /** A header by name, case-insensitively; null if absent. */
        public String header(String name) {
            return headers.entrySet().stream()
                    .filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(Map.Entry::getValue)
                    .findFirst()
                    .orElse(null);
        }
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final Map<String, List<Reply>> replies = new ConcurrentHashMap<>();
    private volatile Responder fallback = (number, path) -> Reply.status(404);
    private final AtomicInteger received = new AtomicInteger();
    private final List<Recorded> requests = new CopyOnWriteArrayList<>();
    private final CountDownLatch closed = new CountDownLatch(1);

    private TestHttpServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /** Starts a server on a free port of 127.0.0.1. */
    public static TestHttpServer start() throws IOException {
        HttpServer server =
                HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        ExecutorService executor = Executors.newCachedThreadPool();
        server.setExecutor(executor);
        TestHttpServer test = new TestHttpServer(server, executor);
        server.createContext("/", test::handle);
        server.start();
        return test;
    }

    /** The scripted replies of {@code path}, in order; the last one repeats. Default 404. */
    public TestHttpServer reply(String path, Reply... script) {
        replies.put(path, new ArrayList<>(List.of(script)));
        return this;
    }

    /** Computes the reply of a request for a path without a script. */
    @FunctionalInterface
    public interface Responder {
        /**
         * The reply to request {@code number} (1 for the first the server received) for {@code
         * path}.
         */
        Reply reply(int number, String path);
    }

    /**
     * How requests for paths without a script are answered (default 404), e.g. by a seeded pattern
     * over the request number.
     */
    public TestHttpServer otherwise(Responder responder) {
        this.fallback = Objects.requireNonNull(responder, "responder");
        return this;
    }

    /** {@code http://127.0.0.1:<port><path>}. */
    public String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** Every request received, in order. */
    public List<Recorded> requests() {
        return List.copyOf(requests);
    }

    /** Requests received for {@code path}. */
    public List<Recorded> requests(String path) {
        return requests.stream().filter(r -> r.path().equals(path)).toList();
    }

    /** How many requests were received for {@code path}. */
    public int requestCount(String path) {
        return requests(path).size();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            Map<String, String> headers = new LinkedHashMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> headers.put(k, String.join(",", v)));
            requests.add(
                    new Recorded(
                            exchange.getRequestMethod(),
                            path,
                            exchange.getRequestURI().getRawQuery(),
                            headers,
                            new String(
                                    exchange.getRequestBody().readAllBytes(),
                                    StandardCharsets.UTF_8)));
            Reply reply = next(received.incrementAndGet(), path);
            if (reply.hang) {
                awaitClose();
                return;
            }
            if (reply.drop) {
                // Closing the exchange before any response makes the server drop the connection.
                return;
            }
            reply.headers.forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
            long length = reply.chunked ? 0 : reply.body.length == 0 ? -1 : reply.body.length;
            exchange.sendResponseHeaders(reply.status, length);
            if (reply.body.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(reply.body);
                }
            }
        }
    }

    private Reply next(int number, String path) {
        List<Reply> script = replies.get(path);
        if (script == null) {
            return fallback.reply(number, path);
        }
        synchronized (script) {
            return script.size() > 1 ? script.remove(0) : script.get(0);
        }
    }

    private void awaitClose() {
        try {
            closed.await(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed.countDown();
        server.stop(0);
        executor.shutdownNow();
    }

    @Override
    public String toString() {
        return Objects.toString(server.getAddress());
    }
}
