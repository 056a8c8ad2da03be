package dev.keyflow.core.kafka;

import static dev.keyflow.core.Checks.requireText;

import dev.keyflow.core.Checks;
import java.time.Duration;
import java.util.Objects;
import java.util.Properties;
import javax.annotation.Nullable;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.sink.KafkaSinkBuilder;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamSink;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * A transactional Kafka sink for a pipeline's outputs (the outbox) and, through {@link ErrorSink},
 * for its errors.
 *
 * <pre>{@code
 * OutboxSink<Command> outbox = OutboxSink.<Command>builder()
 *         .bootstrapServers("localhost:9092")
 *         .serializer(commandSerializer)          // a KafkaRecordSerializationSchema<Command>
 *         .jobName("orders")
 *         .name("outbox")
 *         .build();
 * outbox.sinkFrom(commands);                       // after checkpointing is configured
 * }</pre>
 *
 * <p>Delivery: {@code EXACTLY_ONCE} by default. Records are written in a Kafka transaction that
 * commits when the checkpoint completes, so consumers must read with {@code
 * isolation.level=read_committed}; records of a failed attempt are aborted and are never seen by
 * such consumers. Records become visible once per checkpoint, so end-to-end latency is at least the
 * checkpoint interval.
 *
 * <p>Transactional ids: the prefix is derived from the job and sink name ({@link
 * TransactionalIdPrefix}) unless one is given; it must stay the same across restarts and differ
 * between sinks.
 *
 * <p>Preflight: {@link #sinkFrom} refuses to add an exactly-once sink when checkpointing is off or
 * the transaction timeout does not fit the checkpoint settings ({@link TransactionTimeoutCheck});
 * configure checkpointing before calling it.
 */
public final class OutboxSink<T> {

    /** The broker's default maximum, and keyflow's default transaction timeout. */
    public static final Duration DEFAULT_TRANSACTION_TIMEOUT =
            TransactionTimeoutCheck.KAFKA_DEFAULT_MAX_TRANSACTION_TIMEOUT;

    private final KafkaSink<T> sink;
    private final String name;
    private final DeliveryGuarantee guarantee;
    private final Duration transactionTimeout;
    private final Duration restartAllowance;
    private final Duration brokerMaxTransactionTimeout;

    private OutboxSink(
            KafkaSink<T> sink,
            String name,
            DeliveryGuarantee guarantee,
            Duration transactionTimeout,
            Duration restartAllowance,
            Duration brokerMaxTransactionTimeout) {
        this.sink = sink;
        this.name = name;
        this.guarantee = guarantee;
        this.transactionTimeout = transactionTimeout;
        this.restartAllowance = restartAllowance;
        this.brokerMaxTransactionTimeout = brokerMaxTransactionTimeout;
    }

    public static <T> Builder<T> builder() {
        return new Builder<>();
    }

    /** The underlying Flink Kafka sink (no preflight check when used directly). */
    public KafkaSink<T> kafkaSink() {
        return sink;
    }

    public String name() {
        return name;
    }

    /** The operator uid of this sink: {@code keyflow-sink-<name>}. */
    public String uid() {
        return "keyflow-sink-" + name;
    }

    /**
     * Checks the transaction timeout against the stream's checkpoint configuration, then adds the
     * sink with its uid and name.
     *
     * @throws dev.keyflow.core.KeyflowConfigException if the settings could lose data
     */
    public DataStreamSink<T> sinkFrom(DataStream<T> stream) {
        Objects.requireNonNull(stream, "stream");
        if (guarantee == DeliveryGuarantee.EXACTLY_ONCE) {
            TransactionTimeoutCheck.check(
                    name,
                    transactionTimeout,
                    stream.getExecutionEnvironment().getCheckpointConfig(),
                    restartAllowance,
                    brokerMaxTransactionTimeout);
        }
        return stream.sinkTo(sink).uid(uid()).name(name + " (kafka " + guarantee + ")");
    }

    /** Builds an {@link OutboxSink}. */
    public static final class Builder<T> {
        @Nullable private String bootstrapServers;
        @Nullable private KafkaRecordSerializationSchema<T> serializer;
        @Nullable private String jobName;
        private String name = "outbox";
        @Nullable private String transactionalIdPrefix;
        private DeliveryGuarantee guarantee = DeliveryGuarantee.EXACTLY_ONCE;
        private Duration transactionTimeout = DEFAULT_TRANSACTION_TIMEOUT;
        private Duration restartAllowance = TransactionTimeoutCheck.DEFAULT_RESTART_ALLOWANCE;
        private Duration brokerMaxTransactionTimeout =
                TransactionTimeoutCheck.KAFKA_DEFAULT_MAX_TRANSACTION_TIMEOUT;
        private final Properties properties = new Properties();

        private Builder() {}

        /** The Kafka bootstrap servers, {@code host:port[,host:port...]}. */
        public Builder<T> bootstrapServers(String bootstrapServers) {
            this.bootstrapServers = requireText(bootstrapServers, "bootstrapServers");
            return this;
        }

        /** Turns an element into a Kafka record (topic, key, value, headers). */
        public Builder<T> serializer(KafkaRecordSerializationSchema<T> serializer) {
            this.serializer = Objects.requireNonNull(serializer, "serializer");
            return this;
        }

        /** The job's name; with {@link #name} it makes the transactional id prefix. */
        public Builder<T> jobName(String jobName) {
            this.jobName = requireText(jobName, "jobName");
            return this;
        }

        /** The sink's name (default {@code outbox}); part of its uid and transactional ids. */
        public Builder<T> name(String name) {
            this.name = requireText(name, "name");
            return this;
        }

        /** An explicit transactional id prefix instead of the derived one. */
        public Builder<T> transactionalIdPrefix(String prefix) {
            this.transactionalIdPrefix = requireText(prefix, "transactionalIdPrefix");
            return this;
        }

        /** Default {@code EXACTLY_ONCE}. */
        public Builder<T> deliveryGuarantee(DeliveryGuarantee guarantee) {
            this.guarantee = Objects.requireNonNull(guarantee, "guarantee");
            return this;
        }

        /** The producer's {@code transaction.timeout.ms}; default 15 min (the broker maximum). */
        public Builder<T> transactionTimeout(Duration timeout) {
            this.transactionTimeout = Checks.requirePositive(timeout, "transactionTimeout");
            return this;
        }

        /** Time allowed for a restart on top of the longest checkpoint; default 1 min. */
        public Builder<T> restartAllowance(Duration allowance) {
            Objects.requireNonNull(allowance, "restartAllowance");
            if (allowance.isNegative()) {
                throw new IllegalArgumentException(
                        "restartAllowance must not be negative, was " + allowance);
            }
            this.restartAllowance = allowance;
            return this;
        }

        /** The brokers' {@code transaction.max.timeout.ms} if it is not the default 15 min. */
        public Builder<T> brokerMaxTransactionTimeout(Duration max) {
            this.brokerMaxTransactionTimeout =
                    Checks.requirePositive(max, "brokerMaxTransactionTimeout");
            return this;
        }

        /** Any Kafka producer property. */
        public Builder<T> producerProperty(String key, String value) {
            properties.setProperty(requireText(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        public OutboxSink<T> build() {
            if (bootstrapServers == null) {
                throw new IllegalStateException("bootstrapServers must be set");
            }
            if (serializer == null) {
                throw new IllegalStateException("serializer must be set");
            }
            KafkaSinkBuilder<T> builder =
                    KafkaSink.<T>builder()
                            .setBootstrapServers(bootstrapServers)
                            .setRecordSerializer(serializer)
                            .setDeliveryGuarantee(guarantee)
                            .setKafkaProducerConfig(properties);
            if (guarantee == DeliveryGuarantee.EXACTLY_ONCE) {
                String prefix = transactionalIdPrefix;
                if (prefix == null) {
                    if (jobName == null) {
                        throw new IllegalStateException(
                                "an EXACTLY_ONCE sink needs jobName (to derive its transactional"
                                        + " id prefix) or an explicit transactionalIdPrefix");
                    }
                    prefix = TransactionalIdPrefix.of(jobName, name);
                }
                builder.setTransactionalIdPrefix(prefix)
                        .setProperty(
                                ProducerConfig.TRANSACTION_TIMEOUT_CONFIG,
                                Long.toString(transactionTimeout.toMillis()));
            }
            return new OutboxSink<>(
                    builder.build(),
                    name,
                    guarantee,
                    transactionTimeout,
                    restartAllowance,
                    brokerMaxTransactionTimeout);
        }
    }
}
