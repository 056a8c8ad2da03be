package dev.keyflow.core.internal.async;

import dev.keyflow.core.ErrorRecord;
import dev.keyflow.core.async.KeyedBroadcastAsyncFunction;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.streaming.api.operators.BoundedMultiInput;
import org.apache.flink.streaming.api.operators.StreamOperatorParameters;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;

/**
 * The keyed async operator with a second, broadcast input (for example rule bundles). The broadcast
 * input never holds back event time: its watermarks and idleness are ignored, so a rule topic that
 * rarely changes does not stall the pipeline.
 */
public final class KeyedBroadcastAsyncOperator<K, IN, B, OUT>
        extends AbstractKeyedAsyncOperator<K, IN, OUT>
        implements TwoInputStreamOperator<IN, B, OUT>, BoundedMultiInput {

    private static final long serialVersionUID = 1L;

    private final KeyedBroadcastAsyncFunction<K, IN, B, ?, ?, OUT> broadcastFunction;
    private transient int endedInputs;
    private final transient KeyedBroadcastAsyncFunction.BroadcastContext broadcastContext =
            new KeyedBroadcastAsyncFunction.BroadcastContext() {
                @Override
                public <BK, BV> BroadcastState<BK, BV> broadcastState(
                        MapStateDescriptor<BK, BV> descriptor) throws Exception {
                    return getOperatorStateBackend().getBroadcastState(descriptor);
                }

                @Override
                public void error(ErrorRecord error) {
                    emitError(error);
                }
            };

    public KeyedBroadcastAsyncOperator(
            StreamOperatorParameters<OUT> parameters,
            KeyedBroadcastAsyncFunction<K, IN, B, ?, ?, OUT> function,
            AsyncSettings<IN> settings) {
        super(parameters, function, settings);
        this.broadcastFunction = function;
    }

    @Override
    public void processElement1(StreamRecord<IN> record) throws Exception {
        processInput(record);
    }

    @Override
    public void processElement2(StreamRecord<B> record) throws Exception {
        broadcastFunction.processBroadcast(record.getValue(), broadcastContext);
    }

    @Override
    public void processWatermark1(Watermark mark) throws Exception {
        processWatermark(mark);
    }

    @Override
    public void processWatermark2(Watermark mark) {
        // The broadcast side does not take part in event time.
    }

    @Override
    protected void processWatermarkStatus(WatermarkStatus status, int inputIndex) throws Exception {
        if (inputIndex == 0) {
            processStatus(status);
        }
    }

    /**
     * Waits for pending elements only once both inputs have ended: waiting when the keyed input
     * ends would stop the broadcast input, whose elements the pending ones may be waiting for.
     */
    @Override
    public void endInput(int inputId) throws Exception {
        endedInputs |= inputId;
        if (endedInputs == 3) {
            awaitAllPending();
        }
    }

    @Override
    protected <BK, BV> ReadOnlyBroadcastState<BK, BV> readOnlyBroadcastState(
            MapStateDescriptor<BK, BV> descriptor) throws Exception {
        return getOperatorStateBackend().getBroadcastState(descriptor);
    }
}
