package dev.keyflow.xml.testutils;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Runs an action and reports the wall time it took and the bytes the calling thread allocated, so
 * that security tests can assert that an attack was stopped in bounded time and memory.
 *
 * <pre>{@code
 * Bounded.Measured<KeyResult> run = Bounded.measure(() -> extractor.extract(record));
 * assertThat(run.allocatedBytes()).isLessThan(16 * 1024 * 1024);
 * }</pre>
 */
public final class Bounded {

    private Bounded() {}

    /**
     * What one run produced and cost.
     *
     * @param value the action's result
     * @param elapsed wall time
     * @param allocatedBytes bytes allocated by the calling thread, -1 if the JVM cannot tell
     */
    public record Measured<T>(T value, Duration elapsed, long allocatedBytes) {}

    /** Runs {@code action} on the calling thread and measures it. */
    public static <T> Measured<T> measure(Supplier<T> action) {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(id);
        long start = System.nanoTime();
        T value = action.get();
        long elapsed = System.nanoTime() - start;
        long after = threads.getThreadAllocatedBytes(id);
        return new Measured<>(
                value, Duration.ofNanos(elapsed), before < 0 || after < 0 ? -1 : after - before);
    }
}
