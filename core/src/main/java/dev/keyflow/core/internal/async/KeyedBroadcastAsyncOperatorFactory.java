package dev.keyflow.core.internal.async;

import dev.keyflow.core.async.KeyedBroadcastAsyncFunction;
import org.apache.flink.streaming.api.operators.AbstractStreamOperatorFactory;
import org.apache.flink.streaming.api.operators.ChainingStrategy;
import org.apache.flink.streaming.api.operators.StreamOperator;
import org.apache.flink.streaming.api.operators.StreamOperatorParameters;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperatorFactory;

/** Creates {@link KeyedBroadcastAsyncOperator}s with the task's mailbox executor. */
public final class KeyedBroadcastAsyncOperatorFactory<K, IN, B, OUT>
        extends AbstractStreamOperatorFactory<OUT>
        implements TwoInputStreamOperatorFactory<IN, B, OUT> {

    private static final long serialVersionUID = 1L;

    private final KeyedBroadcastAsyncFunction<K, IN, B, ?, ?, OUT> function;
    private final AsyncSettings<IN> settings;

    public KeyedBroadcastAsyncOperatorFactory(
            KeyedBroadcastAsyncFunction<K, IN, B, ?, ?, OUT> function, AsyncSettings<IN> settings) {
        this.function = function;
        this.settings = settings;
        this.chainingStrategy = ChainingStrategy.HEAD;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T extends StreamOperator<OUT>> T createStreamOperator(
            StreamOperatorParameters<OUT> parameters) {
        return (T) new KeyedBroadcastAsyncOperator<>(parameters, function, settings);
    }

    @Override
    @SuppressWarnings("rawtypes")
    public Class<? extends StreamOperator> getStreamOperatorClass(ClassLoader classLoader) {
        return KeyedBroadcastAsyncOperator.class;
    }
}
