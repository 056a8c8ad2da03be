package dev.keyflow.core.testutils;

import dev.keyflow.core.async.KeyedAsync;
import java.util.Optional;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.runtime.operators.testutils.MockEnvironmentBuilder;
import org.apache.flink.streaming.runtime.tasks.mailbox.Mail;
import org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailbox;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;

/**
 * Operator test harnesses for {@link KeyedAsync}, and the mailbox pump they need: async results
 * come back as mails, which a harness does not run by itself.
 *
 * <pre>{@code
 * var harness = KeyedAsyncHarness.create(keyedAsync, e -> e.key(), Types.STRING, inputType);
 * harness.open();
 * harness.processElement(element, 10L);
 * calls.complete("a:1", "ok");
 * KeyedAsyncHarness.runMails(harness);
 * }</pre>
 */
public final class KeyedAsyncHarness {

    /** Max parallelism used by {@link #create}; pass it to key-group routing in rescale tests. */
    public static final int MAX_PARALLELISM = 128;

    private KeyedAsyncHarness() {}

    /** A harness for a single parallel instance. */
    public static <K, IN, OUT> KeyedOneInputStreamOperatorTestHarness<K, IN, OUT> create(
            KeyedAsync<K, IN, OUT> operator,
            KeySelector<IN, K> keys,
            TypeInformation<K> keyType,
            TypeInformation<IN> inputType)
            throws Exception {
        return create(operator, keys, keyType, inputType, 1, 0);
    }

    /** A harness for subtask {@code subtask} of {@code parallelism}. */
    public static <K, IN, OUT> KeyedOneInputStreamOperatorTestHarness<K, IN, OUT> create(
            KeyedAsync<K, IN, OUT> operator,
            KeySelector<IN, K> keys,
            TypeInformation<K> keyType,
            TypeInformation<IN> inputType,
            int parallelism,
            int subtask)
            throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                operator.operatorFactory(inputType),
                keys,
                keyType,
                MAX_PARALLELISM,
                parallelism,
                subtask);
    }

    /**
     * A harness for a single parallel instance whose metrics land in {@code metrics} (use a new
     * recorder for each harness); closing the harness closes its environment.
     */
    public static <K, IN, OUT> OneInputStreamOperatorTestHarness<IN, OUT> create(
            KeyedAsync<K, IN, OUT> operator,
            KeySelector<IN, K> keys,
            TypeInformation<K> keyType,
            TypeInformation<IN> inputType,
            MetricRecorder metrics)
            throws Exception {
        MockEnvironment environment =
                new MockEnvironmentBuilder()
                        .setTaskName("keyed-async-harness")
                        .setMaxParallelism(MAX_PARALLELISM)
                        .setMetricGroup(metrics.taskGroup())
                        .build();
        OneInputStreamOperatorTestHarness<IN, OUT> harness =
                new OneInputStreamOperatorTestHarness<>(
                        operator.operatorFactory(inputType), environment) {
                    @Override
                    public void close() throws Exception {
                        try {
                            super.close();
                        } finally {
                            environment.close();
                        }
                    }
                };
        harness.getStreamConfig().setStatePartitioner(0, keys);
        harness.getStreamConfig()
                .setStateKeySerializer(
                        keyType.createSerializer(
                                harness.getExecutionConfig().getSerializerConfig()));
        harness.getStreamConfig().serializeAllConfigs();
        return harness;
    }

    /**
     * Processing-time timers registered through the operator's processing-time service (the
     * harness's {@code numProcessingTimeTimers()} counts only keyed internal timers).
     */
    public static int activeProcessingTimers(AbstractStreamOperatorTestHarness<?> harness) {
        return harness.getProcessingTimeService().getNumActiveTimers();
    }

    /** Runs every mail that is waiting (async results, retries); returns how many ran. */
    public static int runMails(AbstractStreamOperatorTestHarness<?> harness) throws Exception {
        TaskMailbox mailbox = harness.getTaskMailbox();
        int ran = 0;
        Optional<Mail> mail;
        while ((mail = mailbox.tryTake(TaskMailbox.MIN_PRIORITY)).isPresent()) {
            mail.get().run();
            ran++;
        }
        return ran;
    }

    /**
     * Drives a harness whose function does real async work (for example HTTP calls) until {@code
     * done} holds: advances processing time by {@code step} (firing due retry timers), runs the
     * waiting mails, and, only when no timer is due within the next step, blocks on the mailbox
     * until an async completion arrives. Never blocks while a retry waits on processing time, so a
     * completion that was handled before the wait cannot leave it waiting for ever; bound it with
     * the test's timeout.
     */
    public static void runUntil(
            AbstractStreamOperatorTestHarness<?> harness,
            java.time.Duration step,
            java.util.function.BooleanSupplier done)
            throws Exception {
        long stepMillis = step.toMillis();
        while (true) {
            harness.setProcessingTime(harness.getProcessingTime() + stepMillis);
            runMails(harness);
            if (done.getAsBoolean()) {
                return;
            }
            long horizon = harness.getProcessingTime() + stepMillis;
            boolean timerDue =
                    harness.getProcessingTimeService().getActiveTimerTimestamps().stream()
                            .anyMatch(t -> t <= horizon);
            if (!timerDue) {
                harness.getTaskMailbox().take(TaskMailbox.MIN_PRIORITY).run();
            }
        }
    }
}
