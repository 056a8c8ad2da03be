package dev.keyflow.core.internal.async;

import dev.keyflow.core.async.KeyedAsyncFunction;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.StreamOperatorParameters;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;

/** The keyed async operator on one keyed input. */
public final class KeyedAsyncOperator<K, IN, OUT> extends AbstractKeyedAsyncOperator<K, IN, OUT>
        implements OneInputStreamOperator<IN, OUT>, BoundedOneInput {

    private static final long serialVersionUID = 1L;

    public KeyedAsyncOperator(
            StreamOperatorParameters<OUT> parameters,
            KeyedAsyncFunction<K, IN, ?, ?, OUT> function,
            AsyncSettings<IN> settings) {
        super(parameters, function, settings);
    }

    @Override
    public void processElement(StreamRecord<IN> record) throws Exception {
        processInput(record);
    }

    @Override
    public void processWatermarkStatus(WatermarkStatus status) throws Exception {
        processStatus(status);
    }

    @Override
    public void endInput() throws Exception {
        awaitAllPending();
    }
}
