package dev.keyflow.enrichment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyflow.core.ErrorReason;
import dev.keyflow.enrichment.testutils.TestHttpServer;
import dev.keyflow.enrichment.testutils.TestHttpServer.Reply;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The circuit breaker and the rate limiter of {@link HttpEnricher}, against a local server that
 * counts requests. The breaker runs on a clock the test moves, so no test waits.
 */
class HttpEnricherResilienceTest {

    private static final Duration OPEN_WAIT = Duration.ofMinutes(1);

    private TestHttpServer server;
    private final MovableClock clock = new MovableClock();
    private final List<HttpEnricher<?>> opened = new ArrayList<>();

    @BeforeEach
    void startServer() throws Exception {
        server = TestHttpServer.start();
    }

    @AfterEach
    void stop() {
        opened.forEach(HttpEnricher::close);
        server.close();
    }

    @Test
    void breakerOpensAfterConsecutiveFailuresThenFailsFastWithoutRequests() throws Exception {
        server.reply("/customers/c1", Reply.status(500));
        HttpEnricher<String> enricher = open(customers().circuitBreaker(3, OPEN_WAIT).build());

        for (int i = 0; i < 3; i++) {
            assertThat(failure(enricher.call("c1", "k")).reason())
                    .isEqualTo(ErrorReason.SERVICE_UNAVAILABLE);
        }
        assertThat(enricher.breakerState()).isEqualTo(CircuitBreaker.State.OPEN);

        HttpCallException open = failure(enricher.call("c1", "k"));
        assertThat(open.reason()).isEqualTo(ErrorReason.CIRCUIT_OPEN);
        assertThat(open.reason().isTransient()).isTrue();
        assertThat(open.httpStatus()).isEqualTo(HttpCallException.NO_RESPONSE);
        // The breaker is the endpoint's, not the element's.
        assertThat(failure(enricher.call("c2", "k")).reason()).isEqualTo(ErrorReason.CIRCUIT_OPEN);
        assertThat(server.requestCount("/customers/c1")).isEqualTo(3);
        assertThat(server.requestCount("/customers/c2")).isZero();
    }

