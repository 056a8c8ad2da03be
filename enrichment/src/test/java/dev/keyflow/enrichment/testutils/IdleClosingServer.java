package dev.keyflow.enrichment.testutils;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * A keep-alive HTTP/1.1 server on 127.0.0.1 that closes a connection once it has been idle for a
 * set time, as real servers and load balancers do; it answers every request {@code 200 {}} and
 * reports what it saw: requests with the connection they came on, connections it closed for being
 * idle and connections the client closed.
 *
 * <pre>{@code
 * try (IdleClosingServer server = IdleClosingServer.start(Duration.ofMillis(200))) {
 *     ... calls to server.url("/c/1") ...
 *     server.awaitIdleClosed(1, Duration.ofSeconds(10));
 * }
 * }</pre>
 */
public final class IdleClosingServer implements AutoCloseable {

    /** A request as received. */
    public record Received(
            int number, int connection, String method, String path, Map<String, String> headers) {
        /** A header by name, case-insensitively; null if absent. */
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(10);

    private final ServerSocket socket;
    private final Duration idleTimeout;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<Received> received = new ArrayList<>();
    private final Set<Integer> unanswered = ConcurrentHashMap.newKeySet();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private int connections;
    private int idleClosed;
    private int clientClosed;
    private volatile CountDownLatch hold = new CountDownLatch(0);

    private IdleClosingServer(ServerSocket socket, Duration idleTimeout) {
        this.socket = socket;
        this.idleTimeout = idleTimeout;
    }

    /** Starts a server on a free port that closes connections idle for {@code idleTimeout}. */
    public static IdleClosingServer start(Duration idleTimeout) throws IOException {
        IdleClosingServer server =
                new IdleClosingServer(
                        new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), idleTimeout);
        server.threads.execute(server::accept);
        return server;
    }

    /** {@code http://127.0.0.1:<port><path>}. */
    public String url(String path) {
        return "http://127.0.0.1:" + socket.getLocalPort() + path;
    }

    /**
     * Holds every answer until {@code requests} requests are waiting for one, so that many calls
     * made at once each open a connection of their own.
     */
    public void holdUntil(int requests) {
        hold = new CountDownLatch(requests);
    }

    /** Reads request {@code number} (1 for the first) and closes its connection without answer. */
    public void leaveUnanswered(int number) {
        unanswered.add(number);
    }

    /** Every request received, in order. */
    public synchronized List<Received> received() {
        return List.copyOf(received);
    }

    /** Connections accepted so far. */
    public synchronized int connections() {
        return connections;
    }

    /** Connections this server closed because they stayed idle for the idle timeout. */
    public synchronized int idleClosed() {
        return idleClosed;
    }

    /** Connections the client closed while they were idle. */
    public synchronized int clientClosed() {
        return clientClosed;
    }

    /** Waits until the server has closed {@code count} idle connections. */
    public void awaitIdleClosed(int count, Duration deadline) throws InterruptedException {
        await(this::idleClosed, count, deadline, "connections closed idle by the server");
    }

    /** Waits until the client has closed {@code count} idle connections. */
    public void awaitClientClosed(int count, Duration deadline) throws InterruptedException {
        await(this::clientClosed, count, deadline, "idle connections closed by the client");
    }

    private synchronized void await(IntSupplier value, int count, Duration deadline, String what)
            throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        while (value.getAsInt() < count) {
            long left = end - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError(
                        "expected "
                                + count
                                + " "
                                + what
                                + " within "
                                + deadline
                                + ", saw "
                                + value.getAsInt());
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }

    private void accept() {
        while (!socket.isClosed()) {
            Socket connection;
            try {
                connection = socket.accept();
            } catch (IOException e) {
                return; // closed
            }
            int number;
            synchronized (this) {
                number = ++connections;
            }
            open.add(connection);
            threads.execute(() -> serve(connection, number));
        }
    }

    private void serve(Socket connection, int number) {
        try (connection;
                InputStream in = new BufferedInputStream(connection.getInputStream());
                OutputStream out = connection.getOutputStream()) {
            while (true) {
                connection.setSoTimeout((int) idleTimeout.toMillis());
                int first;
                try {
                    first = in.read();
                } catch (SocketTimeoutException e) {
                    count(() -> idleClosed++);
                    return;
                }
                if (first < 0) {
                    count(() -> clientClosed++);
                    return;
                }
                connection.setSoTimeout((int) READ_TIMEOUT.toMillis());
                Received request = read(first, in, number);
                CountDownLatch gate = hold;
                gate.countDown();
                if (!gate.await(READ_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    return;
                }
                if (unanswered.contains(request.number())) {
                    return;
                }
                byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
                out.write(
                        ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                                        + body.length
                                        + "\r\n\r\n")
                                .getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                out.flush();
            }
        } catch (IOException e) {
            // The client went away mid-request: nothing to answer.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            open.remove(connection);
        }
    }

    private Received read(int first, InputStream in, int connection) throws IOException {
        String requestLine = (char) first + line(in);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String header = line(in); !header.isEmpty(); header = line(in)) {
            int colon = header.indexOf(':');
            headers.put(
                    header.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                    header.substring(colon + 1).trim());
        }
        String length = headers.get("content-length");
        if (length != null) {
            in.readNBytes(Integer.parseInt(length));
        }
        String[] parts = requestLine.split(" ");
        synchronized (this) {
            Received request =
                    new Received(received.size() + 1, connection, parts[0], parts[1], headers);
            received.add(request);
            return request;
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("connection closed mid-request");
            }
            if (b != '\r') {
                bytes.write(b);
            }
        }
        return bytes.toString(StandardCharsets.US_ASCII);
    }

    private synchronized void count(Runnable change) {
        change.run();
        notifyAll();
    }

    @Override
    public void close() throws IOException {
        socket.close();
        for (Socket connection : open) {
            connection.close();
        }
        threads.shutdownNow();
    }
}
