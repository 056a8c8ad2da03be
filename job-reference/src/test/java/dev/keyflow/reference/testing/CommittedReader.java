package dev.keyflow.reference.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Follows topics with a {@code read_committed} consumer and keeps everything it has read, so a test
 * can wait until the committed output reaches a count without re-reading from the start.
 */
public final class CommittedReader implements AutoCloseable {

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Map<String, List<ConsumerRecord<byte[], byte[]>>> records =
            new java.util.HashMap<>();

    public CommittedReader(String bootstrapServers, String... topics) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        consumer =
                new KafkaConsumer<>(
                        props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : topics) {
            records.put(topic, new ArrayList<>());
            consumer.partitionsFor(topic)
                    .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /** Polls once (up to {@code wait}) and returns how many records arrived. */
    public int poll(Duration wait) {
        int n = 0;
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(wait)) {
            records.get(record.topic()).add(record);
            n++;
        }
        return n;
    }

    /**
     * Polls until {@code done} holds for the records read so far, or fails after {@code timeout}
     * with {@code what} and the counts.
     */
    public void until(Predicate<CommittedReader> done, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.test(this)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(
                        "timed out after "
                                + timeout
                                + " waiting for "
                                + what
                                + "; read "
                                + counts());
            }
            poll(Duration.ofMillis(200));
        }
    }

    /** Everything read from {@code topic} so far, in the order read. */
    public List<ConsumerRecord<byte[], byte[]>> records(String topic) {
        return records.get(topic);
    }

    public int count(String topic) {
        return records.get(topic).size();
    }

    /** Records read per topic. */
    public Map<String, Integer> counts() {
        return records.entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().size()));
    }

    @Override
    public void close() {
        consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
    }
}
