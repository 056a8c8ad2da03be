package dev.keyflow.core.kafka;

import static dev.keyflow.core.Checks.requireText;

import dev.keyflow.core.KeyflowTypes;
import dev.keyflow.core.RawRecord;
import dev.keyflow.core.internal.RawRecordDeserializer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import javax.annotation.Nullable;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;

/**
 * A Kafka source that emits every record as a {@link RawRecord}: bytes, headers, topic, partition,
 * offset and timestamp, without interpreting anything.
 *
 * <pre>{@code
 * KafkaRawSource source = KafkaRawSource.builder()
 *         .bootstrapServers("localhost:9092")
 *         .topics("orders")
 *         .groupId("orders-pipeline")
 *         .build();
 * DataStream<RawRecord> raw =
 *         source.createStream(env, KeyflowWatermarks.<RawRecord>builder().build());
 * }</pre>
 *
 * <p>Defaults an experienced Flink user would set anyway: {@code isolation.level=read_committed}
 * (Kafka's default reads aborted transactions too), offsets start at the committed group offset or,
 * for a new group, at the earliest record. Offsets are committed to Kafka on checkpoints for
 * monitoring only; Flink restores from its own checkpointed offsets. Deserialization cannot fail,
 * so no poison record can stop the source: parsing happens later, where failures become error
 * records.
 */
public final class KafkaRawSource {

    /** The uid given to the source unless another is asked for. */
    public static final String DEFAULT_UID = "keyflow-kafka-source";

    private final KafkaSource<RawRecord> source;
    private final String uid;
    private final String name;

    private KafkaRawSource(KafkaSource<RawRecord> source, String uid, String name) {
        this.source = source;
        this.uid = uid;
        this.name = name;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The underlying Flink Kafka source, for {@code env.fromSource} wiring of your own. */
    public KafkaSource<RawRecord> kafkaSource() {
        return source;
    }

    /** Adds the source to {@code env} with its uid, a readable name and the given watermarks. */
    public DataStream<RawRecord> createStream(
            StreamExecutionEnvironment env, WatermarkStrategy<RawRecord> watermarks) {
        Objects.requireNonNull(env, "env");
        Objects.requireNonNull(watermarks, "watermarks");
        return env.fromSource(source, watermarks, name, KeyflowTypes.RAW_RECORD).uid(uid);
    }

    /** Builds a {@link KafkaRawSource}. */
    public static final class Builder {
        @Nullable private String bootstrapServers;
        private final List<String> topics = new ArrayList<>();
        @Nullable private String groupId;
        private OffsetsInitializer startingOffsets = committedOrEarliest();
        @Nullable private OffsetsInitializer stoppingOffsets;
        private final Properties properties = new Properties();
        private String uid = DEFAULT_UID;
        private String name = "kafka source";

        private Builder() {
            properties.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        }

        /** The Kafka bootstrap servers, {@code host:port[,host:port...]}. */
        public Builder bootstrapServers(String bootstrapServers) {
            this.bootstrapServers = requireText(bootstrapServers, "bootstrapServers");
            return this;
        }

        /** The topics to read; at least one. */
        public Builder topics(String... topics) {
            Objects.requireNonNull(topics, "topics");
            for (String topic : topics) {
                this.topics.add(requireText(topic, "topics"));
            }
            return this;
        }

        /** The consumer group id (offsets are committed under it for monitoring). */
        public Builder groupId(String groupId) {
            this.groupId = requireText(groupId, "groupId");
            return this;
        }

        /**
         * Where to start when there is no checkpoint; default: committed offsets, else earliest.
         */
        public Builder startingOffsets(OffsetsInitializer startingOffsets) {
            this.startingOffsets = Objects.requireNonNull(startingOffsets, "startingOffsets");
            return this;
        }

        /** Makes the source bounded: it stops at these offsets (for tests, replays, backfills). */
        public Builder bounded(OffsetsInitializer stoppingOffsets) {
            this.stoppingOffsets = Objects.requireNonNull(stoppingOffsets, "stoppingOffsets");
            return this;
        }

        /** Any Kafka consumer or source property; overrides keyflow's defaults. */
        public Builder property(String key, String value) {
            properties.setProperty(requireText(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** The operator's name in the web UI and logs; default {@code kafka source}. */
        public Builder name(String name) {
            this.name = requireText(name, "name");
            return this;
        }

        /** The operator uid; must be stable across versions of the job. */
        public Builder uid(String uid) {
            this.uid = requireText(uid, "uid");
            return this;
        }

        public KafkaRawSource build() {
            if (bootstrapServers == null) {
                throw new IllegalStateException("bootstrapServers must be set");
            }
            if (topics.isEmpty()) {
                throw new IllegalStateException("topics must name at least one topic");
            }
            if (groupId == null) {
                throw new IllegalStateException("groupId must be set");
            }
            KafkaSourceBuilder<RawRecord> builder =
                    KafkaSource.<RawRecord>builder()
                            .setBootstrapServers(bootstrapServers)
                            .setTopics(topics)
                            .setGroupId(groupId)
                            .setStartingOffsets(startingOffsets)
                            .setDeserializer(new RawRecordDeserializer())
                            .setProperties(properties);
            if (stoppingOffsets != null) {
                builder.setBounded(stoppingOffsets);
            }
            return new KafkaRawSource(builder.build(), uid, name);
        }
    }

    @SuppressWarnings("deprecation") // the connector's API still takes OffsetResetStrategy
    private static OffsetsInitializer committedOrEarliest() {
        return OffsetsInitializer.committedOffsets(
                org.apache.kafka.clients.consumer.OffsetResetStrategy.EARLIEST);
    }
}
