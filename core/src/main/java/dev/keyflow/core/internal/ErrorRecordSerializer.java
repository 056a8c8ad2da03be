package dev.keyflow.core.internal;

import dev.keyflow.core.ErrorRecord;
import dev.keyflow.core.Header;
import dev.keyflow.core.Origin;
import dev.keyflow.core.kafka.ErrorHeaders;
import java.nio.charset.StandardCharsets;
import javax.annotation.Nullable;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Writes an error record as the original payload with its original headers plus the {@link
 * ErrorHeaders}; transient errors go to the retry topic (if there is one), all others to the dead
 * letter topic.
 */
public final class ErrorRecordSerializer implements KafkaRecordSerializationSchema<ErrorRecord> {

    private static final long serialVersionUID = 1L;

    private final String deadLetterTopic;
    @Nullable private final String retryTopic;

    public ErrorRecordSerializer(String deadLetterTopic, @Nullable String retryTopic) {
        this.deadLetterTopic = deadLetterTopic;
        this.retryTopic = retryTopic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(
            ErrorRecord error, KafkaSinkContext context, Long timestamp) {
        String topic = error.isTransient() && retryTopic != null ? retryTopic : deadLetterTopic;
        RecordHeaders headers = new RecordHeaders();
        for (Header header : error.headers()) {
            if (!ErrorHeaders.isWrittenBySink(header.name())) {
                headers.add(header.name(), header.value());
            }
        }
        add(headers, ErrorHeaders.STAGE, error.stage().name());
        add(headers, ErrorHeaders.REASON, error.reason().name());
        add(headers, ErrorHeaders.TRANSIENT, Boolean.toString(error.isTransient()));
        add(headers, ErrorHeaders.MESSAGE, error.message());
        add(headers, ErrorHeaders.KEY, error.key());
        add(headers, ErrorHeaders.ATTEMPT, Integer.toString(error.attempt()));
        add(headers, ErrorHeaders.RULE_VERSION, error.ruleVersion());
        add(headers, ErrorHeaders.TIME, Long.toString(error.time()));
        Origin origin = error.origin();
        if (origin != null) {
            add(headers, ErrorHeaders.ORIGIN_TOPIC, origin.topic());
            add(headers, ErrorHeaders.ORIGIN_PARTITION, Integer.toString(origin.partition()));
            add(headers, ErrorHeaders.ORIGIN_OFFSET, Long.toString(origin.offset()));
            add(headers, ErrorHeaders.ORIGIN_TIMESTAMP, Long.toString(origin.timestamp()));
        }
        byte[] key = error.key() == null ? null : error.key().getBytes(StandardCharsets.UTF_8);
        return new ProducerRecord<>(topic, null, error.time(), key, error.payload(), headers);
    }

    private static void add(RecordHeaders headers, String name, @Nullable String value) {
        if (value != null) {
            headers.add(name, value.getBytes(StandardCharsets.UTF_8));
        }
    }
}
