package dev.keyflow.core;

import java.time.Duration;
import java.util.Objects;
import java.util.OptionalLong;
import javax.annotation.Nullable;
import org.apache.flink.api.common.eventtime.SerializableTimestampAssigner;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;

/**
 * Builds keyflow's watermark strategy: bounded out-of-orderness plus idleness, with the event time
 * read from the element or taken from the Kafka record timestamp.
 *
 * <pre>{@code
 * // event time = Kafka timestamp, 5 s out-of-orderness, idle partitions ignored after 1 min
 * WatermarkStrategy<RawRecord> strategy = KeyflowWatermarks.<RawRecord>builder().build();
 *
 * // event time read from the envelope, 10 s out-of-orderness
 * WatermarkStrategy<Envelope> strategy = KeyflowWatermarks.<Envelope>builder()
 *         .eventTime(e -> OptionalLong.of(e.eventTime()))
 *         .maxOutOfOrderness(Duration.ofSeconds(10))
 *         .build();
 * }</pre>
 *
 * <p>Without an {@link #builder() eventTime} extractor the element keeps the timestamp its source
 * gave it; for {@link dev.keyflow.core.kafka.KafkaRawSource} that is the Kafka record timestamp.
 * With an extractor, an element whose time cannot be read also keeps that timestamp. Idleness lets
 * the watermark advance while some partitions receive nothing; set it to {@link Duration#ZERO} to
 * switch it off.
 */
public final class KeyflowWatermarks {

    public static final Duration DEFAULT_MAX_OUT_OF_ORDERNESS = Duration.ofSeconds(5);
    public static final Duration DEFAULT_IDLENESS = Duration.ofMinutes(1);

    private KeyflowWatermarks() {}

    public static <T> Builder<T> builder() {
        return new Builder<>();
    }

    /** Builds a {@link WatermarkStrategy}; see {@link KeyflowWatermarks}. */
    public static final class Builder<T> {
        private Duration maxOutOfOrderness = DEFAULT_MAX_OUT_OF_ORDERNESS;
        private Duration idleness = DEFAULT_IDLENESS;
        @Nullable private EventTimeExtractor<T> extractor;

        private Builder() {}

        /** How far behind the newest event time an event may arrive; default 5 s. */
        public Builder<T> maxOutOfOrderness(Duration maxOutOfOrderness) {
            Objects.requireNonNull(maxOutOfOrderness, "maxOutOfOrderness");
            if (maxOutOfOrderness.isNegative()) {
                throw new IllegalArgumentException(
                        "maxOutOfOrderness must not be negative, was " + maxOutOfOrderness);
            }
            this.maxOutOfOrderness = maxOutOfOrderness;
            return this;
        }

        /** After how long without data a split stops holding the watermark back; default 1 min. */
        public Builder<T> idleness(Duration idleness) {
            Objects.requireNonNull(idleness, "idleness");
            if (idleness.isNegative()) {
                throw new IllegalArgumentException(
                        "idleness must not be negative, was " + idleness);
            }
            this.idleness = idleness;
            return this;
        }

        /** Reads the event time from the element; default: keep the source's timestamp. */
        public Builder<T> eventTime(EventTimeExtractor<T> extractor) {
            this.extractor = Objects.requireNonNull(extractor, "extractor");
            return this;
        }

        public WatermarkStrategy<T> build() {
            WatermarkStrategy<T> strategy =
                    WatermarkStrategy.<T>forBoundedOutOfOrderness(maxOutOfOrderness);
            if (extractor != null) {
                strategy = strategy.withTimestampAssigner(new ExtractingAssigner<>(extractor));
            }
            if (!idleness.isZero()) {
                strategy = strategy.withIdleness(idleness);
            }
            return strategy;
        }
    }

    private static final class ExtractingAssigner<T> implements SerializableTimestampAssigner<T> {
        private static final long serialVersionUID = 1L;
        private final EventTimeExtractor<T> extractor;

        ExtractingAssigner(EventTimeExtractor<T> extractor) {
            this.extractor = extractor;
        }

        @Override
        public long extractTimestamp(T element, long recordTimestamp) {
            OptionalLong eventTime = extractor.eventTime(element);
            return eventTime.isPresent() ? eventTime.getAsLong() : recordTimestamp;
        }
    }
}
