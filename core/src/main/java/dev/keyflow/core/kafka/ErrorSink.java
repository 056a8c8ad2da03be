package dev.keyflow.core.kafka;

import static dev.keyflow.core.Checks.requireText;

import dev.keyflow.core.ErrorRecord;
import dev.keyflow.core.internal.ErrorRecordSerializer;
import javax.annotation.Nullable;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;

/**
 * Writes {@link ErrorRecord}s to Kafka: fatal errors to a dead letter topic, transient ones to a
 * retry topic.
 *
 * <pre>{@code
 * OutboxSink<ErrorRecord> errors = ErrorSink.builder("orders.dlq", "orders.retry")
 *         .bootstrapServers("localhost:9092")
 *         .jobName("orders")
 *         .build();
 * errors.sinkFrom(envelopes.getSideOutput(KeyflowOutputs.ERRORS));
 * }</pre>
 *
 * <p>Each error becomes a record whose key is the business key (if known), whose value is the
 * original payload and whose headers are the original headers plus the {@link ErrorHeaders}, so a
 * dead letter can be inspected and replayed as it came. The sink is an {@link OutboxSink}:
 * exactly-once by default, with the same preflight check.
 */
public final class ErrorSink {

    private ErrorSink() {}

    /**
     * An error sink builder named {@code errors}.
     *
     * @param deadLetterTopic where fatal errors go (and transient ones if there is no retry topic)
     * @param retryTopic where transient errors go; null sends them to the dead letter topic too
     */
    public static OutboxSink.Builder<ErrorRecord> builder(
            String deadLetterTopic, @Nullable String retryTopic) {
        return OutboxSink.<ErrorRecord>builder()
                .serializer(serializer(deadLetterTopic, retryTopic))
                .name("errors");
    }

    /** The record layout of the error sink, for use with a Kafka sink of your own. */
    public static KafkaRecordSerializationSchema<ErrorRecord> serializer(
            String deadLetterTopic, @Nullable String retryTopic) {
        requireText(deadLetterTopic, "deadLetterTopic");
        if (retryTopic != null) {
            requireText(retryTopic, "retryTopic");
        }
        return new ErrorRecordSerializer(deadLetterTopic, retryTopic);
    }
}
