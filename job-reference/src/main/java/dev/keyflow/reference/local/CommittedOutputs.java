package dev.keyflow.reference.local;

import dev.keyflow.core.kafka.ErrorHeaders;
import dev.keyflow.reference.demo.ExpectedCommand;
import dev.keyflow.reference.demo.ExpectedOutcome;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import javax.annotation.Nullable;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Follows the outbox, the DLQ and the retry topic with one {@code read_committed} consumer, as a
 * downstream system would see them, and keeps what the final comparison needs: each command as an
 * {@link ExpectedCommand#line()}, and each DLQ record's event id and {@value ErrorHeaders#REASON}.
 * Not thread-safe: the launcher's main thread polls it.
 */
public final class CommittedOutputs implements AutoCloseable {

    /** The event id recorded for a DLQ record whose value names no event. */
    static final String NO_EVENT_ID = "?";

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String outbox;
    private final String retry;
    private final List<TopicPartition> partitions = new ArrayList<>();
    private final List<String> commandLines = new ArrayList<>();
    private final Map<String, List<String>> reasonsByEvent = new LinkedHashMap<>();
    private final Map<String, Long> errorsByReason = new TreeMap<>();
    private long errors;
    private long retries;

    public CommittedOutputs(String bootstrapServers, String outbox, String dlq, String retry) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        this.consumer =
                new KafkaConsumer<>(
                        props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.outbox = outbox;
        this.retry = retry;
        for (String topic : List.of(outbox, dlq, retry)) {
            consumer.partitionsFor(topic)
                    .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /** Polls once, waiting up to {@code wait}. */
    public void poll(Duration wait) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(wait)) {
            if (record.topic().equals(outbox)) {
                commandLines.add(commandLine(record.value()));
            } else if (record.topic().equals(retry)) {
                retries++;
            } else {
                Header header = record.headers().lastHeader(ErrorHeaders.REASON);
                String reason =
                        header == null
                                ? "(no reason header)"
                                : new String(header.value(), StandardCharsets.UTF_8);
                String eventId =
                        record.value() == null
                                ? NO_EVENT_ID
                                : ExpectedOutcome.eventIdOf(record.value()).orElse(NO_EVENT_ID);
                reasonsByEvent.computeIfAbsent(eventId, id -> new ArrayList<>(1)).add(reason);
                errorsByReason.merge(reason, 1L, Long::sum);
                errors++;
            }
        }
    }

    /**
     * Polls until every partition is read up to its last stable offset as of now, or {@code
     * timeout} has passed; returns whether the end was reached.
     */
    public boolean readToEnd(Duration timeout) {
        Map<TopicPartition, Long> end = new LinkedHashMap<>(consumer.endOffsets(partitions));
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            end.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
            if (end.isEmpty()) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            poll(Duration.ofMillis(200));
        }
    }

    /** Commands read from the outbox. */
    public long commands() {
        return commandLines.size();
    }

    /** Records read from the DLQ. */
    public long errors() {
        return errors;
    }

    /** Records read from the retry topic (transient failures sent round again). */
    public long retries() {
        return retries;
    }

    /** DLQ records per {@value ErrorHeaders#REASON}, sorted by reason. */
    public Map<String, Long> errorsByReason() {
        return Collections.unmodifiableMap(errorsByReason);
    }

    /** Every command read, as {@link ExpectedCommand#line()}, in the order read. */
    public List<String> commandLines() {
        return Collections.unmodifiableList(commandLines);
    }

    /** The reasons of the DLQ records of each event id (more than one: a duplicate). */
    public Map<String, List<String>> reasonsByEvent() {
        return Collections.unmodifiableMap(reasonsByEvent);
    }

    private static String commandLine(@Nullable byte[] value) {
        if (value == null) {
            return "unreadable: null";
        }
        try {
            return ExpectedCommand.fromOutbox(value).line();
        } catch (UncheckedIOException | IllegalArgumentException e) {
            // Kept as it is, so that the comparison reports it as unexpected.
            return "unreadable: " + new String(value, StandardCharsets.UTF_8);
        }
    }

    @Override
    public void close() {
        consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
    }
}
