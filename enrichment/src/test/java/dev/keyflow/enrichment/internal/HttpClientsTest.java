package dev.keyflow.enrichment.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyflow.enrichment.testutils.IdleClosingServer;
import java.io.IOException;
import java.time.Duration;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The hardened client against a real server: which requests are sent again when a pooled connection
 * turns out dead, and which never are.
 */
class HttpClientsTest {

    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private static final MediaType JSON = MediaType.get("application/json");

    private IdleClosingServer server;
    private OkHttpClient client;

    @AfterEach
    void stop() throws Exception {
        if (client != null) {
            HttpClients.release(client);
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aPostWithAnIdempotencyKeySurvivesAConnectionTheServerClosedIdle() throws Exception {
        start(Duration.ofMillis(300));
        assertThat(code(post("k1"))).isEqualTo(200);

        server.awaitIdleClosed(1, DEADLINE);

        assertThat(code(post("k2"))).isEqualTo(200);
        assertThat(server.received()).extracting(r -> r.connection()).containsExactly(1, 2);
    }

    @Test
    void aPostWithAnIdempotencyKeyIsSentAgainWhenAReusedConnectionDiesUnanswered()
            throws Exception {
        start(Duration.ofMinutes(1));
        assertThat(code(get())).isEqualTo(200);
        server.leaveUnanswered(2);

        assertThat(code(post("k1"))).isEqualTo(200);

        assertThat(server.received()).hasSize(3);
        assertThat(server.received().subList(1, 3))
                .allSatisfy(r -> assertThat(r.header("Idempotency-Key")).isEqualTo("k1"))
                .extracting(r -> r.connection())
                .containsExactly(1, 2);
    }

    @Test
    void aPostWithoutIdempotencyKeyIsNeverSentTwice() throws Exception {
        start(Duration.ofMinutes(1));
        assertThat(code(get())).isEqualTo(200);
        server.leaveUnanswered(2);

        assertThatThrownBy(() -> code(post(null))).isInstanceOf(IOException.class);

        assertThat(server.received()).hasSize(2);
        assertThat(server.received().get(1).method()).isEqualTo("POST");
    }

    @Test
    void aGetIsSentAgainWhenAReusedConnectionDiesUnanswered() throws Exception {
        start(Duration.ofMinutes(1));
        assertThat(code(get())).isEqualTo(200);
        server.leaveUnanswered(2);

        assertThat(code(get())).isEqualTo(200);

        assertThat(server.received()).extracting(r -> r.connection()).containsExactly(1, 1, 2);
    }

    @Test
    void aFailureOnAFreshConnectionIsLeftToTheRetryPolicy() throws Exception {
        start(Duration.ofMinutes(1));
        server.leaveUnanswered(1);

        assertThatThrownBy(() -> code(get())).isInstanceOf(IOException.class);

        assertThat(server.received()).hasSize(1);
    }

    private void start(Duration serverIdleTimeout) throws IOException {
        server = IdleClosingServer.start(serverIdleTimeout);
        // The pool outlives the server's idle timeout, so only the retry can save the call.
        client = HttpClients.hardened(DEADLINE, 4, Duration.ofMinutes(5));
    }

    private Request get() {
        return new Request.Builder().url(server.url("/r")).get().build();
    }

    private Request post(String idempotencyKey) {
        Request.Builder request =
                new Request.Builder().url(server.url("/r")).post(RequestBody.create("{}", JSON));
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        return request.build();
    }

    private int code(Request request) throws IOException {
        try (Response response = client.newCall(request).execute()) {
            return response.code();
        }
    }
}
