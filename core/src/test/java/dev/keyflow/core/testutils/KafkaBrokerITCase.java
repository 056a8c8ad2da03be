package dev.keyflow.core.testutils;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The test broker is a real broker: topics, acknowledged writes, and transactions. */
class KafkaBrokerITCase {

    @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @Test
    void startsQuickly() {
        assertThat(KAFKA.broker().startupTime()).isPositive();
        assertThat(KAFKA.bootstrapServers()).startsWith("localhost:");
    }

    @Test
    void producedRecordsAreReadBackInPartitionOrder() {
        String topic = KAFKA.newTopic("plain", 3);
        List<ProducerRecord<byte[], byte[]>> records =
                List.of(
                        record(topic, 0, "a"),
                        record(topic, 1, "b"),
                        record(topic, 0, "c"),
                        record(topic, 2, "d"));

        KAFKA.client().produce(records);

        List<ConsumerRecord<byte[], byte[]>> read = KAFKA.client().readCommitted(topic);
        assertThat(read).hasSize(4);
        assertThat(read.stream().filter(r -> r.partition() == 0).map(KafkaBrokerITCase::value))
                .containsExactly("a", "c");
    }

    @Test
    void transactionsCommitAndAbort() {
        String topic = KAFKA.newTopic("txn", 1);
        Properties props = new Properties();
        props.setProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
        props.setProperty(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "keyflow-test-txn");
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(record(topic, 0, "committed"));
            producer.commitTransaction();
            producer.beginTransaction();
            producer.send(record(topic, 0, "aborted"));
            producer.flush();
            producer.abortTransaction();
        }

        assertThat(KAFKA.client().readCommitted(topic))
                .extracting(KafkaBrokerITCase::value)
                .containsExactly("committed");
        assertThat(KAFKA.client().readAll(topic, IsolationLevel.READ_UNCOMMITTED))
                .extracting(KafkaBrokerITCase::value)
                .containsExactly("committed", "aborted");
    }

    private static ProducerRecord<byte[], byte[]> record(
            String topic, int partition, String value) {
        return new ProducerRecord<>(topic, partition, null, value.getBytes(StandardCharsets.UTF_8));
    }

    private static String value(ConsumerRecord<byte[], byte[]> record) {
        return new String(record.value(), StandardCharsets.UTF_8);
    }
}
