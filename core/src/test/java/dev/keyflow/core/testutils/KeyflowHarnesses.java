package dev.keyflow.core.testutils;

import dev.keyflow.core.Deduplicator;
import dev.keyflow.core.PauseCommand;
import dev.keyflow.core.PauseGate;
import dev.keyflow.core.Resequenced;
import dev.keyflow.core.Resequencer;
import dev.keyflow.core.internal.DeduplicatorFunction;
import dev.keyflow.core.internal.PauseGateFunction;
import dev.keyflow.core.internal.ResequencerFunction;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.runtime.operators.testutils.MockEnvironmentBuilder;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;

/**
 * Operator test harnesses for keyflow's keyed operators, with generic types disabled so that a
 * state or record type that would fall back to Kryo fails the test.
 *
 * <pre>{@code
 * try (var harness = KeyflowHarnesses.resequencer(
 *         Resequencer.forEnvelopes().build(), Envelope::key, Types.STRING, KeyflowTypes.ENVELOPE)) {
 *     harness.open();
 *     harness.processElement(envelope, envelope.eventTime());
 *     harness.processWatermark(10_000);
 *     assertThat(harness.extractOutputValues()).containsExactly(envelope);
 * }
 * }</pre>
 *
 * The harnesses are returned unopened: call {@code open()}, or {@code initializeState(snapshot)}
 * and then {@code open()} to restore.
 */
public final class KeyflowHarnesses {

    private KeyflowHarnesses() {}

    /** A harness for a resequencer over events keyed by {@code key}. */
    public static <K, T> KeyedOneInputStreamOperatorTestHarness<K, T, T> resequencer(
            Resequencer<T> resequencer,
            KeySelector<T, K> key,
            TypeInformation<K> keyType,
            TypeInformation<T> eventType)
            throws Exception {
        return keyed(ResequencerFunction.plain(resequencer, eventType), key, keyType);
    }

    /** A harness for a resequencer that marks how each event was released. */
    public static <K, T>
            KeyedOneInputStreamOperatorTestHarness<K, T, Resequenced<T>> markedResequencer(
                    Resequencer<T> resequencer,
                    KeySelector<T, K> key,
                    TypeInformation<K> keyType,
                    TypeInformation<T> eventType)
                    throws Exception {
        KeyedOneInputStreamOperatorTestHarness<K, T, Resequenced<T>> harness =
                keyed(ResequencerFunction.marked(resequencer, eventType), key, keyType);
        return withOutputType(harness, Resequenced.typeInfo(eventType));
    }

    /** A harness for a deduplicator over events keyed by {@code key}. */
    public static <K, T> KeyedOneInputStreamOperatorTestHarness<K, T, T> deduplicator(
            Deduplicator<T> deduplicator, KeySelector<T, K> key, TypeInformation<K> keyType)
            throws Exception {
        return keyed(new DeduplicatorFunction<>(deduplicator), key, keyType);
    }

    /**
     * A harness for a pause gate: input 1 takes the events (keyed by {@code key}), input 2 the
     * commands.
     */
    public static <T> KeyedTwoInputStreamOperatorTestHarness<String, T, PauseCommand, T> pauseGate(
            PauseGate<T> gate, KeySelector<T, String> key, TypeInformation<T> eventType)
            throws Exception {
        return keyed(
                new PauseGateFunction<>(gate, eventType), key, PauseCommand::key, Types.STRING);
    }

    /** A strict harness for any keyed process function. */
    public static <K, IN, OUT> KeyedOneInputStreamOperatorTestHarness<K, IN, OUT> keyed(
            KeyedProcessFunction<K, IN, OUT> function,
            KeySelector<IN, K> key,
            TypeInformation<K> keyType)
            throws Exception {
        KeyedOneInputStreamOperatorTestHarness<K, IN, OUT> harness =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(function), key, keyType);
        strict(harness.getExecutionConfig());
        return harness;
    }

    /**
     * A strict harness for any keyed process function whose metrics land in {@code metrics}. Use a
     * new recorder for each harness; closing the harness closes its environment.
     */
    public static <K, IN, OUT> KeyedOneInputStreamOperatorTestHarness<K, IN, OUT> keyed(
            KeyedProcessFunction<K, IN, OUT> function,
            KeySelector<IN, K> key,
            TypeInformation<K> keyType,
            MetricRecorder metrics)
            throws Exception {
        MockEnvironment environment =
                new MockEnvironmentBuilder()
                        .setTaskName("keyed-harness")
                        .setMaxParallelism(1)
                        .setMetricGroup(metrics.taskGroup())
                        .build();
        KeyedOneInputStreamOperatorTestHarness<K, IN, OUT> harness =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(function), key, keyType, environment) {
                    @Override
                    public void close() throws Exception {
                        try {
                            super.close();
                        } finally {
                            environment.close();
                        }
                    }
                };
        strict(harness.getExecutionConfig());
        return harness;
    }

    /** A strict harness for any keyed co-process function. */
    public static <K, IN1, IN2, OUT> KeyedTwoInputStreamOperatorTestHarness<K, IN1, IN2, OUT> keyed(
            KeyedCoProcessFunction<K, IN1, IN2, OUT> function,
            KeySelector<IN1, K> key1,
            KeySelector<IN2, K> key2,
            TypeInformation<K> keyType)
            throws Exception {
        KeyedTwoInputStreamOperatorTestHarness<K, IN1, IN2, OUT> harness =
                new KeyedTwoInputStreamOperatorTestHarness<>(
                        new KeyedCoProcessOperator<>(function), key1, key2, keyType);
        strict(harness.getExecutionConfig());
        return harness;
    }

    /**
     * Sets the harness up with the serializer of {@code outputType}; needed when the output type is
     * generic (such as {@code Resequenced<T>}), since the harness otherwise guesses it from the
     * first record. Call it before {@code open()} or {@code initializeState}.
     */
    public static <H extends AbstractStreamOperatorTestHarness<OUT>, OUT> H withOutputType(
            H harness, TypeInformation<OUT> outputType) {
        harness.setup(
                outputType.createSerializer(harness.getExecutionConfig().getSerializerConfig()));
        return harness;
    }

    private static void strict(ExecutionConfig config) {
        config.getSerializerConfig()
                .configure(
                        FlinkTestEnvironments.strictConfiguration(),
                        KeyflowHarnesses.class.getClassLoader());
    }
}
