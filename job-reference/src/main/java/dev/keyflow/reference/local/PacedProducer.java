package dev.keyflow.reference.local;

import dev.keyflow.reference.demo.GeneratedEvent;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Produces generated events to the input topic at a given rate: record key = order id, record
 * timestamp = event time, partition = {@link GeneratedEvent#partition}, value = the XML document.
 * One thread calls {@link #produce}; {@link #acknowledged()} may be read from any thread.
 */
public final class PacedProducer implements AutoCloseable {

    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;
    private final int partitions;
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicReference<Exception> failure = new AtomicReference<>();

    public PacedProducer(String bootstrapServers, String topic, int partitions) {
        Properties props = new Properties();
        props.setProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.setProperty(ProducerConfig.ACKS_CONFIG, "all");
        props.setProperty(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.setProperty(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.setProperty(ProducerConfig.BATCH_SIZE_CONFIG, "131072");
        this.producer =
                new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
        this.topic = topic;
        this.partitions = partitions;
    }

    /**
     * Sends {@code events} in order at {@code rate} events per second (0: as fast as the producer
     * takes them) until all are sent or {@code deadlineNanos} ({@link System#nanoTime()}) has
     * passed, then waits until the broker has acknowledged what was sent.
     *
     * @return how many events, from the start of the list, were sent
     * @throws IllegalStateException if the broker rejected a record
     */
    public int produce(List<GeneratedEvent> events, double rate, long deadlineNanos)
            throws InterruptedException {
        long start = System.nanoTime();
        int sent = 0;
        for (GeneratedEvent event : events) {
            long now = System.nanoTime();
            if (now - deadlineNanos > 0 || failure.get() != null) {
                break;
            }
            if (rate > 0) {
                long due = start + (long) (sent * 1e9 / rate);
                if (due - now > TimeUnit.MILLISECONDS.toNanos(1)) {
                    TimeUnit.NANOSECONDS.sleep(due - now);
                }
            }
            producer.send(
                    new ProducerRecord<>(
                            topic,
                            event.partition(partitions),
                            event.eventTime(),
                            event.kafkaKey(),
                            event.xml()),
                    (metadata, e) -> {
                        if (e == null) {
                            acknowledged.incrementAndGet();
                        } else {
                            failure.compareAndSet(null, e);
                        }
                    });
            sent++;
        }
        producer.flush();
        Exception e = failure.get();
        if (e != null) {
            throw new IllegalStateException("the broker rejected a demo event: " + e, e);
        }
        return sent;
    }

    /** Events the broker has acknowledged so far. */
    public long acknowledged() {
        return acknowledged.get();
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }
}
