package dev.keyflow.enrichment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyflow.enrichment.testutils.IdleClosingServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Quiet periods against a real server that closes idle keep-alive connections: the enricher's calls
 * after the quiet period succeed on their first attempt.
 */
class HttpEnricherIdleConnectionTest {

    private static final Duration DEADLINE = Duration.ofSeconds(20);

    private IdleClosingServer server;
    private HttpEnricher<String> enricher;

    @AfterEach
    void stop() throws Exception {
        if (enricher != null) {
            enricher.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void callsAfterTheServerClosedIdlePooledConnectionsSucceedAtOnce() throws Exception {
        server = IdleClosingServer.start(Duration.ofMillis(300));
        // A pool that outlives the server's idle timeout, as OkHttp's default (5 min) does.
        enricher = open(Duration.ofMinutes(5));
        server.holdUntil(4);
        List<CompletionStage<EnrichmentResult>> warmUp = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            warmUp.add(enricher.call("c" + i, "warm-" + i));
        }
        for (CompletionStage<EnrichmentResult> call : warmUp) {
            assertThat(await(call).found()).isTrue();
        }
        assertThat(server.connections()).isEqualTo(4);

        server.awaitIdleClosed(4, DEADLINE);

        for (int i = 0; i < 4; i++) {
            assertThat(await(enricher.call("c" + i, "after-" + i)).found()).isTrue();
        }
        List<IdleClosingServer.Received> received = server.received();
        assertThat(received).hasSize(8);
        assertThat(received.subList(4, 8))
                .extracting(r -> r.header(HttpEnricher.IDEMPOTENCY_KEY_HEADER))
                .containsExactly("after-0", "after-1", "after-2", "after-3");
        assertThat(received.subList(4, 8)).allSatisfy(r -> assertThat(r.connection()).isEqualTo(5));
    }

    @Test
    void theClientClosesIdleConnectionsBeforeTheServerDoes() throws Exception {
        server = IdleClosingServer.start(Duration.ofMinutes(1));
        enricher = open(Duration.ofMillis(200));
        assertThat(await(enricher.call("c1", "k1")).found()).isTrue();

        server.awaitClientClosed(1, DEADLINE);

        assertThat(await(enricher.call("c1", "k2")).found()).isTrue();
        assertThat(server.idleClosed()).isZero();
        assertThat(server.received()).extracting(r -> r.connection()).containsExactly(1, 2);
    }

    @Test
    void theDefaultIdleConnectionTimeoutIsBelowCommonServerTimeouts() {
        HttpEnricher<String> spec =
                HttpEnricher.<String>builder().url("http://localhost/customers").build();

        assertThat(spec.idleConnectionTimeout())
                .isEqualTo(HttpEnricher.DEFAULT_IDLE_CONNECTION_TIMEOUT)
                .isLessThan(Duration.ofSeconds(5));
    }

    private HttpEnricher<String> open(Duration idleConnectionTimeout) {
        HttpEnricher<String> opened =
                HttpEnricher.<String>builder()
                        .url(server.url("/customers/{id}"))
                        .variables(id -> Map.of("id", id))
                        .idleConnectionTimeout(idleConnectionTimeout)
                        .build();
        opened.open();
        return opened;
    }

    private static EnrichmentResult await(CompletionStage<EnrichmentResult> call) throws Exception {
        return call.toCompletableFuture().get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
    }
}
