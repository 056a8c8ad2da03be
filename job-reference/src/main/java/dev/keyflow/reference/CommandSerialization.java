package dev.keyflow.reference;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import dev.keyflow.state.Stamped;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The outbox record layout: Kafka key = order id; value = a JSON command envelope {@code {type,
 * key, sequence, idempotencyKey, payload, eventTime, origin: {topic, partition, offset},
 * bundleVersion}}; headers {@value #IDEMPOTENCY_KEY} and {@value #COMMAND_TYPE}. The record
 * timestamp is the event time of the input.
 */
public final class CommandSerialization
        implements KafkaRecordSerializationSchema<Stamped<OrderCommand>> {

    private static final long serialVersionUID = 1L;

    /** Header with the command's idempotency key, {@code <order id>/<sequence>}. */
    public static final String IDEMPOTENCY_KEY = "keyflow.idempotency-key";

    /** Header with the command type. */
    public static final String COMMAND_TYPE = "keyflow.command-type";

    private final String topic;
    private transient ObjectMapper mapper;

    public CommandSerialization(String topic) {
        this.topic = Objects.requireNonNull(topic, "topic");
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(
            Stamped<OrderCommand> stamped, KafkaSinkContext context, @Nullable Long timestamp) {
        if (mapper == null) {
            mapper = new ObjectMapper();
        }
        OrderCommand command = stamped.value();
        ObjectNode json = mapper.createObjectNode();
        json.put("type", command.type().name());
        json.put("key", stamped.key());
        json.put("sequence", stamped.sequence());
        json.put("idempotencyKey", stamped.idempotencyKey());
        // The payload is already JSON (written by the processor): copied, not parsed again.
        json.putRawValue("payload", new RawValue(command.payload()));
        json.put("eventId", command.eventId());
        json.put("eventTime", Instant.ofEpochMilli(command.eventTime()).toString());
        if (command.origin() != null) {
            ObjectNode origin = json.putObject("origin");
            origin.put("topic", command.origin().topic());
            origin.put("partition", command.origin().partition());
            origin.put("offset", command.origin().offset());
        }
        json.put("bundleVersion", command.bundleVersion());
        RecordHeaders headers = new RecordHeaders();
        headers.add(IDEMPOTENCY_KEY, stamped.idempotencyKey().getBytes(StandardCharsets.UTF_8));
        headers.add(COMMAND_TYPE, command.type().name().getBytes(StandardCharsets.UTF_8));
        byte[] value;
        try {
            value = mapper.writeValueAsBytes(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write command " + command, e);
        }
        return new ProducerRecord<>(
                topic,
                null,
                command.eventTime(),
                stamped.key().getBytes(StandardCharsets.UTF_8),
                value,
                headers);
    }
}
