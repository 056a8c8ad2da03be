package dev.keyflow.reference.config;

import static dev.keyflow.reference.config.ConfigCheck.atLeast;
import static dev.keyflow.reference.config.ConfigCheck.fail;
import static dev.keyflow.reference.config.ConfigCheck.notNegative;
import static dev.keyflow.reference.config.ConfigCheck.notNull;
import static dev.keyflow.reference.config.ConfigCheck.orDefault;
import static dev.keyflow.reference.config.ConfigCheck.positive;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.Serializable;
import java.time.Duration;
import javax.annotation.Nullable;

/**
 * The {@code pipeline} section: event time, the resequencer, the keyed async enrichment and the
 * retry topic.
 *
 * @param maxOutOfOrderness how late an event may be before the watermark passes it; default 5s
 * @param idleness after how long without data a partition stops holding the watermark back; default
 *     1m, zero turns idleness off
 * @param resequencer {@code pipeline.resequencer}
 * @param async {@code pipeline.async}
 * @param retryTopic {@code pipeline.retry-topic}
 */
public record PipelineConfig(
        Duration maxOutOfOrderness,
        Duration idleness,
        ResequencerConfig resequencer,
        AsyncConfig async,
        RetryTopicConfig retryTopic)
        implements Serializable {

    public PipelineConfig {
        notNegative(maxOutOfOrderness, "pipeline.max-out-of-orderness");
        notNegative(idleness, "pipeline.idleness");
        notNull(resequencer, "pipeline.resequencer");
        notNull(async, "pipeline.async");
        notNull(retryTopic, "pipeline.retry-topic");
    }

    @JsonCreator
    static PipelineConfig fromYaml(
            @JsonProperty("max-out-of-orderness") @Nullable Duration maxOutOfOrderness,
            @JsonProperty("idleness") @Nullable Duration idleness,
            @JsonProperty("resequencer") @Nullable ResequencerConfig resequencer,
            @JsonProperty("async") @Nullable AsyncConfig async,
            @JsonProperty("retry-topic") @Nullable RetryTopicConfig retryTopic) {
        return new PipelineConfig(
                orDefault(maxOutOfOrderness, Duration.ofSeconds(5)),
                orDefault(idleness, Duration.ofMinutes(1)),
                orDefault(resequencer, ResequencerConfig.defaults()),
                orDefault(async, AsyncConfig.defaults()),
                orDefault(retryTopic, RetryTopicConfig.defaults()));
    }

    /** All defaults. */
    public static PipelineConfig defaults() {
        return fromYaml(null, null, null, null, null);
    }

    /**
     * {@code pipeline.resequencer}: puts each key's events back in sequence order.
     *
     * @param enabled default true
     * @param maxBufferedPerKey events held per key while a gap is open, at least 1; default 10000
     */
    public record ResequencerConfig(boolean enabled, int maxBufferedPerKey)
            implements Serializable {

        public ResequencerConfig {
            atLeast(maxBufferedPerKey, 1, "pipeline.resequencer.max-buffered-per-key");
        }

        @JsonCreator
        static ResequencerConfig fromYaml(
                @JsonProperty("enabled") @Nullable Boolean enabled,
                @JsonProperty("max-buffered-per-key") @Nullable Integer maxBufferedPerKey) {
            return new ResequencerConfig(
                    orDefault(enabled, true), orDefault(maxBufferedPerKey, 10_000));
        }

        public static ResequencerConfig defaults() {
            return fromYaml(null, null);
        }
    }

    /**
     * {@code pipeline.async}: the keyed async enrichment operator.
     *
     * @param capacity requests in flight per subtask, at least 1; default 1000
     * @param timeout how long one attempt may take; default 30s
     * @param maxAttempts attempts inside the operator before the error goes on (to the retry topic
     *     or the DLQ), at least 1; default 3
     * @param initialBackoff the wait before the second attempt; default 100ms
     * @param maxBackoff the longest wait between attempts, at least {@code initialBackoff}; default
     *     5s
     */
    public record AsyncConfig(
            int capacity,
            Duration timeout,
            int maxAttempts,
            Duration initialBackoff,
            Duration maxBackoff)
            implements Serializable {

        public AsyncConfig {
            atLeast(capacity, 1, "pipeline.async.capacity");
            positive(timeout, "pipeline.async.timeout");
            atLeast(maxAttempts, 1, "pipeline.async.max-attempts");
            notNegative(initialBackoff, "pipeline.async.initial-backoff");
            notNegative(maxBackoff, "pipeline.async.max-backoff");
            if (maxBackoff.compareTo(initialBackoff) < 0) {
                throw fail(
                        "pipeline.async.max-backoff",
                        Durations.format(maxBackoff)
                                + " is shorter than pipeline.async.initial-backoff ("
                                + Durations.format(initialBackoff)
                                + "); must be >= it");
            }
        }

        @JsonCreator
        static AsyncConfig fromYaml(
                @JsonProperty("capacity") @Nullable Integer capacity,
                @JsonProperty("timeout") @Nullable Duration timeout,
                @JsonProperty("max-attempts") @Nullable Integer maxAttempts,
                @JsonProperty("initial-backoff") @Nullable Duration initialBackoff,
                @JsonProperty("max-backoff") @Nullable Duration maxBackoff) {
            return new AsyncConfig(
                    orDefault(capacity, 1000),
                    orDefault(timeout, Duration.ofSeconds(30)),
                    orDefault(maxAttempts, 3),
                    orDefault(initialBackoff, Duration.ofMillis(100)),
                    orDefault(maxBackoff, Duration.ofSeconds(5)));
        }

        public static AsyncConfig defaults() {
            return fromYaml(null, null, null, null, null);
        }
    }

    /**
     * {@code pipeline.retry-topic}: how events come back from {@code topics.retry}.
     *
     * @param maxAttempts how many times an event may come back from the retry topic before it goes
     *     to the DLQ, at least 1; default 3
     * @param delay how long a record waits on the retry topic before it is processed again, at
     *     least 0; default 5s
     */
    public record RetryTopicConfig(int maxAttempts, Duration delay) implements Serializable {

        public RetryTopicConfig {
            atLeast(maxAttempts, 1, "pipeline.retry-topic.max-attempts");
            notNegative(delay, "pipeline.retry-topic.delay");
        }

        @JsonCreator
        static RetryTopicConfig fromYaml(
                @JsonProperty("max-attempts") @Nullable Integer maxAttempts,
                @JsonProperty("delay") @Nullable Duration delay) {
            return new RetryTopicConfig(
                    orDefault(maxAttempts, 3), orDefault(delay, Duration.ofSeconds(5)));
        }

        public static RetryTopicConfig defaults() {
            return fromYaml(null, null);
        }
    }
}
