package dev.keyflow.core.testutils;

import dev.keyflow.core.ErrorRecord;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import javax.annotation.Nullable;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.runtime.operators.testutils.MockEnvironmentBuilder;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperatorFactory;
import org.apache.flink.streaming.api.operators.SimpleOperatorFactory;
import org.apache.flink.streaming.api.operators.StreamOperatorFactory;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;

/**
 * Operator test harnesses whose metrics land in a {@link MetricRecorder}, for any operator (one or
 * two inputs, keyed or not, built from an operator or a factory), and the error counts a test
 * expects from the error records an operator emitted.
 *
 * <pre>{@code
 * MetricRecorder metrics = new MetricRecorder();
 * try (var harness = MeteredHarnesses.oneInput(new ProcessOperator<>(fn), metrics)) {
 *     harness.open();
 *     harness.processElement(raw, 1L);
 *     assertThat(metrics.errorCounts())
 *             .isEqualTo(MeteredHarnesses.errorCounts(harness.getSideOutput(KeyflowOutputs.ERRORS)));
 * }
 * }</pre>
 */
public final class MeteredHarnesses {

    private MeteredHarnesses() {}

    /** A non-keyed one-input harness. */
    public static <IN, OUT> OneInputStreamOperatorTestHarness<IN, OUT> oneInput(
            OneInputStreamOperator<IN, OUT> operator, MetricRecorder metrics) throws Exception {
        MockEnvironment environment = environment(metrics);
        return new OneInputStreamOperatorTestHarness<>(operator, environment) {
            @Override
            public void close() throws Exception {
                try {
                    super.close();
                } finally {
                    environment.close();
                }
            }
        };
    }

    /** A keyed one-input harness for an operator factory (such as {@code KeyedAsync}'s). */
    public static <K, IN, OUT> OneInputStreamOperatorTestHarness<IN, OUT> keyedOneInput(
            OneInputStreamOperatorFactory<IN, OUT> factory,
            KeySelector<IN, K> keys,
            TypeInformation<K> keyType,
            MetricRecorder metrics)
            throws Exception {
        MockEnvironment environment = environment(metrics);
        return new OneInputStreamOperatorTestHarness<>(factory, environment) {
            {
                config.setStatePartitioner(0, keys);
                config.setStateKeySerializer(
                        keyType.createSerializer(executionConfig.getSerializerConfig()));
                config.serializeAllConfigs();
            }

            @Override
            public void close() throws Exception {
                try {
                    super.close();
                } finally {
                    environment.close();
                }
            }
        };
    }

    /** A keyed two-input harness; {@code keys2} null for a broadcast second input. */
    public static <K, IN1, IN2, OUT> TwoInput<IN1, IN2, OUT> keyedTwoInput(
            TwoInputStreamOperator<IN1, IN2, OUT> operator,
            KeySelector<IN1, K> keys1,
            @Nullable KeySelector<IN2, K> keys2,
            TypeInformation<K> keyType,
            MetricRecorder metrics)
            throws Exception {
        return new TwoInput<>(operator, null, keys1, keys2, keyType, environment(metrics));
    }

    /** A keyed two-input harness for an operator factory; {@code keys2} null for broadcast. */
    public static <K, IN1, IN2, OUT> TwoInput<IN1, IN2, OUT> keyedTwoInput(
            StreamOperatorFactory<OUT> factory,
            KeySelector<IN1, K> keys1,
            @Nullable KeySelector<IN2, K> keys2,
            TypeInformation<K> keyType,
            MetricRecorder metrics)
            throws Exception {
        return new TwoInput<>(null, factory, keys1, keys2, keyType, environment(metrics));
    }

    /**
     * The error counts the records stand for, as {@link MetricRecorder#errorCounts()} names them:
     * {@code STAGE/REASON -> count}. Takes a harness's side output (stream records) or records.
     */
    public static Map<String, Long> errorCounts(@Nullable Collection<?> errors) {
        Map<String, Long> counts = new TreeMap<>();
        if (errors != null) {
            for (Object element : errors) {
                Object value =
                        element instanceof StreamRecord<?> record ? record.getValue() : element;
                ErrorRecord error = (ErrorRecord) value;
                counts.merge(error.stage() + "/" + error.reason(), 1L, Long::sum);
            }
        }
        return counts;
    }

    private static MockEnvironment environment(MetricRecorder metrics) {
        return new MockEnvironmentBuilder()
                .setTaskName("metered-harness")
                .setMaxParallelism(KeyedAsyncHarness.MAX_PARALLELISM)
                .setMetricGroup(metrics.taskGroup())
                .build();
    }

    /**
     * A two-input harness with a metric environment (Flink's own two-input harnesses take none).
     *
     * @param <IN1> first input
     * @param <IN2> second input
     * @param <OUT> output
     */
    public static final class TwoInput<IN1, IN2, OUT>
            extends AbstractStreamOperatorTestHarness<OUT> {

        private final MockEnvironment environment;

        private <K> TwoInput(
                @Nullable TwoInputStreamOperator<IN1, IN2, OUT> operator,
                @Nullable StreamOperatorFactory<OUT> factory,
                KeySelector<IN1, K> keys1,
                @Nullable KeySelector<IN2, K> keys2,
                TypeInformation<K> keyType,
                MockEnvironment environment)
                throws Exception {
            super(operator != null ? SimpleOperatorFactory.of(operator) : factory, environment);
            this.environment = environment;
            config.setStatePartitioner(0, keys1);
            if (keys2 != null) {
                config.setStatePartitioner(1, keys2);
            }
            config.setStateKeySerializer(
                    keyType.createSerializer(executionConfig.getSerializerConfig()));
            config.serializeAllConfigs();
        }

        @SuppressWarnings("unchecked")
        private TwoInputStreamOperator<IN1, IN2, OUT> twoInput() {
            return (TwoInputStreamOperator<IN1, IN2, OUT>) operator;
        }

        public void processElement1(IN1 value, long timestamp) throws Exception {
            StreamRecord<IN1> record = new StreamRecord<>(value, timestamp);
            twoInput().setKeyContextElement1(record);
            twoInput().processElement1(record);
        }

        public void processElement2(IN2 value, long timestamp) throws Exception {
            StreamRecord<IN2> record = new StreamRecord<>(value, timestamp);
            twoInput().setKeyContextElement2(record);
            twoInput().processElement2(record);
        }

        @Override
        public void close() throws Exception {
            try {
                super.close();
            } finally {
                environment.close();
            }
        }
    }
}
