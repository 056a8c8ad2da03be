package dev.keyflow.core.async;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyflow.core.testutils.FlinkTestEnvironments;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * 100k elements over 1k keys with random async delays and a task failure mid-stream: in the final
 * state every key applied exactly its input sequence, nothing lost and nothing twice.
 */
class KeyedAsyncITCase {

    private static final int KEYS = 1_000;
    private static final int PER_KEY = 100;

    @RegisterExtension
    static final MiniClusterExtension FLINK = FlinkTestEnvironments.miniCluster(2);

    @Test
    void everyKeyAppliesItsSequenceExactlyOnceDespiteAFailure() throws Exception {
        SequenceChecker.reset();
        Configuration conf = FlinkTestEnvironments.strictConfiguration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(100));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        env.enableCheckpointing(200);

        // One source subtask, so that each key's elements arrive in sequence order.
        DataStream<Item> items =
                env.fromSequence(0, (long) KEYS * PER_KEY - 1)
                        .setParallelism(1)
                        .map(i -> new Item("k" + (i % KEYS), (int) (i / KEYS) + 1))
                        .returns(KeyedAsyncTestFunction.ITEM)
                        .setParallelism(1);
        KeyedAsync.builder(new SequenceChecker())
                .uid("test-async")
                .outputType(Types.STRING)
                .capacity(500)
                .timeout(Duration.ofSeconds(30))
                .onException(ExceptionPolicy.FAIL_JOB)
                .build()
                .applyTo(items.keyBy(Item::key))
                .sinkTo(new DiscardingSink<>());

        env.execute("keyed-async-it");

        assertThat(SequenceChecker.FAILURES).as("injected failures").hasValue(1);
        assertThat(SequenceChecker.VIOLATIONS).as("out of order or repeated applies").isEmpty();
        assertThat(SequenceChecker.COMPLETE_KEYS).hasSize(KEYS);
        assertThat(SequenceChecker.PROCESS_CALLS.get())
                .as("pending elements were run again after the restore")
                .isGreaterThan((long) KEYS * PER_KEY);
    }

    /** Checks in keyed state that each key's elements are applied as 1, 2, 3, ... once each. */
    static final class SequenceChecker
            extends KeyedAsyncFunction<String, Item, Void, Integer, String>
            implements CheckpointListener {
        static final Set<String> VIOLATIONS = ConcurrentHashMap.newKeySet();
        static final Set<String> COMPLETE_KEYS = ConcurrentHashMap.newKeySet();
        static final AtomicInteger FAILURES = new AtomicInteger();
        static final AtomicInteger CHECKPOINTS = new AtomicInteger();
        static final AtomicLong APPLIED = new AtomicLong();
        static final AtomicLong PROCESS_CALLS = new AtomicLong();

        private transient ValueState<Integer> last;
        private transient ScheduledExecutorService io;

        static void reset() {
            VIOLATIONS.clear();
            COMPLETE_KEYS.clear();
            FAILURES.set(0);
            CHECKPOINTS.set(0);
            APPLIED.set(0);
            PROCESS_CALLS.set(0);
        }

        @Override
        public void open(OpenContext openContext) {
            last = getRuntimeContext().getState(new ValueStateDescriptor<>("last", Types.INT));
            io = Executors.newScheduledThreadPool(2);
        }

        @Override
        public CompletionStage<Integer> process(Item item, Void state, AsyncContext ctx) {
            PROCESS_CALLS.incrementAndGet();
            CompletableFuture<Integer> result = new CompletableFuture<>();
            io.schedule(
                    () -> result.complete(item.seq()),
                    ThreadLocalRandom.current().nextInt(0, 2_000),
                    TimeUnit.MICROSECONDS);
            return result;
        }

        @Override
        public void apply(Item item, Integer seq, ApplyContext<String, String> ctx)
                throws Exception {
            if (APPLIED.incrementAndGet() > 40_000
                    && CHECKPOINTS.get() > 0
                    && FAILURES.compareAndSet(0, 1)) {
                throw new IllegalStateException("injected failure");
            }
            Integer previous = last.value();
            int expected = previous == null ? 1 : previous + 1;
            if (seq != expected) {
                VIOLATIONS.add(item.key() + " applied " + seq + " after " + previous);
            }
            last.update(seq);
            if (seq == PER_KEY) {
                COMPLETE_KEYS.add(item.key());
            }
            ctx.collect(item.id());
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            CHECKPOINTS.incrementAndGet();
        }

        @Override
        public void close() {
            if (io != null) {
                io.shutdownNow();
            }
        }
    }
}
