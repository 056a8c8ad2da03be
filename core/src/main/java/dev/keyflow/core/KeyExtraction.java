package dev.keyflow.core;

import dev.keyflow.core.internal.KeyExtractionFunction;
import java.util.Objects;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

/**
 * Wires key extraction onto a stream of raw records.
 *
 * <pre>{@code
 * SingleOutputStreamOperator<Envelope> envelopes =
 *         KeyExtraction.extractKeys(rawRecords, KeyExtractors.kafkaKey());
 * DataStream<ErrorRecord> errors = envelopes.getSideOutput(KeyflowOutputs.ERRORS);
 * }</pre>
 *
 * <p>Guarantees: every input record yields exactly one {@link Envelope} or exactly one {@link
 * ErrorRecord} on {@link KeyflowOutputs#ERRORS} (stage {@code KEY_EXTRACTION}); nothing is dropped
 * and no bad record fails the job. A record without a value is {@code MALFORMED_INPUT}. An
 * envelope's event time is the one the extractor found in the payload, else the record's timestamp
 * as assigned by the watermark strategy (by default the Kafka timestamp). When the extractor
 * provides event times, assign watermarks on the envelopes ({@code Envelope::eventTime}) rather
 * than on the raw records.
 *
 * <p>Error counts are reported as the metric {@code keyflow.errors} with labels {@code stage} and
 * {@code reason}; extracted envelopes as {@code keyflow.envelopes}.
 */
public final class KeyExtraction {

    /** The uid given to the operator unless another is asked for. */
    public static final String DEFAULT_UID = "keyflow-key-extraction";

    private KeyExtraction() {}

    /** Extracts keys with the operator uid {@value #DEFAULT_UID}. */
    public static SingleOutputStreamOperator<Envelope> extractKeys(
            DataStream<RawRecord> input, KeyExtractor extractor) {
        return extractKeys(input, extractor, DEFAULT_UID);
    }

    /** Extracts keys; {@code uid} must be stable across versions of the job (savepoints). */
    public static SingleOutputStreamOperator<Envelope> extractKeys(
            DataStream<RawRecord> input, KeyExtractor extractor, String uid) {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(extractor, "extractor");
        Objects.requireNonNull(uid, "uid");
        return input.process(new KeyExtractionFunction(extractor), KeyflowTypes.ENVELOPE)
                .uid(uid)
                .name("key extraction");
    }
}
