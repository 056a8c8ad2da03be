package dev.keyflow.reference.benchmarks;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.apache.flink.api.common.functions.MapFunction;

/**
 * Timestamps taken inside the job (the MiniCluster runs in the benchmark's JVM): when the first
 * input passed the key stage and when the last command passed on its way to the outbox. One
 * benchmark run at a time.
 */
final class Probe {

    static final AtomicLong FIRST_INPUT = new AtomicLong(Long.MAX_VALUE);
    static final AtomicLong LAST_COMMAND = new AtomicLong();
    static final LongAdder INPUTS = new LongAdder();
    static final LongAdder COMMANDS = new LongAdder();

    private Probe() {}

    static void reset() {
        FIRST_INPUT.set(Long.MAX_VALUE);
        LAST_COMMAND.set(0);
        INPUTS.reset();
        COMMANDS.reset();
    }

    /** Records the first input's time; passes elements on unchanged. */
    static <T> MapFunction<T, T> inputs() {
        return new Inputs<>();
    }

    /** Records the last command's time; passes elements on unchanged. */
    static <T> MapFunction<T, T> commands() {
        return new Commands<>();
    }

    private static final class Inputs<T> implements MapFunction<T, T> {
        private static final long serialVersionUID = 1L;

        @Override
        public T map(T value) {
            if (FIRST_INPUT.get() == Long.MAX_VALUE) {
                FIRST_INPUT.compareAndSet(Long.MAX_VALUE, System.nanoTime());
            }
            INPUTS.increment();
            return value;
        }
    }

    private static final class Commands<T> implements MapFunction<T, T> {
        private static final long serialVersionUID = 1L;

        @Override
        public T map(T value) {
            LAST_COMMAND.accumulateAndGet(System.nanoTime(), Math::max);
            COMMANDS.increment();
            return value;
        }
    }
}
