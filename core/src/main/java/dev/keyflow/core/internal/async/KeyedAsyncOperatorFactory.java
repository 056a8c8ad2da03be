package dev.keyflow.core.internal.async;

import dev.keyflow.core.async.KeyedAsyncFunction;
import org.apache.flink.streaming.api.operators.AbstractStreamOperatorFactory;
import org.apache.flink.streaming.api.operators.ChainingStrategy;
import org.apache.flink.streaming.api.operators.OneInputStreamOperatorFactory;
import org.apache.flink.streaming.api.operators.StreamOperator;
import org.apache.flink.streaming.api.operators.StreamOperatorParameters;

/** Creates {@link KeyedAsyncOperator}s with the task's mailbox executor. */
public final class KeyedAsyncOperatorFactory<K, IN, OUT> extends AbstractStreamOperatorFactory<OUT>
        implements OneInputStreamOperatorFactory<IN, OUT> {

    private static final long serialVersionUID = 1L;

    private final KeyedAsyncFunction<K, IN, ?, ?, OUT> function;
    private final AsyncSettings<IN> settings;

    public KeyedAsyncOperatorFactory(
            KeyedAsyncFunction<K, IN, ?, ?, OUT> function, AsyncSettings<IN> settings) {
        this.function = function;
        this.settings = settings;
        this.chainingStrategy = ChainingStrategy.ALWAYS;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T extends StreamOperator<OUT>> T createStreamOperator(
            StreamOperatorParameters<OUT> parameters) {
        return (T) new KeyedAsyncOperator<>(parameters, function, settings);
    }

    @Override
    @SuppressWarnings("rawtypes")
    public Class<? extends StreamOperator> getStreamOperatorClass(ClassLoader classLoader) {
        return KeyedAsyncOperator.class;
    }
}
