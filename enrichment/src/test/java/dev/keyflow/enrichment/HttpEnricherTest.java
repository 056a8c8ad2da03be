package dev.keyflow.enrichment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyflow.core.ErrorReason;
import dev.keyflow.core.async.ProcessingException;
import dev.keyflow.enrichment.internal.AddressGuard;
import dev.keyflow.enrichment.testutils.TestHttpServer;
import dev.keyflow.enrichment.testutils.TestHttpServer.Reply;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HttpEnricherTest {

    private TestHttpServer server;
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
    void okParsesTheJsonBodyAndSendsHeadersAndIdempotencyKey() throws Exception {
        server.reply("/customers/c1", Reply.json(200, "{\"name\":\"Ada\",\"tier\":2}"));
        HttpEnricher<String> enricher =
                open(customers().header("Accept", "application/json").build());

        EnrichmentResult result = await(enricher.call("c1", "key-1"));

        assertThat(result.status()).isEqualTo(EnrichmentResult.Status.OK);
        assertThat(result.found()).isTrue();
        assertThat(result.httpStatus()).isEqualTo(200);
        assertThat(result.body()).containsEntry("name", "Ada").containsEntry("tier", 2);
        assertThat(result.elapsed()).isPositive();
        TestHttpServer.Recorded request = server.requests("/customers/c1").get(0);
        assertThat(request.method()).isEqualTo("GET");
        assertThat(request.header("Idempotency-Key")).isEqualTo("key-1");
        assertThat(request.header("Accept")).isEqualTo("application/json");
    }

    @Test
    void urlVariablesAreEncoded() throws Exception {
        server.reply("/customers/a%20b%2Fc%3F", Reply.json(200, "{}"));
        HttpEnricher<String> enricher = open(customers().build());

        EnrichmentResult result = await(enricher.call("a b/c?", "k"));

        assertThat(result.found()).isTrue();
        assertThat(server.requestCount("/customers/a%20b%2Fc%3F")).isEqualTo(1);
    }

    @Test
    void notFoundIsAResultNotAFailure() throws Exception {
        server.reply("/customers/c1", Reply.status(404));
        EnrichmentResult result = await(open(customers().build()).call("c1", "k"));

        assertThat(result.status()).isEqualTo(EnrichmentResult.Status.NOT_FOUND);
        assertThat(result.httpStatus()).isEqualTo(404);
        assertThat(result.body()).isEmpty();
    }

    @Test
    void serverErrorIsTransient() throws Exception {
        server.reply("/customers/c1", Reply.status(500));
        HttpCallException failure = failure(open(customers().build()).call("c1", "k"));

        assertThat(failure.reason()).isEqualTo(ErrorReason.SERVICE_UNAVAILABLE);
        assertThat(failure.reason().isTransient()).isTrue();
        assertThat(failure.httpStatus()).isEqualTo(500);
        assertThat(failure.retryAfter()).isEmpty();
    }

    @Test
    void tooManyRequestsIsTransientAndCarriesRetryAfter() throws Exception {
        server.reply("/customers/c1", Reply.status(429).header("Retry-After", "7"));
        HttpCallException failure = failure(open(customers().build()).call("c1", "k"));

        assertThat(failure.reason()).isEqualTo(ErrorReason.SERVICE_UNAVAILABLE);
        assertThat(failure.httpStatus()).isEqualTo(429);
        assertThat(failure.retryAfter()).contains(Duration.ofSeconds(7));
        assertThat(failure.getMessage()).contains("retry after PT7S");
    }

    @Test
    void otherClientErrorsAreRejected() throws Exception {
        server.reply("/customers/c1", Reply.status(400));
        HttpCallException failure = failure(open(customers().build()).call("c1", "k"));

        assertThat(failure.reason()).isEqualTo(ErrorReason.SERVICE_REJECTED);
        assertThat(failure.reason().isTransient()).isFalse();
        assertThat(failure.httpStatus()).isEqualTo(400);
    }

    @Test
    void redirectsAreNotFollowed() throws Exception {
        server.reply("/customers/c1", Reply.status(302).header("Location", server.url("/else")));
        server.reply("/else", Reply.json(200, "{}"));
        HttpCallException failure = failure(open(customers().build()).call("c1", "k"));

        assertThat(failure.reason()).isEqualTo(ErrorReason.SERVICE_REJECTED);
        assertThat(failure.httpStatus()).isEqualTo(302);
        assertThat(failure.getMessage()).contains("not followed");
        assertThat(server.requestCount("/else")).isZero();
    }

    @Test
    void droppedConnectionIsTransientAndNotRetriedByOkHttp() throws Exception {
        server.reply("/customers/c1", Reply.dropConnection());
        HttpCallException failure = failure(open(customers().build()).call("c1", "k"));

        assertThat(failure.reason()).isEqualTo(ErrorReason.SERVICE_UNAVAILABLE);
        assertThat(failure.httpStatus()).isEqualTo(HttpCallException.NO_RESPONSE);
        assertThat(server.requestCount("/customers/c1")).isEqualTo(1);
    }

    @Test
    void refusedConnectionIsTransient() throws Exception {
        String url = server.url("/customers/{id}");
        server.close();
        HttpEnricher<String> enricher =
                open(
                        HttpEnricher.<String>builder()
                                .url(url)
                                .variables(id -> Map.of("id", id))
                                .build());

        HttpCallException failure = failure(enricher.call("c1", "k"));

        assertThat(failure.reason()).isEqualTo(ErrorReason.SERVICE_UNAVAILABLE);
    }

    @Test
    void slowServiceTimesOut() throws Exception {
        server.reply("/customers/c1", Reply.hang());
        HttpEnricher<String> enricher =
                open(customers().callTimeout(Duration.ofMillis(300)).build());

        HttpCallException failure = failure(enricher.call("c1", "k"));

        assertThat(failure.reason()).isEqualTo(ErrorReason.TIMEOUT);
        assertThat(failure.reason().isTransient()).isTrue();
    }

    @Test
    void bodiesOverTheCapFail() throws Exception {
        server.reply("/customers/sized", Reply.bytes(2_000));
        server.reply("/customers/chunked", Reply.bytes(2_000).chunked());
        server.reply("/customers/small", Reply.json(200, "{\"a\":1}").chunked());
        HttpEnricher<String> enricher = open(customers().maxBodyBytes(1_000).build());

        assertThat(failure(enricher.call("sized", "k")).reason())
                .isEqualTo(ErrorReason.LIMIT_EXCEEDED);
        assertThat(failure(enricher.call("chunked", "k")).reason())
                .isEqualTo(ErrorReason.LIMIT_EXCEEDED);
        assertThat(await(enricher.call("small", "k")).body()).containsEntry("a", 1);
    }

    @Test
    void bodyThatIsNotAJsonObjectIsMalformed() throws Exception {
        server.reply("/customers/text", Reply.json(200, "not json"));
        server.reply("/customers/array", Reply.json(200, "[1,2]"));
        HttpEnricher<String> enricher = open(customers().build());

        assertThat(failure(enricher.call("text", "k")).reason())
                .isEqualTo(ErrorReason.MALFORMED_JSON);
        assertThat(failure(enricher.call("array", "k")).reason())
                .isEqualTo(ErrorReason.MALFORMED_JSON);
    }

    @Test
    void onlyHttpAndHttpsUrlsAreAccepted() {
        assertThatThrownBy(() -> HttpEnricher.<String>builder().url("ftp://host/x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("http://");
        assertThatThrownBy(() -> HttpEnricher.<String>builder().url("file:///etc/passwd"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HttpEnricher.<String>builder().url("{scheme}://host/x"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(HttpEnricher.<String>builder().url("HTTPS://host/x").build().url())
                .isEqualTo("HTTPS://host/x");
    }

    @Test
    void hostAllowListIsCheckedAtBuild() {
        assertThatThrownBy(
                        () ->
                                HttpEnricher.<String>builder()
                                        .url("https://evil.example/x")
                                        .allowedHosts("customers.internal")
                                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("evil.example");
        assertThatThrownBy(
                        () -> HttpEnricher.checkUrl("https://evil.example/x", List.of("a.example")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("evil.example");
    }

    @Test
    void templatesThatAreNotPlainHttpUrlsAreRefused() {
        assertThatThrownBy(() -> HttpEnricher.<String>builder().url("http://"))
                .hasMessageContaining("has no host");
        assertThatThrownBy(() -> HttpEnricher.<String>builder().url("https://a b.example/{id}"))
                .hasMessageContaining("space or control character");
        assertThatThrownBy(() -> HttpEnricher.<String>builder().url("https://u:p@a.example/{id}"))
                .hasMessageContaining("credentials");
        assertThatThrownBy(() -> HttpEnricher.<String>builder().url("https://{id}.example/x"))
                .hasMessageContaining("only in the path or the query");
        assertThatThrownBy(() -> HttpEnricher.<String>builder().url("http://{host}:8080/x"))
                .hasMessageContaining("only in the path or the query");
        assertThatThrownBy(() -> HttpEnricher.<String>builder().url("https://a.example:99999/x"))
                .hasMessageContaining("not a valid");
    }

    @Test
    void aValueThatWouldChangeThePathFailsTheElement() throws Exception {
        server.reply("/customers/a..b", Reply.json(200, "{}"));
        server.reply("/search", Reply.json(200, "{}"));
        HttpEnricher<String> byPath =
                open(
                        HttpEnricher.<String>builder()
                                .url(server.url("/customers/{id}"))
                                .variables(id -> Map.of("id", id))
                                .build());
        HttpEnricher<String> byQuery =
                open(
                        HttpEnricher.<String>builder()
                                .url(server.url("/search?q={id}"))
                                .variables(id -> Map.of("id", id))
                                .build());

        for (String value : new String[] {"..", ".", ""}) {
            ProcessingException refused = failureOf(byPath.call(value, "k"));
            assertThat(refused.reason()).isEqualTo(ErrorReason.FIELD_INVALID);
            assertThat(refused.getMessage()).contains("would change the path");
        }
        assertThat(server.requests()).isEmpty();
        assertThat(await(byPath.call("a..b", "k")).found()).isTrue();
        assertThat(await(byQuery.call("..", "k")).found()).isTrue();
    }

    @Test
    void linkLocalAndMetadataAddressesNeedToBeAllowedByName() throws Exception {
        assertThatThrownBy(
                        () ->
                                HttpEnricher.<String>builder()
                                        .url("http://169.254.169.254/latest/meta-data")
                                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("link-local");
        assertThatThrownBy(() -> HttpEnricher.<String>builder().url("http://[fe80::1]/x").build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("link-local");
        assertThat(
                        HttpEnricher.<String>builder()
                                .url("http://169.254.169.254/latest/meta-data")
                                .allowedHosts("169.254.169.254")
                                .build()
                                .allowedHosts())
                .containsExactly("169.254.169.254");

        // A name that resolves to such an address is refused when the call resolves it.
        AddressGuard guard = new AddressGuard(Set.of());
        assertThatThrownBy(() -> guard.lookup("169.254.169.254"))
                .isInstanceOf(UnknownHostException.class)
                .hasMessageContaining("link-local");
        assertThat(guard.lookup("127.0.0.1")).isNotEmpty();
        assertThat(new AddressGuard(Set.of("169.254.169.254")).lookup("169.254.169.254"))
                .isNotEmpty();
    }

    @Test
    void missingUrlVariableFailsTheElement() throws Exception {
        HttpEnricher<String> enricher =
                open(
                        HttpEnricher.<String>builder()
                                .url(server.url("/customers/{id}"))
                                .variables(id -> Map.of())
                                .build());

        assertThat(failureOf(enricher.call("c1", "k")).reason())
                .isEqualTo(ErrorReason.FIELD_INVALID);
        assertThat(server.requests()).isEmpty();
    }

    @Test
    void builderChecksItsArguments() {
        HttpEnricher.Builder<String> builder = HttpEnricher.builder();
        assertThatThrownBy(() -> builder.url(" ")).hasMessageContaining("urlTemplate");
        assertThatThrownBy(() -> builder.callTimeout(Duration.ZERO))
                .hasMessageContaining("callTimeout");
        assertThatThrownBy(() -> builder.maxBodyBytes(0)).hasMessageContaining("maxBodyBytes");
        assertThatThrownBy(() -> builder.maxConcurrentRequests(0))
                .hasMessageContaining("maxConcurrentRequests");
        assertThatThrownBy(() -> builder.header("idempotency-key", "x"))
                .hasMessageContaining("Idempotency-Key");
        assertThatThrownBy(() -> builder.variables(null)).hasMessageContaining("variables");
        assertThatThrownBy(builder::build).hasMessageContaining("url");
        assertThatThrownBy(() -> HttpEnricher.<String>builder().url("http://h/{id}").build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("variables");
    }

    @Test
    void callingBeforeOpenIsAnError() {
        assertThatThrownBy(() -> customers().build().call("c1", "k"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("open()");
    }

    @Test
    void survivesSerialization() throws Exception {
        server.reply("/customers/c1", Reply.json(200, "{\"a\":1}"));
        HttpEnricher<String> copy = open(InstantiationUtil.clone(customers().build()));

        assertThat(await(copy.call("c1", "k")).body()).containsEntry("a", 1);
    }

    private HttpEnricher.Builder<String> customers() {
        return HttpEnricher.<String>builder()
                .url(server.url("/customers/{id}"))
                .variables(id -> Map.of("id", id));
    }

    private <T> HttpEnricher<T> open(HttpEnricher<T> enricher) {
        enricher.open();
        opened.add(enricher);
        return enricher;
    }

    private static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static HttpCallException failure(CompletionStage<?> stage) throws Exception {
        ProcessingException failure = failureOf(stage);
        assertThat(failure).isInstanceOf(HttpCallException.class);
        return (HttpCallException) failure;
    }

    private static ProcessingException failureOf(CompletionStage<?> stage) throws Exception {
        try {
            Object value = await(stage);
            throw new AssertionError("expected a failure, got " + value);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(ProcessingException.class);
            return (ProcessingException) e.getCause();
        }
    }
}
