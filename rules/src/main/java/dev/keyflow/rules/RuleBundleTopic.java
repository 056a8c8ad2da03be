package dev.keyflow.rules;

import dev.keyflow.core.RawRecord;
import dev.keyflow.core.kafka.KafkaRawSource;
import java.util.Objects;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.Collector;

/**
 * Reads rule bundle documents from a compacted Kafka topic (one record per bundle version, the
 * value a JSON or YAML {@link BundleFormat} document), ready for {@link
 * RuleBundleProcessing#applyTo}.
 *
 * <pre>{@code
 * DataStream<byte[]> bundles = RuleBundleTopic.documents(
 *         env, RuleBundleTopic.source("broker:9092", "orders.rules", "orders-pipeline"));
 * processing.applyTo(orders.keyBy(Order::id), bundles);
 * }</pre>
 *
 * <p>The topic is read from its beginning on a fresh start, so every subtask sees the latest record
 * of every bundle and its registry activates the same version; after a restore the source continues
 * from its checkpointed offsets and the active version comes from the operator's broadcast state.
 * Tombstones (null values) carry no document and are skipped. The stream never holds back event
 * time: it emits an end-of-time watermark, so a rule topic that rarely changes does not stall the
 * events it is connected to.
 */
public final class RuleBundleTopic {

    private RuleBundleTopic() {}

    /** A source over {@code topic} that starts at the earliest offset (read_committed). */
    public static KafkaRawSource source(String bootstrapServers, String topic, String groupId) {
        return KafkaRawSource.builder()
                .bootstrapServers(bootstrapServers)
                .topics(topic)
                .groupId(groupId)
                .startingOffsets(OffsetsInitializer.earliest())
                .uid("keyflow-rule-bundle-source")
                .build();
    }

    /** The bundle documents of {@code source}, with end-of-time watermarks. */
    public static DataStream<byte[]> documents(
            StreamExecutionEnvironment env, KafkaRawSource source) {
        Objects.requireNonNull(env, "env");
        Objects.requireNonNull(source, "source");
        return source.createStream(env, WatermarkStrategy.forGenerator(ctx -> new EndOfTime()))
                .flatMap(new Values(), RuleBundleProcessing.documentType())
                .uid("keyflow-rule-bundle-documents")
                .name("rule bundle documents");
    }

    /** The record value; a tombstone has none and yields nothing. */
    private static final class Values implements FlatMapFunction<RawRecord, byte[]> {
        private static final long serialVersionUID = 1L;

        @Override
        public void flatMap(RawRecord record, Collector<byte[]> out) {
            if (record.value() != null) {
                out.collect(record.value());
            }
        }
    }

    /** Bundles take no part in event time. */
    private static final class EndOfTime implements WatermarkGenerator<RawRecord> {
        @Override
        public void onEvent(RawRecord event, long eventTimestamp, WatermarkOutput output) {}

        @Override
        public void onPeriodicEmit(WatermarkOutput output) {
            output.emitWatermark(new Watermark(Long.MAX_VALUE));
        }
    }
}
