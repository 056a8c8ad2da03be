package dev.keyflow.rules;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyflow.core.ErrorReason;
import dev.keyflow.core.ErrorRecord;
import dev.keyflow.core.KeyflowOutputs;
import dev.keyflow.core.kafka.KafkaRawSource;
import dev.keyflow.core.testutils.FlinkTestEnvironments;
import dev.keyflow.core.testutils.KafkaBrokerExtension;
import dev.keyflow.rules.testutils.CollectingSink;
import dev.keyflow.rules.testutils.Order;
import dev.keyflow.rules.testutils.RulesHarnesses;
import dev.keyflow.rules.testutils.TestBundles;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Bundles published on a real compacted Kafka topic reach every subtask and are used. */
class RuleBundleTopicITCase {

    private static final int EVENTS = 200;

    @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @RegisterExtension
    static final MiniClusterExtension FLINK = FlinkTestEnvironments.miniCluster(2);

    @Test
    void eventsAreValidatedByTheBundleFromTheTopicAndABrokenRecordIsRejected() throws Exception {
        String topic = "rules";
        KAFKA.client().createTopic(topic, 1, Map.of("cleanup.policy", "compact"));
        KAFKA.client()
                .produce(
                        List.of(
                                record(
                                        topic,
                                        "orders",
                                        TestBundles.json(TestBundles.orders(1, 10.0))),
                                record(topic, "retired", null), // a tombstone: no document
                                record(
                                        topic,
                                        "junk",
                                        "{not a bundle".getBytes(StandardCharsets.UTF_8))));

        StreamExecutionEnvironment env = FlinkTestEnvironments.strictEnvironment(2);
        KafkaRawSource source =
                KafkaRawSource.builder()
                        .bootstrapServers(KAFKA.bootstrapServers())
                        .topics(topic)
                        .groupId("rules-it")
                        .startingOffsets(OffsetsInitializer.earliest())
                        .bounded(OffsetsInitializer.latest())
                        .build();
        DataStream<byte[]> bundles = RuleBundleTopic.documents(env, source);
        List<Order> input = new ArrayList<>();
        for (int i = 0; i < EVENTS; i++) {
            input.add(new Order("k" + (i % 8), i / 8, 50.0));
        }
        SingleOutputStreamOperator<Versioned<String>> out =
                RulesHarnesses.validation(EVENTS)
                        .applyTo(env.fromData(input, Order.TYPE).keyBy(Order::id), bundles);
        out.sinkTo(CollectingSink.named("topic-outputs", v -> {})).setParallelism(1);
        out.getSideOutput(KeyflowOutputs.ERRORS)
                .sinkTo(CollectingSink.named("topic-errors", e -> {}))
                .setParallelism(1);

        env.execute("rule bundle topic");

        List<Versioned<String>> outputs = CollectingSink.values("topic-outputs");
        assertThat(outputs).hasSize(EVENTS).allMatch(v -> v.version() == 1);
        assertThat(outputs).allMatch(v -> v.value().endsWith(":ok"));
        List<ErrorRecord> errors = CollectingSink.values("topic-errors");
        assertThat(errors)
                .extracting(ErrorRecord::reason)
                .containsExactly(ErrorReason.BUNDLE_REJECTED);
    }

    private static ProducerRecord<byte[], byte[]> record(String topic, String key, byte[] value) {
        return new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value);
    }
}
