package dev.keyflow.core.internal;

import dev.keyflow.core.Envelope;
import dev.keyflow.core.ErrorOutput;
import dev.keyflow.core.ErrorReason;
import dev.keyflow.core.ErrorRecord;
import dev.keyflow.core.ErrorStage;
import dev.keyflow.core.KeyExtractor;
import dev.keyflow.core.KeyResult;
import dev.keyflow.core.KeyflowOutputs;
import dev.keyflow.core.RawRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Turns raw records into envelopes with a {@link KeyExtractor}; every failure becomes an error
 * record on {@link KeyflowOutputs#ERRORS}, so each input yields exactly one output or one error.
 */
public final class KeyExtractionFunction extends ProcessFunction<RawRecord, Envelope> {

    private static final long serialVersionUID = 1L;

    private final KeyExtractor extractor;
    private transient ErrorOutput errors;
    private transient Counter envelopes;

    public KeyExtractionFunction(KeyExtractor extractor) {
        this.extractor = extractor;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        extractor.open();
        errors = ErrorOutput.create(getRuntimeContext().getMetricGroup());
        envelopes = getRuntimeContext().getMetricGroup().addGroup("keyflow").counter("envelopes");
    }

    @Override
    public void processElement(RawRecord raw, Context ctx, Collector<Envelope> out) {
        KeyResult result;
        try {
            result = extractor.extract(raw);
        } catch (RuntimeException e) {
            result =
                    KeyResult.failure(
                            ErrorReason.PROCESSING_FAILED,
                            "key extractor " + extractor.getClass().getName() + " threw " + e);
        }
        if (result.isSuccess() && raw.value() == null) {
            result = KeyResult.failure(ErrorReason.MALFORMED_INPUT, "the record has no value");
        }
        if (!result.isSuccess()) {
            errors.emit(
                    ErrorRecord.builder(ErrorStage.KEY_EXTRACTION, result.reason())
                            .message(result.message())
                            .fromRaw(raw)
                            .build(),
                    ctx::output);
            return;
        }
        long eventTime = result.eventTime().orElse(timestampOf(raw, ctx));
        envelopes.inc();
        out.collect(
                new Envelope(result.key(), eventTime, raw.value(), raw.headers(), raw.origin()));
    }

    private static long timestampOf(RawRecord raw, Context ctx) {
        Long assigned = ctx.timestamp();
        return assigned != null ? assigned : raw.timestamp();
    }

    @Override
    public void close() throws Exception {
        extractor.close();
    }
}
