package dev.keyflow.core.kafka;

import dev.keyflow.core.KeyflowConfigException;
import java.time.Duration;
import java.util.Objects;
import org.apache.flink.streaming.api.environment.CheckpointConfig;

/**
 * The preflight check of an exactly-once Kafka sink: refuses transaction timeouts that can lose
 * data or stop the job at start.
 *
 * <p>A Kafka sink with {@code EXACTLY_ONCE} opens a transaction per checkpoint and commits it when
 * the checkpoint completes. If the transaction times out first, the broker aborts it and its
 * records are lost without an error (the committer only logs). The transaction must therefore
 * outlive the checkpoint interval, the longest checkpoint and a restart. On the other side, a
 * timeout above the broker's {@code transaction.max.timeout.ms} (15 min by default) is refused by
 * the broker when the producer starts.
 *
 * <p>The rule: {@code interval + checkpoint timeout + restart allowance <= transaction timeout <=
 * broker maximum}.
 */
public final class TransactionTimeoutCheck {

    /** The broker default of {@code transaction.max.timeout.ms}. */
    public static final Duration KAFKA_DEFAULT_MAX_TRANSACTION_TIMEOUT = Duration.ofMinutes(15);

    /** Time allowed for a restart after a failure, on top of the longest checkpoint. */
    public static final Duration DEFAULT_RESTART_ALLOWANCE = Duration.ofMinutes(1);

    private TransactionTimeoutCheck() {}

    /**
     * Checks an exactly-once sink called {@code sinkName} against the job's checkpointing.
     *
     * @throws KeyflowConfigException naming the setting to change and a value that works
     */
    public static void check(
            String sinkName,
            Duration transactionTimeout,
            CheckpointConfig checkpoints,
            Duration restartAllowance,
            Duration brokerMaxTransactionTimeout) {
        Objects.requireNonNull(sinkName, "sinkName");
        Objects.requireNonNull(transactionTimeout, "transactionTimeout");
        Objects.requireNonNull(checkpoints, "checkpoints");
        if (!checkpoints.isCheckpointingEnabled()) {
            throw new KeyflowConfigException(
                    "The EXACTLY_ONCE Kafka sink '"
                            + sinkName
                            + "' needs checkpointing: its transactions commit only when a"
                            + " checkpoint completes, so without checkpoints nothing is ever"
                            + " visible to read_committed consumers. Enable checkpointing"
                            + " (execution.checkpointing.interval, e.g. 10 s) before adding the"
                            + " sink, or choose DeliveryGuarantee.AT_LEAST_ONCE.");
        }
        if (transactionTimeout.compareTo(brokerMaxTransactionTimeout) > 0) {
            throw new KeyflowConfigException(
                    "The Kafka sink '"
                            + sinkName
                            + "' asks for transaction.timeout.ms="
                            + transactionTimeout.toMillis()
                            + " ("
                            + transactionTimeout
                            + ") but the broker allows at most "
                            + brokerMaxTransactionTimeout.toMillis()
                            + " ms (transaction.max.timeout.ms) and would refuse the producer at"
                            + " start. Set transactionTimeout(...) to at most "
                            + brokerMaxTransactionTimeout
                            + ", or raise transaction.max.timeout.ms on the brokers and tell the"
                            + " sink with brokerMaxTransactionTimeout(...).");
        }
        Duration interval = Duration.ofMillis(checkpoints.getCheckpointInterval());
        Duration checkpointTimeout = Duration.ofMillis(checkpoints.getCheckpointTimeout());
        Duration required = interval.plus(checkpointTimeout).plus(restartAllowance);
        if (transactionTimeout.compareTo(required) < 0) {
            throw new KeyflowConfigException(
                    "The Kafka sink '"
                            + sinkName
                            + "' has transaction.timeout.ms="
                            + transactionTimeout.toMillis()
                            + " ms, less than checkpoint interval ("
                            + interval.toMillis()
                            + " ms) + checkpoint timeout ("
                            + checkpointTimeout.toMillis()
                            + " ms) + restart allowance ("
                            + restartAllowance.toMillis()
                            + " ms) = "
                            + required.toMillis()
                            + " ms. A transaction that times out before its checkpoint commits"
                            + " is aborted by the broker and its records are lost. Set"
                            + " transactionTimeout(...) to at least "
                            + required
                            + " (and at most the broker's transaction.max.timeout.ms), or lower"
                            + " execution.checkpointing.timeout / the checkpoint interval.");
        }
    }
}