    @Test
    void afterTheWaitOneProbeGoesThroughAndItsSuccessClosesTheBreaker() throws Exception {
        server.reply(
                "/customers/c1",
                Reply.status(503),
                Reply.status(503),
                Reply.json(200, "{\"name\":\"Ada\"}"));
        HttpEnricher<String> enricher = open(customers().circuitBreaker(2, OPEN_WAIT).build());
        failure(enricher.call("c1", "k"));
        failure(enricher.call("c1", "k"));

        clock.advance(OPEN_WAIT.minusMillis(1));
        assertThat(failure(enricher.call("c1", "k")).reason()).isEqualTo(ErrorReason.CIRCUIT_OPEN);
        assertThat(server.requestCount("/customers/c1")).isEqualTo(2);

        clock.advance(Duration.ofMillis(2));
        assertThat(await(enricher.call("c1", "k")).body()).containsEntry("name", "Ada");
        assertThat(enricher.breakerState()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(await(enricher.call("c1", "k")).found()).isTrue();
        assertThat(server.requestCount("/customers/c1")).isEqualTo(4);
    }

    @Test
    void aFailedProbeOpensTheBreakerAgain() throws Exception {
        server.reply("/customers/c1", Reply.status(500));
        HttpEnricher<String> enricher = open(customers().circuitBreaker(2, OPEN_WAIT).build());
        failure(enricher.call("c1", "k"));
        failure(enricher.call("c1", "k"));

        clock.advance(OPEN_WAIT.plusMillis(1));
        assertThat(failure(enricher.call("c1", "k")).reason())
                .isEqualTo(ErrorReason.SERVICE_UNAVAILABLE);
        assertThat(enricher.breakerState()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(failure(enricher.call("c1", "k")).reason()).isEqualTo(ErrorReason.CIRCUIT_OPEN);
        assertThat(server.requestCount("/customers/c1")).isEqualTo(3);
    }

    @Test
    void onlyFailuresInARowOpenTheBreaker() throws Exception {
        server.reply(
                "/customers/c1",
                Reply.status(500),
                Reply.status(500),
                Reply.json(200, "{}"),
                Reply.status(500),
                Reply.status(500),
                Reply.status(404));
        HttpEnricher<String> enricher = open(customers().circuitBreaker(3, OPEN_WAIT).build());

        for (int i = 0; i < 6; i++) {
            enricher.call("c1", "k")
                    .toCompletableFuture()
                    .handle((r, e) -> r)
                    .get(10, TimeUnit.SECONDS);
        }

        assertThat(enricher.breakerState()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(server.requestCount("/customers/c1")).isEqualTo(6);
    }

    @Test
    void rejectedRequestsDoNotOpenTheBreaker() throws Exception {
        server.reply("/customers/c1", Reply.status(400));
        HttpEnricher<String> enricher = open(customers().circuitBreaker(2, OPEN_WAIT).build());

        for (int i = 0; i < 4; i++) {
            assertThat(failure(enricher.call("c1", "k")).reason())
                    .isEqualTo(ErrorReason.SERVICE_REJECTED);
        }
        assertThat(enricher.breakerState()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(server.requestCount("/customers/c1")).isEqualTo(4);
    }

    @Test
    void rateLimiterRejectsCallsBeyondItsPermitsWithoutRequests() throws Exception {
        server.reply("/customers/c1", Reply.json(200, "{}"));
        HttpEnricher<String> enricher = open(customers().rateLimit(3, Duration.ofHours(1)).build());

        for (int i = 0; i < 3; i++) {
            assertThat(await(enricher.call("c1", "k")).found()).isTrue();
        }
        HttpCallException limited = failure(enricher.call("c1", "k"));

        assertThat(limited.reason()).isEqualTo(ErrorReason.RATE_LIMITED);
        assertThat(limited.reason().isTransient()).isTrue();
        assertThat(limited.httpStatus()).isEqualTo(HttpCallException.NO_RESPONSE);
        assertThat(server.requestCount("/customers/c1")).isEqualTo(3);
    }

    @Test
    void aRateLimitedProbeLeavesTheProbeToTheNextCall() throws Exception {
        server.reply("/customers/c1", Reply.status(500), Reply.status(500), Reply.json(200, "{}"));
        HttpEnricher<String> enricher =
                open(
                        customers()
                                .circuitBreaker(2, OPEN_WAIT)
                                .rateLimit(2, Duration.ofHours(1))
                                .build());
        failure(enricher.call("c1", "k"));
        failure(enricher.call("c1", "k"));
        clock.advance(OPEN_WAIT.plusMillis(1));

        assertThat(failure(enricher.call("c1", "k")).reason()).isEqualTo(ErrorReason.RATE_LIMITED);
        assertThat(enricher.breakerState()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
        assertThat(failure(enricher.call("c1", "k")).reason()).isEqualTo(ErrorReason.RATE_LIMITED);
        assertThat(server.requestCount("/customers/c1")).isEqualTo(2);
    }

    @Test
    void bothAreOffByDefault() throws Exception {
        server.reply("/customers/c1", Reply.status(500));
        HttpEnricher<String> enricher = open(customers().build());

        for (int i = 0; i < 20; i++) {
            assertThat(failure(enricher.call("c1", "k")).reason())
                    .isEqualTo(ErrorReason.SERVICE_UNAVAILABLE);
        }
        assertThat(enricher.breakerState()).isNull();
        assertThat(server.requestCount("/customers/c1")).isEqualTo(20);
    }

    @Test
    void settingsSurviveSerialization() throws Exception {
        server.reply("/customers/c1", Reply.json(200, "{}"));
        HttpEnricher<String> copy =
                InstantiationUtil.clone(
                        customers()
                                .circuitBreaker(2, OPEN_WAIT)
                                .rateLimit(1, Duration.ofHours(1))
                                .build());
        open(copy);

        assertThat(await(copy.call("c1", "k")).found()).isTrue();
        assertThat(copy.breakerState()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(failure(copy.call("c1", "k")).reason()).isEqualTo(ErrorReason.RATE_LIMITED);
    }

    @Test
    void builderChecksArgumentsAtOnce() {
        assertThatThrownBy(() -> customers().circuitBreaker(0, OPEN_WAIT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("consecutiveFailures");
        assertThatThrownBy(() -> customers().circuitBreaker(3, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("openWait");
        assertThatThrownBy(() -> customers().rateLimit(0, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("permits");
        assertThatThrownBy(() -> customers().rateLimit(1, Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("period");
    }

    private HttpEnricher.Builder<String> customers() {
        return HttpEnricher.<String>builder()
                .url(server.url("/customers/{id}"))
                .variables(id -> Map.of("id", id))
                .callTimeout(Duration.ofSeconds(5));
    }

    private <T> HttpEnricher<T> open(HttpEnricher<T> enricher) {
        enricher.breakerClock(clock);
        enricher.open();
        opened.add(enricher);
        return enricher;
    }

    private static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static HttpCallException failure(CompletionStage<?> stage) throws Exception {
        try {
            Object value = await(stage);
            throw new AssertionError("expected a failure, got " + value);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(HttpCallException.class);
            return (HttpCallException) e.getCause();
        }
    }

    /** A clock that stands still until the test moves it. */
    private static final class MovableClock extends Clock {
        private volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
