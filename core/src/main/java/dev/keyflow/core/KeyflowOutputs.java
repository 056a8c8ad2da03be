package dev.keyflow.core;

import org.apache.flink.util.OutputTag;

/**
 * The side outputs keyflow operators write to.
 *
 * <pre>{@code
 * SingleOutputStreamOperator<Envelope> envelopes = KeyExtraction.extractKeys(raw, extractor);
 * DataStream<ErrorRecord> errors = envelopes.getSideOutput(KeyflowOutputs.ERRORS);
 * }</pre>
 */
public final class KeyflowOutputs {

    /** The one side output for failures of every keyflow operator. */
    public static final OutputTag<ErrorRecord> ERRORS =
            new OutputTag<>("keyflow-errors", KeyflowTypes.ERROR_RECORD);

    private KeyflowOutputs() {}
}
