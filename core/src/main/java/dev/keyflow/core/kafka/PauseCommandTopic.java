package dev.keyflow.core.kafka;

import static dev.keyflow.core.Checks.requireText;

import dev.keyflow.core.KeyflowTypes;
import dev.keyflow.core.PauseCommand;
import dev.keyflow.core.PauseStatusChange;
import dev.keyflow.core.RawRecord;
import dev.keyflow.core.internal.PauseCommandParser;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The Kafka layout of {@link PauseCommand}s and {@link PauseStatusChange}s, so that a compacted
 * topic can hold the latest command (or status) per key and seed a {@link
 * dev.keyflow.core.PauseGate} when a job starts fresh.
 *
 * <pre>{@code
 * DataStream<RawRecord> raw = KafkaRawSource.builder()
 *         .bootstrapServers("broker:9092")
 *         .topics("orders.pause")                          // cleanup.policy=compact
 *         .groupId("orders-pause")
 *         .startingOffsets(OffsetsInitializer.earliest())  // replay every key's latest command
 *         .uid("orders-pause-source")
 *         .build()
 *         .createStream(env, WatermarkStrategy.noWatermarks());
 * SingleOutputStreamOperator<PauseCommand> commands = PauseCommandTopic.parse(raw);
 * SingleOutputStreamOperator<Envelope> gated = PauseGate.forEnvelopes()
 *         .seedGrace(Duration.ofSeconds(30))
 *         .build()
 *         .gate(envelopes.keyBy(Envelope::key), commands);
 * }</pre>
 *
 * <p>A command record: Kafka key = the business key (UTF-8), value = {@code PAUSE} or {@code
 * RESUME} (UTF-8, case and surrounding blanks ignored), timestamp = the command's time, optional
 * headers {@value #REASON_HEADER} and {@value #ISSUED_BY_HEADER}. A status record (see {@link
 * #statusSerializer}) has the value {@code PAUSED} or {@code ACTIVE} and is read as {@code PAUSE}
 * or {@code RESUME}, so a status topic can seed a gate as well. A tombstone (null value) means the
 * key's status was deleted: {@code RESUME}. Any other record becomes an error record (stage {@code
 * PAUSE_GATE}: {@code KEY_MISSING}, {@code KEY_EMPTY} or {@code MALFORMED_INPUT}) on {@link
 * dev.keyflow.core.KeyflowOutputs#ERRORS} of the parsed stream.
 *
 * <p>Because the topic is compacted, reading it from the earliest offset yields, per key, the
 * latest command (older ones that compaction has not yet removed come first, in order). After a
 * restore the Kafka source continues from its checkpointed offsets and the statuses come from the
 * gate's own state.
 */
public final class PauseCommandTopic {

    /** The header holding a command's reason. */
    public static final String REASON_HEADER = "pause.reason";

    /** The header holding who issued a command. */
    public static final String ISSUED_BY_HEADER = "pause.issued-by";

    /** The header holding what changed a status (status records only). */
    public static final String CAUSE_HEADER = "pause.cause";

    /** The header holding how many events a status change found held or released. */
    public static final String HELD_EVENTS_HEADER = "pause.held-events";

    /** The uid given to the parser unless another is asked for. */
    public static final String DEFAULT_PARSER_UID = "keyflow-pause-command-parser";

    private PauseCommandTopic() {}

    /** Parses raw records into commands, with the uid {@value #DEFAULT_PARSER_UID}. */
    public static SingleOutputStreamOperator<PauseCommand> parse(DataStream<RawRecord> raw) {
        return parse(raw, DEFAULT_PARSER_UID);
    }

    /** Parses raw records into commands; {@code uid} must be stable across versions of the job. */
    public static SingleOutputStreamOperator<PauseCommand> parse(
            DataStream<RawRecord> raw, String uid) {
        Objects.requireNonNull(raw, "raw");
        requireText(uid, "uid");
        return raw.process(new PauseCommandParser(), KeyflowTypes.PAUSE_COMMAND)
                .uid(uid)
                .name("pause commands");
    }

    /** Writes commands to {@code topic} in the layout above (for admin tools and tests). */
    public static KafkaRecordSerializationSchema<PauseCommand> serializer(String topic) {
        return new CommandSerializer(requireText(topic, "topic"));
    }

    /**
     * Writes status changes to {@code topic}: key = business key, value = {@code PAUSED} or {@code
     * ACTIVE}, timestamp = the change's time, headers for reason, issuer, cause and held events.
     * Compacted, the topic holds every key's latest status for dashboards.
     */
    public static KafkaRecordSerializationSchema<PauseStatusChange> statusSerializer(String topic) {
        return new StatusSerializer(requireText(topic, "topic"));
    }

    private static void add(RecordHeaders headers, String name, @Nullable String value) {
        if (value != null) {
            headers.add(name, value.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static final class CommandSerializer
            implements KafkaRecordSerializationSchema<PauseCommand> {
        private static final long serialVersionUID = 1L;
        private final String topic;

        CommandSerializer(String topic) {
            this.topic = topic;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(
                PauseCommand command, KafkaSinkContext context, Long timestamp) {
            RecordHeaders headers = new RecordHeaders();
            add(headers, REASON_HEADER, command.reason());
            add(headers, ISSUED_BY_HEADER, command.issuedBy());
            return new ProducerRecord<>(
                    topic,
                    null,
                    command.time(),
                    utf8(command.key()),
                    utf8(command.action().name()),
                    headers);
        }
    }

    private static final class StatusSerializer
            implements KafkaRecordSerializationSchema<PauseStatusChange> {
        private static final long serialVersionUID = 1L;
        private final String topic;

        StatusSerializer(String topic) {
            this.topic = topic;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(
                PauseStatusChange change, KafkaSinkContext context, Long timestamp) {
            RecordHeaders headers = new RecordHeaders();
            add(headers, REASON_HEADER, change.reason());
            add(headers, ISSUED_BY_HEADER, change.issuedBy());
            add(headers, CAUSE_HEADER, change.cause().name());
            add(headers, HELD_EVENTS_HEADER, Integer.toString(change.heldEvents()));
            return new ProducerRecord<>(
                    topic,
                    null,
                    change.time(),
                    utf8(change.key()),
                    utf8(change.status().name()),
                    headers);
        }
    }
}
