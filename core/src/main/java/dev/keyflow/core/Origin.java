package dev.keyflow.core;

import java.util.Objects;

/**
 * Where a record came from: its Kafka topic, partition and offset, and the Kafka timestamp.
 *
 * <p>Every {@link Envelope} and every {@link ErrorRecord} carries its origin, so that any output or
 * error can be traced back to (and replayed from) the exact input record.
 *
 * @param topic source topic
 * @param partition source partition
 * @param offset offset within the partition
 * @param timestamp the Kafka record timestamp in epoch milliseconds
 */
public record Origin(String topic, int partition, long offset, long timestamp) {

    public Origin {
        Objects.requireNonNull(topic, "topic");
    }

    @Override
    public String toString() {
        return topic + "-" + partition + "@" + offset;
    }
}
