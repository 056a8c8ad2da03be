package dev.keyflow.enrichment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyflow.core.ErrorReason;
import dev.keyflow.core.ErrorRecord;
import dev.keyflow.core.ErrorStage;
import dev.keyflow.core.KeyflowOutputs;
import dev.keyflow.core.async.KeyedAsync;
import dev.keyflow.core.async.RetryPolicy;
import dev.keyflow.core.testutils.Await;
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
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WebhookActionTest {

    private static final Duration RETRY_DELAY = Duration.ofMillis(10);
    private static final String HOOK = "/hooks/orders";

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
    void deliversOnceAsJsonWithAnIdempotencyKey() throws Exception {
        server.reply(HOOK, Reply.status(204));

        try (var harness = harness(RetryPolicy.fixedDelay(3, RETRY_DELAY))) {
            harness.open();
            harness.processElement("o1", 10L);
            runUntil(harness, () -> !harness.extractOutputValues().isEmpty());

            assertThat(harness.extractOutputValues()).containsExactly("o1");
            assertThat(errors(harness)).isEmpty();
            List<TestHttpServer.Recorded> requests = server.requests(HOOK);
            assertThat(requests).hasSize(1);
            TestHttpServer.Recorded request = requests.get(0);
            assertThat(request.method()).isEqualTo("POST");
            assertThat(request.body()).isEqualTo("{\"order\":\"o1\"}");
            assertThat(request.header("Content-Type")).startsWith("application/json");
            assertThat(request.header("X-Source")).isEqualTo("keyflow");
            assertThat(request.header("Idempotency-Key")).isNotBlank();
        }
    }

    @Test
    void transientFailuresAreRetriedWithTheSameIdempotencyKey() throws Exception {
        server.reply(HOOK, Reply.status(500), Reply.status(500), Reply.status(200));

        try (var harness = harness(RetryPolicy.fixedDelay(5, RETRY_DELAY))) {
            harness.open();
            harness.processElement("o1", 10L);
            runUntil(harness, () -> !harness.extractOutputValues().isEmpty());

            assertThat(harness.extractOutputValues()).containsExactly("o1");
            assertThat(errors(harness)).isEmpty();
            List<TestHttpServer.Recorded> requests = server.requests(HOOK);
            assertThat(requests).hasSize(3);
            assertThat(requests)
                    .extracting(r -> r.header("Idempotency-Key"))
                    .doesNotContainNull()
                    .containsOnly(requests.get(0).header("Idempotency-Key"));
            assertThat(requests)
                    .extracting(TestHttpServer.Recorded::body)
                    .containsOnly("{\"order\":\"o1\"}");
        }
    }

    @Test
    void rejectedRequestIsNotRetriedAndBecomesAnActionError() throws Exception {
        server.reply(HOOK, Reply.status(400));

        try (var harness = harness(RetryPolicy.fixedDelay(5, RETRY_DELAY))) {
            harness.open();
            harness.processElement("o1", 10L);
            runUntil(harness, () -> !errors(harness).isEmpty());

            ErrorRecord error = errors(harness).get(0);
            assertThat(error.stage()).isEqualTo(ErrorStage.ACTION);
            assertThat(error.reason()).isEqualTo(ErrorReason.SERVICE_REJECTED);
            assertThat(error.isTransient()).isFalse();
            assertThat(error.key()).isEqualTo("o1");
            assertThat(harness.extractOutputValues()).isEmpty();
            assertThat(server.requestCount(HOOK)).isEqualTo(1);
        }
    }

    @Test
    void exhaustedRetriesBecomeATransientActionError() throws Exception {
        server.reply(HOOK, Reply.status(503));

        try (var harness = harness(RetryPolicy.fixedDelay(3, RETRY_DELAY))) {
            harness.open();
            harness.processElement("o1", 10L);
            runUntil(harness, () -> !errors(harness).isEmpty());

            ErrorRecord error = errors(harness).get(0);
            assertThat(error.stage()).isEqualTo(ErrorStage.ACTION);
            assertThat(error.reason()).isEqualTo(ErrorReason.SERVICE_UNAVAILABLE);
            assertThat(error.isTransient()).isTrue();
            assertThat(error.attempt()).isEqualTo(3);
            assertThat(harness.extractOutputValues()).isEmpty();
            assertThat(server.requestCount(HOOK)).isEqualTo(3);
        }
    }

    @Test
    void requestInFlightAtSnapshotIsSentAgainAfterRestoreWithTheSameKey() throws Exception {
        // The first request is never answered; the one after the restore is.
        server.reply(HOOK, Reply.hang(), Reply.status(200));
        OperatorSubtaskState snapshot;
        try (var harness = harness(RetryPolicy.none())) {
            harness.open();
            harness.processElement("o1", 10L);
            Await.until(() -> server.requestCount(HOOK) == 1, "the first request arrived");
            snapshot = harness.snapshot(1L, 1L);
            assertThat(harness.extractOutputValues()).isEmpty();
        }

        try (var restored = harness(RetryPolicy.none())) {
            restored.initializeState(snapshot);
            restored.open();
            runUntil(restored, () -> !restored.extractOutputValues().isEmpty());

            assertThat(restored.extractOutputValues()).containsExactly("o1");
            List<TestHttpServer.Recorded> requests = server.requests(HOOK);
            assertThat(requests).hasSize(2);
            assertThat(requests.get(1).header("Idempotency-Key"))
                    .isNotBlank()
                    .isEqualTo(requests.get(0).header("Idempotency-Key"));
            assertThat(requests.get(1).body()).isEqualTo(requests.get(0).body());
        }
    }

    @Test
    void attemptBeyondTheRateLimitMakesNoRequestAndEndsAsARateLimitedError() throws Exception {
        server.reply(HOOK, Reply.status(200));

        try (var harness =
                harness(RetryPolicy.fixedDelay(2, RETRY_DELAY), 1, Duration.ofHours(1))) {
            harness.open();
            harness.processElement("o1", 10L);
            runUntil(harness, () -> !harness.extractOutputValues().isEmpty());
            harness.processElement("o2", 11L);
            runUntil(harness, () -> !errors(harness).isEmpty());

            assertThat(harness.extractOutputValues()).containsExactly("o1");
            ErrorRecord error = errors(harness).get(0);
            assertThat(error.stage()).isEqualTo(ErrorStage.ACTION);
            assertThat(error.reason()).isEqualTo(ErrorReason.RATE_LIMITED);
            assertThat(error.key()).isEqualTo("o2");
            assertThat(error.attempt()).isEqualTo(2);
            assertThat(server.requestCount(HOOK)).isEqualTo(1);
        }
    }

    @Test
    void builderChecksArgumentsAtOnce() {
        var builder = WebhookAction.<String, String>builder();
        assertThatThrownBy(() -> builder.url("ftp://x/y")).hasMessageContaining("http");
        assertThatThrownBy(() -> builder.url("http://x/{id}")).hasMessageContaining("plain");
        assertThatThrownBy(() -> builder.header("Idempotency-Key", "k"))
                .hasMessageContaining("Idempotency-Key");
        assertThatThrownBy(() -> builder.callTimeout(Duration.ZERO))
                .hasMessageContaining("callTimeout");
        assertThatThrownBy(() -> builder.body(null)).hasMessageContaining("body");
        assertThatThrownBy(() -> builder.rateLimit(0, Duration.ofSeconds(1)))
                .hasMessageContaining("permits");
        assertThatThrownBy(() -> WebhookAction.builder().url("http://a/b").build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("body");
        assertThatThrownBy(
                        () ->
                                WebhookAction.<String, String>builder()
                                        .url("http://evil.example/b")
                                        .body(e -> e)
                                        .allowedHosts("hooks.example")
                                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("evil.example");
    }

    private KeyedOneInputStreamOperatorTestHarness<String, String, String> harness(
            RetryPolicy retry) throws Exception {
        return harness(retry, 0, null);
    }

    private KeyedOneInputStreamOperatorTestHarness<String, String, String> harness(
            RetryPolicy retry, int ratePermits, Duration ratePeriod) throws Exception {
        var builder = WebhookAction.<String, String>builder();
        if (ratePeriod != null) {
            builder.rateLimit(ratePermits, ratePeriod);
        }
        WebhookAction<String, String> action =
                builder.url(server.url(HOOK))
                        .body(order -> Map.of("order", order))
                        .header("X-Source", "keyflow")
                        .callTimeout(Duration.ofSeconds(30))
                        .build();
        KeyedAsync<String, String, String> operator =
                KeyedAsync.builder(action)
                        .outputType(Types.STRING)
                        .uid("webhook")
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
