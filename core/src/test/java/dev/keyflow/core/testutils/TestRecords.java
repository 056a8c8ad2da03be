package dev.keyflow.core.testutils;

import dev.keyflow.core.Envelope;
import dev.keyflow.core.Header;
import dev.keyflow.core.Origin;
import dev.keyflow.core.RawRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.annotation.Nullable;

/**
 * Test data for keyflow operators, with defaults for everything a test does not care about.
 *
 * <pre>{@code
 * RawRecord raw = TestRecords.raw().key("order-1").value("<Order/>").offset(7).build();
 * Envelope envelope = TestRecords.envelope("order-1", 5_000, "<Order n='1'/>");
 * }</pre>
 *
 * Each setter returns a new builder, so a partly filled builder can be shared between tests.
 */
public final class TestRecords {

    private TestRecords() {}

    /** A raw record builder: topic {@code input}, partition 0, offset 0, timestamp 1000. */
    public static RawBuilder raw() {
        return new RawBuilder(null, null, "input", 0, 0L, 1000L, List.of());
    }

    /**
     * An envelope with this key, event time and payload (UTF-8), from topic {@code input},
     * partition 0, an offset equal to the event time, and no headers.
     */
    public static Envelope envelope(String key, long eventTime, String payload) {
        return new Envelope(
                key,
                eventTime,
                payload.getBytes(StandardCharsets.UTF_8),
                List.of(),
                new Origin("input", 0, eventTime, eventTime));
    }

    /** The payload of an envelope as UTF-8 text, for readable assertions. */
    public static String payloadOf(Envelope envelope) {
        return new String(envelope.payload(), StandardCharsets.UTF_8);
    }

    /** An immutable builder of {@link RawRecord}s. */
    public static final class RawBuilder {
        @Nullable private final byte[] key;
        @Nullable private final byte[] value;
        private final String topic;
        private final int partition;
        private final long offset;
        private final long timestamp;
        private final List<Header> headers;

        private RawBuilder(
                @Nullable byte[] key,
                @Nullable byte[] value,
                String topic,
                int partition,
                long offset,
                long timestamp,
                List<Header> headers) {
            this.key = key;
            this.value = value;
            this.topic = topic;
            this.partition = partition;
            this.offset = offset;
            this.timestamp = timestamp;
            this.headers = headers;
        }

        public RawBuilder key(@Nullable String key) {
            return keyBytes(key == null ? null : key.getBytes(StandardCharsets.UTF_8));
        }

        public RawBuilder keyBytes(@Nullable byte[] key) {
            return new RawBuilder(key, value, topic, partition, offset, timestamp, headers);
        }

        public RawBuilder value(@Nullable String value) {
            return valueBytes(value == null ? null : value.getBytes(StandardCharsets.UTF_8));
        }

        public RawBuilder valueBytes(@Nullable byte[] value) {
            return new RawBuilder(key, value, topic, partition, offset, timestamp, headers);
        }

        public RawBuilder topic(String topic) {
            return new RawBuilder(key, value, topic, partition, offset, timestamp, headers);
        }

        public RawBuilder partition(int partition) {
            return new RawBuilder(key, value, topic, partition, offset, timestamp, headers);
        }

        public RawBuilder offset(long offset) {
            return new RawBuilder(key, value, topic, partition, offset, timestamp, headers);
        }

        public RawBuilder timestamp(long timestamp) {
            return new RawBuilder(key, value, topic, partition, offset, timestamp, headers);
        }

        public RawBuilder header(String name, @Nullable String headerValue) {
            List<Header> more = new ArrayList<>(headers);
            more.add(
                    new Header(
                            name,
                            headerValue == null
                                    ? null
                                    : headerValue.getBytes(StandardCharsets.UTF_8)));
            return new RawBuilder(key, value, topic, partition, offset, timestamp, more);
        }

        public RawRecord build() {
            return new RawRecord(key, value, topic, partition, offset, timestamp, headers);
        }
    }
}
