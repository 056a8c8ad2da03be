package dev.keyflow.enrichment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyflow.core.ErrorReason;
import dev.keyflow.core.ErrorRecord;
import dev.keyflow.core.ErrorStage;
import dev.keyflow.core.KeyflowOutputs;
import dev.keyflow.core.async.KeyedAsync;
import dev.keyflow.core.async.RetryPolicy;
import dev.keyflow.core.testutils.KeyedAsyncHarness;
import dev.keyflow.enrichment.testutils.TestHttpServer;
import dev.keyflow.enrichment.testutils.TestHttpServer.Reply;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EnrichingFunctionTest {

    private static final Duration RETRY_DELAY = Duration.ofMillis(10);

    private TestHttpServer server;

    @BeforeEach
    void startServer() throws Exception {
        server = TestHttpServer.start();
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    @Test
    void transientFailuresAreRetriedWithTheSameIdempotencyKey() throws Exception {
        server.reply(
                "/customers/c1",
                Reply.status(500),
                Reply.status(500),
                Reply.json(200, "{\"name\":\"Ada\"}"));

        try (var harness = harness(RetryPolicy.fixedDelay(5, RETRY_DELAY))) {
            harness.open();
            harness.processElement("c1", 10L);
            runUntil(harness, () -> !harness.extractOutputValues().isEmpty());

            assertThat(harness.extractOutputValues()).containsExactly("c1:Ada");
            assertThat(errors(harness)).isEmpty();
            List<TestHttpServer.Recorded> requests = server.requests("/customers/c1");
            assertThat(requests).hasSize(3);
            assertThat(requests)
                    .extracting(r -> r.header("Idempotency-Key"))
                    .doesNotContainNull()
                    .containsOnly(requests.get(0).header("Idempotency-Key"));
        }
    }

    @Test
    void notFoundIsHandedToTheCombiner() throws Exception {
        try (var harness = harness(RetryPolicy.fixedDelay(5, RETRY_DELAY))) {
            harness.open();
            harness.processElement("unknown", 10L);
            runUntil(harness, () -> !harness.extractOutputValues().isEmpty());

            assertThat(harness.extractOutputValues()).containsExactly("unknown:not found");
            assertThat(server.requestCount("/customers/unknown")).isEqualTo(1);
        }
    }

    @Test
    void rejectedCallIsNotRetriedAndBecomesAnEnrichmentError() throws Exception {
        server.reply("/customers/c1", Reply.status(400));

        try (var harness = harness(RetryPolicy.fixedDelay(5, RETRY_DELAY))) {
            harness.open();
            harness.processElement("c1", 10L);
            runUntil(harness, () -> !errors(harness).isEmpty());

            ErrorRecord error = errors(harness).get(0);
            assertThat(error.stage()).isEqualTo(ErrorStage.ENRICHMENT);
            assertThat(error.reason()).isEqualTo(ErrorReason.SERVICE_REJECTED);
            assertThat(error.key()).isEqualTo("c1");
            assertThat(harness.extractOutputValues()).isEmpty();
            assertThat(server.requestCount("/customers/c1")).isEqualTo(1);
        }
    }

    @Test
    void exhaustedRetriesBecomeAnEnrichmentError() throws Exception {
        server.reply("/customers/c1", Reply.status(503));

        try (var harness = harness(RetryPolicy.fixedDelay(3, RETRY_DELAY))) {
            harness.open();
            harness.processElement("c1", 10L);
            runUntil(harness, () -> !errors(harness).isEmpty());

            ErrorRecord error = errors(harness).get(0);
            assertThat(error.stage()).isEqualTo(ErrorStage.ENRICHMENT);
            assertThat(error.reason()).isEqualTo(ErrorReason.SERVICE_UNAVAILABLE);
            assertThat(error.attempt()).isEqualTo(3);
            assertThat(server.requestCount("/customers/c1")).isEqualTo(3);
        }
    }

    @Test
    void cacheHitMakesNoCallUntilTheTtlPasses() throws Exception {
        server.reply("/customers/c1", Reply.json(200, "{\"name\":\"Ada\"}"));

        try (var harness = harness(RetryPolicy.none())) {
            harness.setStateTtlProcessingTime(0);
            harness.open();
            enrich(harness, "c1");
            harness.setStateTtlProcessingTime(Duration.ofMinutes(10).toMillis() - 1);
            enrich(harness, "c1");
            harness.setStateTtlProcessingTime(Duration.ofMinutes(10).toMillis());
            enrich(harness, "c1");

            assertThat(harness.extractOutputValues())
                    .containsExactly("c1:Ada", "c1:Ada (cached)", "c1:Ada");
            assertThat(server.requestCount("/customers/c1")).isEqualTo(2);
        }
    }

    @Test
    void elementsOfAKeyShareOneCall() throws Exception {
        server.reply("/customers/c1", Reply.json(200, "{\"name\":\"Ada\"}"));

        try (var harness = harness(RetryPolicy.none())) {
            harness.open();
            harness.processElement("c1", 10L);
            harness.processElement("c1", 11L);
            harness.processElement("c1", 12L);
            runUntil(harness, () -> harness.extractOutputValues().size() == 3);

            // One element per key is in flight; the followers wait for it and hit the cache.
            assertThat(harness.extractOutputValues())
                    .containsExactly("c1:Ada", "c1:Ada (cached)", "c1:Ada (cached)");
            assertThat(server.requestCount("/customers/c1")).isEqualTo(1);
        }
    }

    @Test
    void notFoundIsCachedForItsOwnTtl() throws Exception {
        server.reply("/customers/c1", Reply.json(200, "{\"name\":\"Ada\"}"));

        try (var harness =
                harness(RetryPolicy.none(), b -> b.notFoundTtl(Duration.ofSeconds(30)))) {
            harness.setStateTtlProcessingTime(0);
            harness.open();
            enrich(harness, "c1");
            enrich(harness, "nobody");
            harness.setStateTtlProcessingTime(Duration.ofSeconds(30).toMillis() - 1);
            enrich(harness, "nobody");
            enrich(harness, "c1");
            harness.setStateTtlProcessingTime(Duration.ofSeconds(30).toMillis());
            enrich(harness, "nobody");
            enrich(harness, "c1");

            assertThat(harness.extractOutputValues())
                    .containsExactly(
                            "c1:Ada",
                            "nobody:not found",
                            "nobody:not found (cached)",
                            "c1:Ada (cached)",
                            "nobody:not found",
                            "c1:Ada (cached)");
            assertThat(server.requestCount("/customers/nobody")).isEqualTo(2);
            assertThat(server.requestCount("/customers/c1")).isEqualTo(1);
        }
    }

    @Test
    void failuresAreNotCachedAndZeroTtlsTurnTheCacheOff() throws Exception {
        server.reply("/customers/c1", Reply.status(400), Reply.json(200, "{\"name\":\"Ada\"}"));

        try (var harness =
                harness(
                        RetryPolicy.none(),
                        b -> b.cacheTtl(Duration.ZERO).notFoundTtl(Duration.ZERO))) {
            harness.open();
            harness.processElement("c1", 10L);
            runUntil(harness, () -> !errors(harness).isEmpty());
            enrich(harness, "c1");
            enrich(harness, "c1");
            enrich(harness, "nobody");
            enrich(harness, "nobody");

            assertThat(harness.extractOutputValues())
                    .containsExactly("c1:Ada", "c1:Ada", "nobody:not found", "nobody:not found");
            assertThat(server.requestCount("/customers/c1")).isEqualTo(3);
            assertThat(server.requestCount("/customers/nobody")).isEqualTo(2);
        }
    }

    @Test
    void cacheSurvivesSnapshotAndRestore() throws Exception {
        server.reply("/customers/c1", Reply.json(200, "{\"name\":\"Ada\"}"));
        OperatorSubtaskState snapshot;
        try (var harness = harness(RetryPolicy.none())) {
            harness.setStateTtlProcessingTime(0);
            harness.open();
            enrich(harness, "c1");
            snapshot = harness.snapshot(1L, 1L);
        }

        try (var restored = harness(RetryPolicy.none())) {
            restored.setStateTtlProcessingTime(1);
            restored.initializeState(snapshot);
            restored.open();
            enrich(restored, "c1");

            assertThat(restored.extractOutputValues()).containsExactly("c1:Ada (cached)");
            assertThat(server.requestCount("/customers/c1")).isEqualTo(1);
        }
    }

    @Test
    void openBreakerFailsTheRetriesFastAndTheElementBecomesACircuitOpenError() throws Exception {
        server.reply("/customers/c1", Reply.status(500));

        try (var harness =
                harness(
                        RetryPolicy.fixedDelay(3, RETRY_DELAY),
                        b -> b,
                        b -> b.circuitBreaker(1, Duration.ofHours(1)))) {
            harness.open();
            harness.processElement("c1", 10L);
            // The first attempt's answer (a 500, which opens the breaker) arrives as one mail; the
            // retries then fail at once, so only their timers need to fire.
            harness.getTaskMailbox()
                    .take(org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailbox.MIN_PRIORITY)
                    .run();
            for (int i = 0; i < 10 && errors(harness).isEmpty(); i++) {
                harness.setProcessingTime(harness.getProcessingTime() + RETRY_DELAY.toMillis());
                KeyedAsyncHarness.runMails(harness);
            }

            assertThat(errors(harness)).hasSize(1);
            ErrorRecord error = errors(harness).get(0);
            assertThat(error.stage()).isEqualTo(ErrorStage.ENRICHMENT);
            assertThat(error.reason()).isEqualTo(ErrorReason.CIRCUIT_OPEN);
            assertThat(error.isTransient()).isTrue();
            assertThat(error.attempt()).isEqualTo(3);
            assertThat(server.requestCount("/customers/c1"))
                    .as("only the first attempt")
                    .isEqualTo(1);
        }
    }

    @Test
    void builderChecksTtls() {
        var builder = EnrichingFunction.<String, String, String>builder();
        assertThatThrownBy(() -> builder.cacheTtl(Duration.ofMillis(-1)))
                .hasMessageContaining("cacheTtl");
        assertThatThrownBy(() -> builder.notFoundTtl(Duration.ofNanos(5)))
                .hasMessageContaining("notFoundTtl");
        assertThatThrownBy(() -> builder.cacheTtl(null)).hasMessageContaining("cacheTtl");
    }

    @Test
    void builderRequiresEnricherAndCombiner() {
        assertThatThrownBy(() -> EnrichingFunction.builder().build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("enricher");
        assertThatThrownBy(() -> EnrichingFunction.builder().enricher(null))
                .hasMessageContaining("enricher");
        assertThatThrownBy(() -> EnrichingFunction.builder().combiner(null))
                .hasMessageContaining("combiner");
    }

    private KeyedOneInputStreamOperatorTestHarness<String, String, String> harness(
            RetryPolicy retry) throws Exception {
        return harness(retry, b -> b);
    }

    private KeyedOneInputStreamOperatorTestHarness<String, String, String> harness(
            RetryPolicy retry,
            UnaryOperator<EnrichingFunction.Builder<String, String, String>> options)
            throws Exception {
        return harness(retry, options, b -> b);
    }

    private KeyedOneInputStreamOperatorTestHarness<String, String, String> harness(
            RetryPolicy retry,
            UnaryOperator<EnrichingFunction.Builder<String, String, String>> options,
            UnaryOperator<HttpEnricher.Builder<String>> enricherOptions)
            throws Exception {
        HttpEnricher<String> enricher =
                enricherOptions
                        .apply(
                                HttpEnricher.<String>builder()
                                        .url(server.url("/customers/{id}"))
                                        .variables(id -> Map.of("id", id))
                                        .callTimeout(Duration.ofSeconds(5)))
                        .build();
        EnrichingFunction<String, String, String> function =
                options.apply(EnrichingFunction.<String, String, String>builder())
                        .enricher(enricher)
                        .combiner(
                                (id, result) ->
                                        id
                                                + ":"
                                                + (result.found()
                                                        ? result.body().get("name")
                                                        : "not found")
                                                + (result.cached() ? " (cached)" : ""))
                        .build();
        KeyedAsync<String, String, String> operator =
                KeyedAsync.builder(function)
                        .outputType(Types.STRING)
                        .uid("enrich")
                        .timeout(Duration.ofMinutes(1))
                        .retry(retry)
                        .build();
        return KeyedAsyncHarness.create(operator, id -> id, Types.STRING, Types.STRING);
    }

    private static void runUntil(
            KeyedOneInputStreamOperatorTestHarness<String, String, String> harness,
            BooleanSupplier done)
            throws Exception {
        KeyedAsyncHarness.runUntil(harness, RETRY_DELAY, done);
    }

    /** Processes {@code id} and waits until its output is emitted. */
    private static void enrich(
            KeyedOneInputStreamOperatorTestHarness<String, String, String> harness, String id)
            throws Exception {
        int before = harness.extractOutputValues().size();
        harness.processElement(id, 10L);
        runUntil(harness, () -> harness.extractOutputValues().size() > before);
    }

    private static List<ErrorRecord> errors(
            KeyedOneInputStreamOperatorTestHarness<String, String, String> harness) {
        List<ErrorRecord> errors = new ArrayList<>();
        var side = harness.getSideOutput(KeyflowOutputs.ERRORS);
        if (side != null) {
            for (StreamRecord<ErrorRecord> record : side) {
                errors.add(record.getValue());
            }
        }
        return errors;
    }
}
