package dev.keyflow.state.testutils;

import dev.keyflow.state.EventLog;
import dev.keyflow.state.EventLogState;
import dev.keyflow.state.LogEntry;
import dev.keyflow.state.Retention;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.util.Collector;

/**
 * A MiniCluster job that books deposit {@code n} (amount n) of key {@code k<i>} for n = 1..perKey
 * into an account {@link EventLog}, checks on the way that each append gets sequence number n, and
 * verifies each key's whole log when its last deposit arrives. Results are in static fields (the
 * MiniCluster runs in the test's JVM); call {@link #reset()} first.
 *
 * <pre>{@code
 * LoggingJob.reset();
 * LoggingJob.addTo(env, 1_000, 100, 20_000, true);
 * env.execute();
 * assertThat(LoggingJob.VIOLATIONS).isEmpty();
 * }</pre>
 */
public final class LoggingJob {

    /** The operator uid of the logging function. */
    public static final String UID = "account-log";

    /** The log of the job: every mutation kept, a snapshot every 10. */
    public static final EventLog<Balance, Deposit> LOG =
            EventLog.<Balance, Deposit>builder()
                    .name("account")
                    .mutationType(Deposit.TYPE)
                    .stateType(Balance.TYPE)
                    .fold(Balance.FOLD)
                    .snapshotEvery(10)
                    .retention(Retention.keepAll())
                    .build();

    public static final Set<String> VIOLATIONS = ConcurrentHashMap.newKeySet();
    public static final Set<String> VERIFIED_KEYS = ConcurrentHashMap.newKeySet();
    public static final AtomicLong APPENDED = new AtomicLong();
    public static final AtomicInteger CHECKPOINTS = new AtomicInteger();
    public static final AtomicInteger FAILURES = new AtomicInteger();

    /** When set, the job fails once after a completed checkpoint and this many appends. */
    public static final AtomicLong FAIL_AFTER = new AtomicLong(Long.MAX_VALUE);

    private LoggingJob() {}

    public static void reset() {
        VIOLATIONS.clear();
        VERIFIED_KEYS.clear();
        APPENDED.set(0);
        CHECKPOINTS.set(0);
        FAILURES.set(0);
        FAIL_AFTER.set(Long.MAX_VALUE);
    }

    /**
     * Adds the job: {@code keys * perKey} deposits at {@code ratePerSecond} from one source subtask
     * (so each key's deposits arrive in order), then {@code idle} more elements that are filtered
     * out when {@code keepRunning} (so the job waits for a stop-with-savepoint).
     */
    public static void addTo(
            StreamExecutionEnvironment env,
            int keys,
            int perKey,
            double ratePerSecond,
            boolean keepRunning) {
        long total = (long) keys * perKey;
        DataGeneratorSource<Deposit> source =
                new DataGeneratorSource<>(
                        i ->
                                i < total
                                        ? new Deposit("k" + (i % keys), i / keys + 1)
                                        : new Deposit("", 0),
                        keepRunning ? Long.MAX_VALUE : total,
                        RateLimiterStrategy.perSecond(ratePerSecond),
                        Deposit.TYPE);
        DataStream<Deposit> deposits =
                env.fromSource(source, WatermarkStrategy.noWatermarks(), "deposits")
                        .setParallelism(1)
                        .filter(d -> !d.account().isEmpty())
                        .setParallelism(1);
        deposits.keyBy(Deposit::account)
                .process(new Booking(perKey))
                .uid(UID)
                .name("account log")
                .sinkTo(new DiscardingSink<>());
    }

    /** Appends each deposit and checks the log. */
    static final class Booking extends KeyedProcessFunction<String, Deposit, String>
            implements CheckpointListener {
        private static final long serialVersionUID = 1L;

        private final int perKey;
        private transient EventLogState<Balance, Deposit> log;

        Booking(int perKey) {
            this.perKey = perKey;
        }

        @Override
        public void open(OpenContext openContext) {
            log = LOG.open(getRuntimeContext());
        }

        @Override
        public void processElement(Deposit deposit, Context ctx, Collector<String> out)
                throws Exception {
            if (APPENDED.get() >= FAIL_AFTER.get()
                    && CHECKPOINTS.get() > 0
                    && FAILURES.compareAndSet(0, 1)) {
                throw new IllegalStateException("injected failure");
            }
            long sequence = log.append(deposit);
            APPENDED.incrementAndGet();
            String key = deposit.account();
            if (sequence != deposit.amount()) {
                VIOLATIONS.add(key + ": deposit " + deposit.amount() + " got sequence " + sequence);
            }
            if (deposit.amount() == perKey) {
                verify(key);
            }
        }

        private void verify(String key) throws Exception {
            List<LogEntry<Deposit>> entries = log.read(1, Long.MAX_VALUE);
            for (int i = 0; i < entries.size(); i++) {
                LogEntry<Deposit> e = entries.get(i);
                if (e.sequence() != i + 1 || e.mutation().amount() != i + 1) {
                    VIOLATIONS.add(key + ": entry " + (i + 1) + " is " + e);
                }
            }
            long n = perKey;
            if (entries.size() != perKey) {
                VIOLATIONS.add(key + ": " + entries.size() + " entries, expected " + perKey);
            }
            if (!log.load().equals(new Balance(n * (n + 1) / 2, n))) {
                VIOLATIONS.add(key + ": folded " + log.load());
            }
            VERIFIED_KEYS.add(key);
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            CHECKPOINTS.incrementAndGet();
        }
    }
}
