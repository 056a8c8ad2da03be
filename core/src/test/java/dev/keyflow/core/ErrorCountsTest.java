package dev.keyflow.core;

import static dev.keyflow.core.testutils.TestRecords.envelope;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyflow.core.async.ApplyContext;
import dev.keyflow.core.async.AsyncContext;
import dev.keyflow.core.async.AsyncFailure;
import dev.keyflow.core.async.KeyedAsync;
import dev.keyflow.core.async.KeyedAsyncFunction;
import dev.keyflow.core.async.KeyedBroadcastAsyncFunction;
import dev.keyflow.core.async.ProcessingException;
import dev.keyflow.core.async.RetryPolicy;
import dev.keyflow.core.internal.KeyExtractionFunction;
import dev.keyflow.core.internal.PauseCommandParser;
import dev.keyflow.core.internal.PauseGateFunction;
import dev.keyflow.core.testutils.KeyedAsyncHarness;
import dev.keyflow.core.testutils.MeteredHarnesses;
import dev.keyflow.core.testutils.MetricRecorder;
import dev.keyflow.core.testutils.TestRecords;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.junit.jupiter.api.Test;

/**
 * Every error record a core operator emits is counted once, under the stage and reason the record
 * carries: the counters equal the error side output.
 */
class ErrorCountsTest {

    private final MetricRecorder metrics = new MetricRecorder();

    @Test
    void keyExtraction() throws Exception {
        KeyExtractor failing =
                raw -> KeyResult.failure(ErrorReason.KEY_MISSING, "no key in " + raw.topic());
        try (var harness =
                MeteredHarnesses.oneInput(
                        new ProcessOperator<>(new KeyExtractionFunction(failing)), metrics)) {
            harness.open();
            harness.processElement(TestRecords.raw().value("<a/>").build(), 1L);
            harness.processElement(TestRecords.raw().value("<b/>").build(), 2L);

            assertThat(metrics.errorCounts())
                    .isEqualTo(Map.of("KEY_EXTRACTION/KEY_MISSING", 2L))
                    .isEqualTo(
                            MeteredHarnesses.errorCounts(
                                    harness.getSideOutput(KeyflowOutputs.ERRORS)));
        }
    }

    @Test
    void pauseCommandParser() throws Exception {
        try (var harness =
                MeteredHarnesses.oneInput(
                        new ProcessOperator<>(new PauseCommandParser()), metrics)) {
            harness.open();
            harness.processElement(TestRecords.raw().key("a").value("HOLD ON").build(), 1L);

            assertThat(metrics.errorCounts())
                    .isEqualTo(Map.of("PAUSE_GATE/MALFORMED_INPUT", 1L))
                    .isEqualTo(
                            MeteredHarnesses.errorCounts(
                                    harness.getSideOutput(KeyflowOutputs.ERRORS)));
        }
    }

    @Test
    void pauseGateOverflow() throws Exception {
        PauseGateFunction<Envelope> gate =
                new PauseGateFunction<>(
                        PauseGate.forEnvelopes().maxBufferedPerKey(1).build(),
                        KeyflowTypes.ENVELOPE);
        try (var harness =
                MeteredHarnesses.keyedTwoInput(
                        new KeyedCoProcessOperator<>(gate),
                        Envelope::key,
                        PauseCommand::key,
                        Types.STRING,
                        metrics)) {
            harness.open();
            harness.processElement2(PauseCommand.pause("a", 1), 1);
            harness.processElement1(envelope("a", 2, "a1"), 2);
            harness.processElement1(envelope("a", 3, "a2"), 3);

            assertThat(metrics.errorCounts())
                    .isEqualTo(Map.of("PAUSE_GATE/BUFFER_OVERFLOW", 1L))
                    .isEqualTo(
                            MeteredHarnesses.errorCounts(
                                    harness.getSideOutput(KeyflowOutputs.ERRORS)));
        }
    }

