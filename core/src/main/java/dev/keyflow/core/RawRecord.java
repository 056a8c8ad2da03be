package dev.keyflow.core;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.annotation.Nullable;

/**
 * A record exactly as it was read from Kafka: key and value bytes, its position and timestamp, and
 * its headers.
 *
 * <p>This is what {@link dev.keyflow.core.kafka.KafkaRawSource} emits. Nothing has been parsed yet,
 * so nothing can have failed: parsing starts at key extraction, whose failures become {@link
 * ErrorRecord}s that still hold these bytes.
 *
 * <p>Flink serializes this type with its POJO serializer (Java records are supported since Flink
 * 1.19); no Kryo fallback is involved.
 *
 * @param key the Kafka record key, null if the record had none
 * @param value the Kafka record value, null for a tombstone
 * @param topic source topic
 * @param partition source partition
 * @param offset offset within the partition
 * @param timestamp the Kafka record timestamp in epoch milliseconds
 * @param headers the record headers in their original order
 */
public record RawRecord(
        @Nullable byte[] key,
        @Nullable byte[] value,
        String topic,
        int partition,
        long offset,
        long timestamp,
        List<Header> headers) {

    public RawRecord {
        Objects.requireNonNull(topic, "topic");
        headers = headers == null ? List.of() : List.copyOf(headers);
    }

    /** The position of this record, for envelopes and error records. */
    public Origin origin() {
        return new Origin(topic, partition, offset, timestamp);
    }

    /** The value of the last header with this name, if any. */
    public Optional<byte[]> lastHeader(String name) {
        for (int i = headers.size() - 1; i >= 0; i--) {
            Header header = headers.get(i);
            if (header.name().equals(name)) {
                return Optional.ofNullable(header.value());
            }
        }
        return Optional.empty();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RawRecord other
                && partition == other.partition
                && offset == other.offset
                && timestamp == other.timestamp
                && topic.equals(other.topic)
                && Arrays.equals(key, other.key)
                && Arrays.equals(value, other.value)
                && headers.equals(other.headers);
    }

    @Override
    public int hashCode() {
        int h = Objects.hash(topic, partition, offset, timestamp, headers);
        h = 31 * h + Arrays.hashCode(key);
        return 31 * h + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return "RawRecord{"
                + origin()
                + ", key="
                + (key == null ? "null" : new String(key, StandardCharsets.UTF_8))
                + ", value="
                + (value == null ? "null" : value.length + " bytes")
                + ", headers="
                + headers
                + '}';
    }
}
