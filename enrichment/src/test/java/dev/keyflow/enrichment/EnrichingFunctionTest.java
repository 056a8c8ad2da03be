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
import org.apache.flink.api.common.typeinfo.Types;
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
        HttpEnricher<String> enricher =
                HttpEnricher.<String>builder()
                        .url(server.url("/customers/{id}"))
                        .variables(id -> Map.of("id", id))
                        .callTimeout(Duration.ofSeconds(5))
                        .build();
        EnrichingFunction<String, String, String> function =
                EnrichingFunction.<String, String, String>builder()
                        .enricher(enricher)
                        .combiner(
                                (id, result) ->
                                        id
                                                + ":"
                                                + (result.found()
                                                        ? result.body().get("name")
                                                        : "not found"))
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

    /**
     * Drives the harness until {@code done}: fires due retry timers (advancing processing time by
     * the retry delay, far below the attempt timeout), runs waiting mails, and otherwise blocks on
     * the mailbox until the real HTTP call's answer arrives as a mail. The class timeout bounds it.
     */
    private static void runUntil(
            KeyedOneInputStreamOperatorTestHarness<String, String, String> harness,
            BooleanSupplier done)
            throws Exception {
        while (true) {
            harness.setProcessingTime(harness.getProcessingTime() + RETRY_DELAY.toMillis());
            KeyedAsyncHarness.runMails(harness);
            if (done.getAsBoolean()) {
                return;
            }
            harness.getTaskMailbox()
                    .take(org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailbox.MIN_PRIORITY)
                    .run();
        }
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
