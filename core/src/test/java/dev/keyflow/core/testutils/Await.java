package dev.keyflow.core.testutils;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Waiting on a condition with a deadline, the one way keyflow tests wait for something another
 * thread or a running job does (never a bare sleep).
 *
 * <pre>{@code
 * Await.until(() -> Counter.SEEN.get() >= 100, "100 records processed");
 * }</pre>
 */
public final class Await {

    /** The deadline of {@link #until(BooleanSupplier, String)}. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private static final long POLL_MILLIS = 10;

    private Await() {}

    /** Waits until {@code condition} holds, at most {@link #DEFAULT_TIMEOUT}. */
    public static void until(BooleanSupplier condition, String what) throws InterruptedException {
        until(condition, DEFAULT_TIMEOUT, what);
    }

    /**
     * Waits until {@code condition} holds.
     *
     * @throws AssertionError naming {@code what} if it does not hold within {@code timeout}
     */
    public static void until(BooleanSupplier condition, Duration timeout, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for: " + what);
            }
            TimeUnit.MILLISECONDS.sleep(POLL_MILLIS); // the polling interval, not a synchronisation
        }
    }
}
