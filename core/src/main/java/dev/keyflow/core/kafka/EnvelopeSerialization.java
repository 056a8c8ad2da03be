package dev.keyflow.core.kafka;

import static dev.keyflow.core.Checks.requireText;

import dev.keyflow.core.Envelope;
import dev.keyflow.core.Header;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Writes envelopes back to Kafka as they came: Kafka key = business key, value = payload, headers =
 * the original headers, timestamp = event time. Useful for pass-through stages and for re-keying a
 * topic by its business key.
 */
public final class EnvelopeSerialization {

    private EnvelopeSerialization() {}

    /** Writes every envelope to {@code topic}, partitioned by the business key. */
    public static KafkaRecordSerializationSchema<Envelope> toTopic(String topic) {
        return new ToTopic(requireText(topic, "topic"));
    }

    private static final class ToTopic implements KafkaRecordSerializationSchema<Envelope> {
        private static final long serialVersionUID = 1L;
        private final String topic;

        ToTopic(String topic) {
            this.topic = topic;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(
                Envelope envelope, KafkaSinkContext context, Long timestamp) {
            RecordHeaders headers = new RecordHeaders();
            for (Header header : envelope.headers()) {
                headers.add(header.name(), header.value());
            }
            return new ProducerRecord<>(
                    topic,
                    null,
                    envelope.eventTime(),
                    envelope.key().getBytes(StandardCharsets.UTF_8),
                    envelope.payload(),
                    headers);
        }
    }
}
