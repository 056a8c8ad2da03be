package dev.keyflow.core.async;

import dev.keyflow.core.Checks;
import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How often and when an element's failed async work is tried again.
 *
 * <pre>{@code
 * RetryPolicy.exponentialBackoff(5, Duration.ofMillis(100), Duration.ofSeconds(5));
 * RetryPolicy.fixedDelay(3, Duration.ofSeconds(1)).retryIf(e -> e instanceof IOException);
 * }</pre>
 *
 * <p>By default a failure is retried only if it is transient ({@link AsyncFailure#isTransient()}:
 * timeouts and {@link ProcessingException}s with a transient reason). Waiting between attempts uses
 * processing-time timers of the operator, so it never blocks the task thread, and other keys go on
 * meanwhile; later elements of the same key wait, to keep the key's order.
 */
public final class RetryPolicy implements Serializable {

    private static final long serialVersionUID = 1L;

    private final int maxAttempts;
    private final Duration initialDelay;
    private final Duration maxDelay;
    private final double multiplier;
    private final RetryPredicate retryIf;
    private final double jitter;
    private final Duration maxRetryAfter;

    private RetryPolicy(
            int maxAttempts,
            Duration initialDelay,
            Duration maxDelay,
            double multiplier,
            RetryPredicate retryIf) {
        this(
                maxAttempts,
                initialDelay,
                maxDelay,
                multiplier,
                retryIf,
                0.0,
                DEFAULT_MAX_RETRY_AFTER);
    }

    private RetryPolicy(
            int maxAttempts,
            Duration initialDelay,
            Duration maxDelay,
            double multiplier,
            RetryPredicate retryIf,
            double jitter,
            Duration maxRetryAfter) {
        this.maxAttempts = maxAttempts;
        this.initialDelay = initialDelay;
        this.maxDelay = maxDelay;
        this.multiplier = multiplier;
        this.retryIf = retryIf;
        this.jitter = jitter;
        this.maxRetryAfter = maxRetryAfter;
    }

    /** The longest {@code Retry-After} waited for by default; a longer one ends the retries. */
    public static final Duration DEFAULT_MAX_RETRY_AFTER = Duration.ofMinutes(1);

    /** One attempt, no retry. */
    public static RetryPolicy none() {
        return new RetryPolicy(1, Duration.ZERO, Duration.ZERO, 1.0, RetryPolicy::isTransient);
    }

    /** Up to {@code maxAttempts} attempts in all, {@code delay} apart. */
    public static RetryPolicy fixedDelay(int maxAttempts, Duration delay) {
        Checks.requireAtLeastOne(maxAttempts, "maxAttempts");
        Checks.requireNotNegative(delay, "delay");
        return new RetryPolicy(maxAttempts, delay, delay, 1.0, RetryPolicy::isTransient);
    }

    /**
     * Up to {@code maxAttempts} attempts in all; the delay starts at {@code initialDelay} and
     * doubles after each attempt up to {@code maxDelay}.
     */
    public static RetryPolicy exponentialBackoff(
            int maxAttempts, Duration initialDelay, Duration maxDelay) {
        Checks.requireAtLeastOne(maxAttempts, "maxAttempts");
        Checks.requireNotNegative(initialDelay, "initialDelay");
        Checks.requireNotNegative(maxDelay, "maxDelay");
        if (maxDelay.compareTo(initialDelay) < 0) {
            throw new IllegalArgumentException(
                    "maxDelay ("
                            + maxDelay
                            + ") must not be below initialDelay ("
                            + initialDelay
                            + ")");
        }
        return new RetryPolicy(maxAttempts, initialDelay, maxDelay, 2.0, RetryPolicy::isTransient);
    }

    /** Retries only failures for which {@code predicate} holds (instead of transient ones). */
    public RetryPolicy retryIf(RetryPredicate predicate) {
        Objects.requireNonNull(predicate, "predicate");
        return new RetryPolicy(
                maxAttempts, initialDelay, maxDelay, multiplier, predicate, jitter, maxRetryAfter);
    }

    /**
     * Spreads retries: each delay is shortened by a random share of up to {@code fraction} (0 to
     * 1), so that elements that failed together do not all retry at the same moment. Default 0.
     */
    public RetryPolicy withJitter(double fraction) {
        if (!(fraction >= 0.0 && fraction <= 1.0)) {
            throw new IllegalArgumentException("jitter must be between 0 and 1, was " + fraction);
        }
        return new RetryPolicy(
                maxAttempts, initialDelay, maxDelay, multiplier, retryIf, fraction, maxRetryAfter);
    }

    /**
     * The longest {@code Retry-After} (see {@link ProcessingException#retryAfter()}) the policy
     * waits for; a failure asking for longer is not retried here (it ends as a transient error, for
     * the pipeline's delayed retry topic). Default 1 min.
     */
    public RetryPolicy maxRetryAfter(Duration maxRetryAfter) {
        Checks.requireNotNegative(maxRetryAfter, "maxRetryAfter");
        return new RetryPolicy(
                maxAttempts, initialDelay, maxDelay, multiplier, retryIf, jitter, maxRetryAfter);
    }

    public int maxAttempts() {
        return maxAttempts;
    }

    /** Whether a failure after {@code attempt} attempts (1 for the first) is tried again. */
    public boolean shouldRetry(int attempt, Throwable failure) {
        Throwable cause = AsyncFailure.unwrap(failure);
        Optional<Duration> retryAfter = retryAfterOf(cause);
        return attempt < maxAttempts
                && retryIf.test(cause)
                && (retryAfter.isEmpty() || retryAfter.get().compareTo(maxRetryAfter) <= 0);
    }

    /**
     * How long to wait after the failed attempt number {@code attempt}: the backoff (with jitter),
     * but at least the service's {@code Retry-After}, if the failure carries one.
     */
    public Duration delayAfter(int attempt, Throwable failure) {
        Duration delay = delayAfter(attempt);
        if (jitter > 0.0 && !delay.isZero()) {
            double cut = ThreadLocalRandom.current().nextDouble() * jitter;
            delay = Duration.ofMillis((long) (delay.toMillis() * (1.0 - cut)));
        }
        Optional<Duration> retryAfter = retryAfterOf(AsyncFailure.unwrap(failure));
        return retryAfter.isPresent() && retryAfter.get().compareTo(delay) > 0
                ? retryAfter.get()
                : delay;
    }

    private static Optional<Duration> retryAfterOf(Throwable cause) {
        return cause instanceof ProcessingException processing
                ? processing.retryAfter()
                : Optional.empty();
    }

    /** The backoff after the failed attempt number {@code attempt} (1 for the first). */
    public Duration delayAfter(int attempt) {
        double factor = Math.pow(multiplier, Math.max(0, attempt - 1));
        double millis = Math.min(initialDelay.toMillis() * factor, (double) maxDelay.toMillis());
        return Duration.ofMillis((long) millis);
    }

    private static boolean isTransient(Throwable failure) {
        return AsyncFailure.of(failure, 1).isTransient();
    }

    @Override
    public String toString() {
        return "RetryPolicy{maxAttempts="
                + maxAttempts
                + ", initialDelay="
                + initialDelay
                + ", maxDelay="
                + maxDelay
                + ", multiplier="
                + multiplier
                + ", jitter="
                + jitter
                + ", maxRetryAfter="
                + maxRetryAfter
                + '}';
    }
}
