package dev.keyflow.core.testutils;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Topic, produce and consume helpers for tests against a real broker.
 *
 * <p>{@link #readAll} reads a topic from the beginning up to its current end as seen at that
 * isolation level (for {@code READ_COMMITTED} the last stable offset), so a test gets every record
 * that is visible now without waiting for a count or a quiet period.
 */
public final class KafkaTestClient implements AutoCloseable {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final String bootstrapServers;
    private final Admin admin;
    private final KafkaProducer<byte[], byte[]> producer;

    public KafkaTestClient(String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
        Properties adminProps = new Properties();
        adminProps.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        this.admin = Admin.create(adminProps);
        Properties producerProps = new Properties();
        producerProps.setProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        producerProps.setProperty(ProducerConfig.ACKS_CONFIG, "all");
        producerProps.setProperty(ProducerConfig.LINGER_MS_CONFIG, "5");
        this.producer =
                new KafkaProducer<>(
                        producerProps, new ByteArraySerializer(), new ByteArraySerializer());
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** Creates a topic and waits until every partition has a leader. */
    public void createTopic(String topic, int partitions) {
        createTopic(topic, partitions, Map.of());
    }

    /** Creates a topic with configs (e.g. {@code cleanup.policy=compact}) and waits for leaders. */
    public void createTopic(String topic, int partitions, Map<String, String> configs) {
        NewTopic newTopic = new NewTopic(topic, partitions, (short) 1).configs(configs);
        await(admin.createTopics(List.of(newTopic)).all(), "create topic " + topic);
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!allPartitionsHaveLeaders(topic, partitions)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "topic " + topic + " has partitions without a leader after " + TIMEOUT);
            }
            pause();
        }
    }

    private boolean allPartitionsHaveLeaders(String topic, int partitions) {
        TopicDescription description;
        try {
            description =
                    admin.describeTopics(Set.of(topic))
                            .allTopicNames()
                            .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                            .get(topic);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return false; // created, but the metadata has not reached the broker yet
            }
            throw new IllegalStateException("failed: describe " + topic, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: describe " + topic, e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("timed out: describe " + topic, e);
        }
        List<TopicPartitionInfo> infos = description.partitions();
        return infos.size() == partitions
                && infos.stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty());
    }

    /** Sends the records and waits until the broker acknowledged all of them. */
    public List<RecordMetadata> produce(List<ProducerRecord<byte[], byte[]>> records) {
        List<Future<RecordMetadata>> sent = new ArrayList<>(records.size());
        for (ProducerRecord<byte[], byte[]> record : records) {
            sent.add(producer.send(record));
        }
        producer.flush();
        List<RecordMetadata> acked = new ArrayList<>(sent.size());
        for (Future<RecordMetadata> future : sent) {
            acked.add(await(future, "produce"));
        }
        return acked;
    }

    /** Every committed record of {@code topic} that is visible now. */
    public List<ConsumerRecord<byte[], byte[]>> readCommitted(String topic) {
        return readAll(topic, IsolationLevel.READ_COMMITTED);
    }

    /** Every record of {@code topic} up to its current end at {@code isolation}. */
    public List<ConsumerRecord<byte[], byte[]>> readAll(String topic, IsolationLevel isolation) {
        Properties props = new Properties();
        props.setProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.setProperty(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation.toString().toLowerCase());
        props.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(
                        props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topic, TIMEOUT)
                    .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(partitions, TIMEOUT));
            List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (!end.isEmpty()) {
                end.entrySet()
                        .removeIf(e -> consumer.position(e.getKey(), TIMEOUT) >= e.getValue());
                if (end.isEmpty()) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "could not read " + topic + " to its end within " + TIMEOUT);
                }
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            return records;
        }
    }

    /** The current end offset of every partition of {@code topic} (read_uncommitted). */
    public Map<TopicPartition, Long> endOffsets(String topic) {
        Properties props = new Properties();
        props.setProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(
                        props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topic, TIMEOUT)
                    .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            return consumer.endOffsets(partitions, TIMEOUT);
        }
    }

    /** The polling interval of the deadline waits above. */
    private static void pause() {
        try {
            TimeUnit.MILLISECONDS.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the broker", e);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
        admin.close(Duration.ofSeconds(10));
    }

    private static <T> T await(Future<T> future, String what) {
        try {
            return future.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + what, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("failed: " + what, e);
        }
    }
}
