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
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;

/**
 * The {@code restart-strategy} section: how Flink restarts the job after a failure, with Flink's
 * own strategy names, keys and defaults; only the chosen type's subsection applies.
 *
 * @param type exponential-delay, fixed-delay, failure-rate or none; default exponential-delay
 *     (Flink's default for a checkpointed job)
 * @param exponentialDelay {@code restart-strategy.exponential-delay}
 * @param fixedDelay {@code restart-strategy.fixed-delay}
 * @param failureRate {@code restart-strategy.failure-rate}
 */
public record RestartStrategyConfig(
        Type type,
        ExponentialDelayConfig exponentialDelay,
        FixedDelayConfig fixedDelay,
        FailureRateConfig failureRate)
        implements Serializable {

    /** Flink's restart strategies. */
    public enum Type {
        /** Waits longer after each failure in a row, up to a maximum. */
        @JsonProperty("exponential-delay")
        EXPONENTIAL_DELAY("exponential-delay"),
        /** Restarts a fixed number of times with a fixed delay, then fails the job. */
        @JsonProperty("fixed-delay")
        FIXED_DELAY("fixed-delay"),
        /** Restarts until more than a number of failures happen within an interval. */
        @JsonProperty("failure-rate")
        FAILURE_RATE("failure-rate"),
        /** Never restarts: the first failure fails the job. */
        @JsonProperty("none")
        NONE("none");

        private final String flinkName;

        Type(String flinkName) {
            this.flinkName = flinkName;
        }

        /** The name Flink's {@code restart-strategy.type} takes. */
        public String flinkName() {
            return flinkName;
        }
    }

    public RestartStrategyConfig {
        notNull(type, "restart-strategy.type");
        notNull(exponentialDelay, "restart-strategy.exponential-delay");
        notNull(fixedDelay, "restart-strategy.fixed-delay");
        notNull(failureRate, "restart-strategy.failure-rate");
    }

    @JsonCreator
    static RestartStrategyConfig fromYaml(
            @JsonProperty("type") @Nullable Type type,
            @JsonProperty("exponential-delay") @Nullable ExponentialDelayConfig exponentialDelay,
            @JsonProperty("fixed-delay") @Nullable FixedDelayConfig fixedDelay,
            @JsonProperty("failure-rate") @Nullable FailureRateConfig failureRate) {
        return new RestartStrategyConfig(
                orDefault(type, Type.EXPONENTIAL_DELAY),
                orDefault(exponentialDelay, ExponentialDelayConfig.defaults()),
                orDefault(fixedDelay, FixedDelayConfig.defaults()),
                orDefault(failureRate, FailureRateConfig.defaults()));
    }

    /** exponential-delay with Flink's defaults. */
    public static RestartStrategyConfig defaults() {
        return fromYaml(null, null, null, null);
    }

    /** Writes {@code restart-strategy.type} and the chosen type's options into {@code conf}. */
    public void applyTo(Configuration conf) {
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, type.flinkName());
        switch (type) {
            case EXPONENTIAL_DELAY -> {
                conf.set(
                        RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF,
                        exponentialDelay.initialBackoff());
                conf.set(
                        RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF,
                        exponentialDelay.maxBackoff());
                conf.set(
                        RestartStrategyOptions
                                .RESTART_STRATEGY_EXPONENTIAL_DELAY_BACKOFF_MULTIPLIER,
                        exponentialDelay.backoffMultiplier());
                conf.set(
                        RestartStrategyOptions
                                .RESTART_STRATEGY_EXPONENTIAL_DELAY_RESET_BACKOFF_THRESHOLD,
                        exponentialDelay.resetBackoffThreshold());
                conf.set(
                        RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_JITTER_FACTOR,
                        exponentialDelay.jitterFactor());
                conf.set(
                        RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS,
                        exponentialDelay.attemptsBeforeResetBackoff());
            }
            case FIXED_DELAY -> {
                conf.set(
                        RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS,
                        fixedDelay.attempts());
                conf.set(
                        RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY,
                        fixedDelay.delay());
            }
            case FAILURE_RATE -> {
                conf.set(
                        RestartStrategyOptions
                                .RESTART_STRATEGY_FAILURE_RATE_MAX_FAILURES_PER_INTERVAL,
                        failureRate.maxFailuresPerInterval());
                conf.set(
                        RestartStrategyOptions.RESTART_STRATEGY_FAILURE_RATE_FAILURE_RATE_INTERVAL,
                        failureRate.failureRateInterval());
                conf.set(
                        RestartStrategyOptions.RESTART_STRATEGY_FAILURE_RATE_DELAY,
                        failureRate.delay());
            }
            case NONE -> {
                // Nothing more to set: the first failure fails the job.
            }
        }
    }

    /**
     * {@code restart-strategy.exponential-delay}.
     *
     * @param initialBackoff the wait before the first restart; default 1s
     * @param maxBackoff the longest wait, at least initial-backoff; default 1m
     * @param backoffMultiplier each failure in a row multiplies the wait by this, at least 1;
     *     default 1.5
     * @param resetBackoffThreshold after this long without failure the wait starts again at
     *     initial-backoff; default 1h
     * @param jitterFactor random share added to or taken from each wait, 0 to 1; default 0.1
     * @param attemptsBeforeResetBackoff restarts allowed before the backoff is reset, at least 1;
     *     default unlimited
     */
    public record ExponentialDelayConfig(
            Duration initialBackoff,
            Duration maxBackoff,
            double backoffMultiplier,
            Duration resetBackoffThreshold,
            double jitterFactor,
            int attemptsBeforeResetBackoff)
            implements Serializable {

        private static final String AT = "restart-strategy.exponential-delay.";

        public ExponentialDelayConfig {
            positive(initialBackoff, AT + "initial-backoff");
            positive(maxBackoff, AT + "max-backoff");
            if (maxBackoff.compareTo(initialBackoff) < 0) {
                throw fail(
                        AT + "max-backoff",
                        Durations.format(maxBackoff)
                                + " is shorter than "
                                + AT
                                + "initial-backoff ("
                                + Durations.format(initialBackoff)
                                + ")");
            }
            if (!(backoffMultiplier >= 1.0) || Double.isInfinite(backoffMultiplier)) {
                throw fail(
                        AT + "backoff-multiplier",
                        backoffMultiplier + " is too small; must be >= 1.0");
            }
            positive(resetBackoffThreshold, AT + "reset-backoff-threshold");
            if (!(jitterFactor >= 0.0 && jitterFactor <= 1.0)) {
                throw fail(AT + "jitter-factor", jitterFactor + " is out of range; must be 0 to 1");
            }
            atLeast(attemptsBeforeResetBackoff, 1, AT + "attempts-before-reset-backoff");
        }

        @JsonCreator
        static ExponentialDelayConfig fromYaml(
                @JsonProperty("initial-backoff") @Nullable Duration initialBackoff,
                @JsonProperty("max-backoff") @Nullable Duration maxBackoff,
                @JsonProperty("backoff-multiplier") @Nullable Double backoffMultiplier,
                @JsonProperty("reset-backoff-threshold") @Nullable Duration resetBackoffThreshold,
                @JsonProperty("jitter-factor") @Nullable Double jitterFactor,
                @JsonProperty("attempts-before-reset-backoff") @Nullable
                        Integer attemptsBeforeResetBackoff) {
            return new ExponentialDelayConfig(
                    orDefault(initialBackoff, Duration.ofSeconds(1)),
                    orDefault(maxBackoff, Duration.ofMinutes(1)),
                    orDefault(backoffMultiplier, 1.5),
                    orDefault(resetBackoffThreshold, Duration.ofHours(1)),
                    orDefault(jitterFactor, 0.1),
                    orDefault(attemptsBeforeResetBackoff, Integer.MAX_VALUE));
        }

        public static ExponentialDelayConfig defaults() {
            return fromYaml(null, null, null, null, null, null);
        }
    }

    /**
     * {@code restart-strategy.fixed-delay}.
     *
     * @param attempts restarts before the job fails, at least 0; default 1
     * @param delay the wait before each restart; default 1s
     */
    public record FixedDelayConfig(int attempts, Duration delay) implements Serializable {

        public FixedDelayConfig {
            atLeast(attempts, 0, "restart-strategy.fixed-delay.attempts");
            notNegative(delay, "restart-strategy.fixed-delay.delay");
        }

        @JsonCreator
        static FixedDelayConfig fromYaml(
                @JsonProperty("attempts") @Nullable Integer attempts,
                @JsonProperty("delay") @Nullable Duration delay) {
            return new FixedDelayConfig(
                    orDefault(attempts, 1), orDefault(delay, Duration.ofSeconds(1)));
        }

        public static FixedDelayConfig defaults() {
            return fromYaml(null, null);
        }
    }

    /**
     * {@code restart-strategy.failure-rate}.
     *
     * @param maxFailuresPerInterval failures within the interval that fail the job, at least 1;
     *     default 1
     * @param failureRateInterval the interval failures are counted in; default 1m
     * @param delay the wait before each restart; default 1s
     */
    public record FailureRateConfig(
            int maxFailuresPerInterval, Duration failureRateInterval, Duration delay)
            implements Serializable {

        private static final String AT = "restart-strategy.failure-rate.";

        public FailureRateConfig {
            atLeast(maxFailuresPerInterval, 1, AT + "max-failures-per-interval");
            positive(failureRateInterval, AT + "failure-rate-interval");
            notNegative(delay, AT + "delay");
        }

        @JsonCreator
        static FailureRateConfig fromYaml(
                @JsonProperty("max-failures-per-interval") @Nullable Integer maxFailures,
                @JsonProperty("failure-rate-interval") @Nullable Duration failureRateInterval,
                @JsonProperty("delay") @Nullable Duration delay) {
            return new FailureRateConfig(
                    orDefault(maxFailures, 1),
                    orDefault(failureRateInterval, Duration.ofMinutes(1)),
                    orDefault(delay, Duration.ofSeconds(1)));
        }

        public static FailureRateConfig defaults() {
            return fromYaml(null, null, null);
        }
    }
}
