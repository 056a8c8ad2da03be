package dev.keyflow.reference.demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The demo's customer service: a small HTTP server on the loopback interface that the reference
 * job's enrichment calls, {@code GET /customers/{id}}. How it answers depends only on the id's
 * {@link CustomerClass}: 200 {@code {"id":..,"tier":..,"email":"<id>@example.com","blocked":false}}
 * for {@link CustomerClass#NORMAL}, {@code blocked: true} for {@link CustomerClass#BLOCKED}, 404
 * (no body) for {@link CustomerClass#UNKNOWN}, always 503 for {@link CustomerClass#DOWN}, and for
 * {@link CustomerClass#FLAKY} 500 on the first request of each distinct {@value
 * #IDEMPOTENCY_KEY_HEADER} value and 200 on every later one. Other paths are 404, other methods
 * 405, both without a body.
 *
 * <pre>{@code
 * try (CustomerService customers = CustomerService.start(0, Duration.ofMillis(5))) {
 *     String url = customers.urlTemplate(); // http://127.0.0.1:<port>/customers/{id}
 *     ...
 *     long served = customers.requests(200);
 * }
 * }</pre>
 *
 * <p>The artificial latency delays each answer without holding a thread: requests are handled by a
 * small pool (never the server's accept thread) and the answer is sent later by a scheduler. The
 * service is thread-safe; its counters may be read at any time. Loading the class sets {@code
 * sun.net.httpserver.nodelay=true} unless it is set: without it every answer waits ~40 ms for the
 * client's delayed ACK.
 */
public final class CustomerService implements AutoCloseable {

    /** The path prefix of customer lookups. */
    public static final String PATH = "/customers/";

    /** The header whose distinct values make a {@link CustomerClass#FLAKY} customer fail once. */
    public static final String IDEMPOTENCY_KEY_HEADER = "Idempotency-Key";

    static {
        // Without TCP_NODELAY the JDK server's small answers wait for the client's delayed ACK
        // (~40 ms each). The JDK reads the property once, when its first server starts.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private static final int HANDLER_THREADS = 4;
    private static final int SENDER_THREADS = 2;

    private final HttpServer server;
    private final ExecutorService handlers;
    private final ScheduledExecutorService senders;
    private final Duration latency;
    private final Set<String> flakyKeysSeen = ConcurrentHashMap.newKeySet();
    private final LongAdder requests = new LongAdder();
    private final Map<Integer, LongAdder> byStatus = new ConcurrentHashMap<>();
    private final LongAdder unsent = new LongAdder();
    private final AtomicBoolean closed = new AtomicBoolean();

    private CustomerService(HttpServer server, Duration latency) {
        this.server = server;
        this.latency = latency;
        this.handlers = Executors.newFixedThreadPool(HANDLER_THREADS, daemon("customers-handler"));
        this.senders = Executors.newScheduledThreadPool(SENDER_THREADS, daemon("customers-sender"));
        server.createContext("/", this::handle);
        server.setExecutor(handlers);
    }

    /** Starts the service without latency; {@code port} 0 picks a free port. */
    public static CustomerService start(int port) {
        return start(port, Duration.ZERO);
    }

    /**
     * Starts the service on {@code 127.0.0.1:port} (0 picks a free port), delaying every answer by
     * {@code latency}.
     */
    public static CustomerService start(int port, Duration latency) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be in [0, 65535], was " + port);
        }
        Objects.requireNonNull(latency, "latency");
        if (latency.isNegative()) {
            throw new IllegalArgumentException("latency must not be negative, was " + latency);
        }
        HttpServer server;
        try {
            server =
                    HttpServer.create(
                            new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 256);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the customer service on " + port, e);
        }
        CustomerService service = new CustomerService(server, latency);
        server.start();
        return service;
    }

    /** The port the service listens on. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** {@code http://127.0.0.1:<port>}. */
    public String baseUrl() {
        return "http://" + server.getAddress().getAddress().getHostAddress() + ":" + port();
    }

    /** The lookup URL as an {@code HttpEnricher} template: {@code <baseUrl>/customers/{id}}. */
    public String urlTemplate() {
        return baseUrl() + PATH + "{id}";
    }

    /** The artificial latency of every answer. */
    public Duration latency() {
        return latency;
    }

    /** How many requests the service received. */
    public long requests() {
        return requests.sum();
    }

    /** How many answers had {@code status}. */
    public long requests(int status) {
        LongAdder count = byStatus.get(status);
        return count == null ? 0 : count.sum();
    }

    /** The answers by status code, a snapshot. */
    public Map<Integer, Long> requestsByStatus() {
        Map<Integer, Long> snapshot = new TreeMap<>();
        byStatus.forEach((status, count) -> snapshot.put(status, count.sum()));
        return snapshot;
    }

    /** How many answers could not be sent because the client had gone. */
    public long unsentAnswers() {
        return unsent.sum();
    }

    /** Stops the server at once and releases its threads; idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            server.stop(0);
            senders.shutdownNow();
            handlers.shutdownNow();
        }
    }

    private void handle(HttpExchange exchange) {
        requests.increment();
        Answer answer = answer(exchange);
        byStatus.computeIfAbsent(answer.status(), s -> new LongAdder()).increment();
        if (latency.isZero()) {
            send(exchange, answer);
        } else {
            senders.schedule(() -> send(exchange, answer), latency.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    private Answer answer(HttpExchange exchange) {
        String path = exchange.getRequestURI().getPath();
        if (!path.startsWith(PATH) || path.length() == PATH.length()) {
            return Answer.empty(404);
        }
        if (!"GET".equals(exchange.getRequestMethod())) {
            return Answer.empty(405);
        }
        String id = path.substring(PATH.length());
        switch (CustomerClass.of(id)) {
            case UNKNOWN:
                return Answer.empty(404);
            case DOWN:
                return Answer.empty(503);
            case FLAKY:
                String key = exchange.getRequestHeaders().getFirst(IDEMPOTENCY_KEY_HEADER);
                if (key == null || flakyKeysSeen.add(key)) {
                    return Answer.empty(500);
                }
                return Answer.json(customer(id, false));
            case BLOCKED:
                return Answer.json(customer(id, true));
            case NORMAL:
                return Answer.json(customer(id, false));
            default:
                throw new AssertionError("unhandled class of " + id);
        }
    }

    /** The body for a known customer; ids of known customers are {@code cust-<n>}, safe in JSON. */
    private static String customer(String id, boolean blocked) {
        return "{\"id\":\""
                + id
                + "\",\"tier\":\""
                + CustomerClass.tier(id)
                + "\",\"email\":\""
                + CustomerClass.email(id)
                + "\",\"blocked\":"
                + blocked
                + "}";
    }

    private void send(HttpExchange exchange, Answer answer) {
        try (exchange) {
            byte[] body = answer.body();
            if (body.length > 0) {
                exchange.getResponseHeaders().set("Content-Type", "application/json");
            }
            exchange.sendResponseHeaders(answer.status(), body.length == 0 ? -1 : body.length);
            if (body.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        } catch (IOException e) {
            // The client went away (call timeout, job cancelled): nobody is left to tell. Count
            // it, so that a test can see it; the exchange is closed by try-with-resources.
            unsent.increment();
        }
    }

    private static ThreadFactory daemon(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    private record Answer(int status, byte[] body) {
        static Answer empty(int status) {
            return new Answer(status, new byte[0]);
        }

        static Answer json(String body) {
            return new Answer(200, body.getBytes(StandardCharsets.UTF_8));
        }
    }
}
