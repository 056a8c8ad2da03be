package dev.keyflow.xml.testutils;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A local HTTP server on 127.0.0.1 that counts every request and answers each with a small XML
 * body: the witness in tests that prove a parser or schema loader never goes to the network.
 *
 * <pre>{@code
 * try (CountingHttpServer server = CountingHttpServer.start()) {
 *     ... parse something that names server.url("/evil.xsd") ...
 *     assertThat(server.requests()).isZero();
 * }
 * }</pre>
 */
public final class CountingHttpServer implements AutoCloseable {

    private final HttpServer server;
    private final AtomicInteger requests = new AtomicInteger();

    private CountingHttpServer(HttpServer server) {
        this.server = server;
    }

    /** Starts a server on a free port of 127.0.0.1. */
    public static CountingHttpServer start() {
        try {
            HttpServer http =
                    HttpServer.create(
                            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            CountingHttpServer counting = new CountingHttpServer(http);
            http.createContext(
                    "/",
                    exchange -> {
                        counting.requests.incrementAndGet();
                        byte[] body =
                                ("<?xml version=\"1.0\"?><xs:schema"
                                                + " xmlns:xs=\"http://www.w3.org/2001/XMLSchema\"/>")
                                        .getBytes(StandardCharsets.UTF_8);
                        exchange.sendResponseHeaders(200, body.length);
                        exchange.getResponseBody().write(body);
                        exchange.close();
                    });
            http.start();
            return counting;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The absolute URL of {@code path} on this server. */
    public String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** How many requests arrived so far. */
    public int requests() {
        return requests.get();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
