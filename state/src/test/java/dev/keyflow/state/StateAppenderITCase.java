package dev.keyflow.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyflow.core.async.ApplyContext;
import dev.keyflow.core.async.AsyncContext;
import dev.keyflow.core.async.ExceptionPolicy;
import dev.keyflow.core.async.KeyedAsync;
import dev.keyflow.core.async.KeyedAsyncFunction;
import dev.keyflow.core.testutils.FlinkTestEnvironments;
import dev.keyflow.state.testutils.Balance;
import dev.keyflow.state.testutils.Deposit;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The appender inside the keyed async operator on RocksDB, through a task failure: commands emitted
 * again after the restore carry the same (key, sequence) stamp and the same value as the first
 * time, so that downstream deduplication by {@link Stamped#idempotencyKey()} yields each key's
 * commands exactly once, numbered 1..n.
 */
class StateAppenderITCase {

    private static final int KEYS = 300;
    private static final int PER_KEY = 50;
    private static final EventLog<Balance, Deposit> LOG =
            EventLogTest.log(10, Retention.keepLast(20));

    @RegisterExtension
    static final MiniClusterExtension FLINK = FlinkTestEnvironments.miniCluster(2);

    static final Map<String, String> COMMANDS = new ConcurrentHashMap<>();
    static final Set<String> CONFLICTS = ConcurrentHashMap.newKeySet();
    static final AtomicLong EMITTED = new AtomicLong();

    @Test
    void stampsAreTheSameWhenAnElementIsProcessedAgainAfterARestore(@TempDir Path checkpoints)
            throws Exception {
        COMMANDS.clear();
        CONFLICTS.clear();
        EMITTED.set(0);
        Decide.reset();
        Configuration conf =
                StateBackendSettings.builder()
                        .checkpointDirectory(checkpoints.toUri().toString())
                        .build()
                        .applyTo(FlinkTestEnvironments.strictConfiguration());
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(100));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        env.enableCheckpointing(200);

        long total = (long) KEYS * PER_KEY;
        DataGeneratorSource<Deposit> source =
                new DataGeneratorSource<>(
                        i -> new Deposit("k" + (i % KEYS), i / KEYS + 1),
                        total,
                        RateLimiterStrategy.perSecond(5_000),
                        Deposit.TYPE);
        KeyedAsync.builder(new Decide())
                .uid("decide")
                .outputType(Stamped.typeInfo(Types.STRING))
                .onException(ExceptionPolicy.FAIL_JOB)
                .build()
                .applyTo(
                        env.fromSource(source, WatermarkStrategy.noWatermarks(), "deposits")
                                .setParallelism(1)
                                .keyBy(Deposit::account))
                .map(StateAppenderITCase::record)
                .returns(Stamped.typeInfo(Types.STRING))
                .sinkTo(new DiscardingSink<>());
        env.execute("state-appender-it");

        assertThat(Decide.FAILURES).as("injected failures").hasValue(1);
        assertThat(EMITTED.get()).as("commands were emitted again").isGreaterThan(total);
        assertThat(CONFLICTS).isEmpty();
        assertThat(COMMANDS).hasSize((int) total);
        for (int k = 0; k < KEYS; k++) {
            for (int n = 1; n <= PER_KEY; n++) {
                assertThat(COMMANDS.get("k" + k + "/" + n)).isEqualTo("deposit " + n);
            }
        }
    }

    private static Stamped<String> record(Stamped<String> command) {
        EMITTED.incrementAndGet();
        String before = COMMANDS.putIfAbsent(command.idempotencyKey(), command.value());
        if (before != null && !before.equals(command.value())) {
            CONFLICTS.add(command.idempotencyKey() + ": " + before + " then " + command.value());
        }
        return command;
    }

    /**
     * One command per deposit; every fifth deposit records no mutation, so the command counter and
     * the log sequence part ways.
     */
    static final class Decide
            extends KeyedAsyncFunction<
                    String, Deposit, Void, Outcome<Deposit, String>, Stamped<String>>
            implements CheckpointListener {
        private static final long serialVersionUID = 1L;

        static final AtomicInteger FAILURES = new AtomicInteger();
        static final AtomicInteger CHECKPOINTS = new AtomicInteger();
        static final AtomicLong APPLIED = new AtomicLong();

        private transient StateAppender<Balance, Deposit> state;

        static void reset() {
            FAILURES.set(0);
            CHECKPOINTS.set(0);
            APPLIED.set(0);
        }

        @Override
        public void open(OpenContext openContext) {
            state = StateAppender.open(LOG, getRuntimeContext());
        }

        @Override
        public CompletionStage<Outcome<Deposit, String>> process(
                Deposit deposit, Void nothing, AsyncContext ctx) {
            List<Deposit> mutations = deposit.amount() % 5 == 0 ? List.of() : List.of(deposit);
            return CompletableFuture.completedFuture(
                    Outcome.of(mutations, List.of("deposit " + deposit.amount())));
        }

        @Override
        public void apply(
                Deposit deposit,
                Outcome<Deposit, String> outcome,
                ApplyContext<String, Stamped<String>> ctx)
                throws Exception {
            if (APPLIED.incrementAndGet() > (long) KEYS * PER_KEY / 3
                    && CHECKPOINTS.get() > 0
                    && FAILURES.compareAndSet(0, 1)) {
                throw new IllegalStateException("injected failure");
            }
            Appended<Deposit, String> appended = state.appendAndEmit(ctx, outcome);
            long expectedMutations = deposit.amount() - deposit.amount() / 5;
            if (state.log().currentSequence() != expectedMutations) {
                CONFLICTS.add(
                        deposit.account()
                                + ": log at "
                                + state.log().currentSequence()
                                + " after deposit "
                                + deposit.amount()
                                + ", appended "
                                + appended.mutations());
            }
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            CHECKPOINTS.incrementAndGet();
        }
    }
}