    /**
     * The keyed async operator counts what the function emits, under the record's own stage: from
     * apply (several stages), through the generic side output, and from onFailure (here ENRICHMENT,
     * not the operator's PROCESSING).
     */
    @Test
    void keyedAsyncCountsEveryRecordUnderItsOwnStage() throws Exception {
        KeyedAsync<String, Envelope, String> async =
                KeyedAsync.builder(new EmitsErrors())
                        .uid("errors")
                        .outputType(Types.STRING)
                        .retry(RetryPolicy.none())
                        .build();
        try (var harness =
                MeteredHarnesses.keyedOneInput(
                        async.operatorFactory(KeyflowTypes.ENVELOPE),
                        Envelope::key,
                        Types.STRING,
                        metrics)) {
            harness.open();
            harness.processElement(envelope("a", 1, "invalid"), 1);
            harness.processElement(envelope("b", 2, "rejected"), 2);
            harness.processElement(envelope("c", 3, "down"), 3);
            KeyedAsyncHarness.runMails(harness);

            assertThat(metrics.errorCounts())
                    .isEqualTo(
                            Map.of(
                                    "VALIDATION/SCHEMA_VIOLATION", 1L,
                                    "RULES/RULE_VIOLATION", 1L,
                                    "PROCESSING/BUSINESS_REJECTED", 1L,
                                    "ENRICHMENT/SERVICE_UNAVAILABLE", 1L))
                    .isEqualTo(
                            MeteredHarnesses.errorCounts(
                                    harness.getSideOutput(KeyflowOutputs.ERRORS)));
        }
    }

    @Test
    void keyedBroadcastAsyncCountsBroadcastErrors() throws Exception {
        KeyedAsync<String, Envelope, String> async =
                KeyedAsync.builder(new RejectsBroadcasts())
                        .uid("broadcast-errors")
                        .outputType(Types.STRING)
                        .build();
        try (MeteredHarnesses.TwoInput<Envelope, String, String> harness =
                MeteredHarnesses.keyedTwoInput(
                        async.<String>broadcastOperatorFactory(KeyflowTypes.ENVELOPE),
                        Envelope::key,
                        null,
                        Types.STRING,
                        metrics)) {
            harness.open();
            harness.processElement2("not a bundle", 1);

            assertThat(metrics.errorCounts())
                    .isEqualTo(Map.of("RULE_BUNDLE/BUNDLE_REJECTED", 1L))
                    .isEqualTo(
                            MeteredHarnesses.errorCounts(
                                    harness.getSideOutput(KeyflowOutputs.ERRORS)));
        }
    }

    /** Emits errors from apply and fails "down" elements with an enrichment-stage record. */
    static final class EmitsErrors
            extends KeyedAsyncFunction<String, Envelope, Void, String, String> {
        private static final long serialVersionUID = 1L;

        @Override
        public CompletionStage<String> process(Envelope element, Void state, AsyncContext ctx)
                throws ProcessingException {
            String payload = TestRecords.payloadOf(element);
            if (payload.equals("down")) {
                throw new ProcessingException(ErrorReason.SERVICE_UNAVAILABLE, "service down");
            }
            return CompletableFuture.completedFuture(payload);
        }

        @Override
        public void apply(Envelope element, String result, ApplyContext<String, String> ctx) {
            if (result.equals("invalid")) {
                ctx.error(
                        ErrorRecord.builder(ErrorStage.VALIDATION, ErrorReason.SCHEMA_VIOLATION)
                                .fromEnvelope(element)
                                .build());
                ctx.output(
                        KeyflowOutputs.ERRORS,
                        ErrorRecord.builder(ErrorStage.RULES, ErrorReason.RULE_VIOLATION)
                                .fromEnvelope(element)
                                .build());
            } else {
                ctx.error(
                        ErrorRecord.builder(ErrorStage.PROCESSING, ErrorReason.BUSINESS_REJECTED)
                                .fromEnvelope(element)
                                .build());
            }
        }

        @Override
        public void onFailure(
                Envelope element, AsyncFailure failure, ApplyContext<String, String> ctx) {
            ctx.error(
                    ErrorRecord.builder(ErrorStage.ENRICHMENT, failure.reason())
                            .message(failure.message())
                            .fromEnvelope(element)
                            .build());
        }
    }

    /** Rejects every broadcast element with an error record. */
    static final class RejectsBroadcasts
            extends KeyedBroadcastAsyncFunction<String, Envelope, String, Void, String, String> {
        private static final long serialVersionUID = 1L;

        @Override
        public void processBroadcast(String value, BroadcastContext ctx) {
            ctx.error(
                    ErrorRecord.builder(ErrorStage.RULE_BUNDLE, ErrorReason.BUNDLE_REJECTED)
                            .message("rejected " + value)
                            .build());
        }

        @Override
        public CompletionStage<String> process(Envelope element, Void state, AsyncContext ctx) {
            return CompletableFuture.completedFuture("ok");
        }

        @Override
        public void apply(Envelope element, String result, ApplyContext<String, String> ctx) {
            ctx.collect(result);
        }
    }
}
