package dev.keyflow.state.benchmarks;

import dev.keyflow.state.EventLog;
import dev.keyflow.state.Retention;
import dev.keyflow.state.testutils.Balance;
import dev.keyflow.state.testutils.Deposit;
import dev.keyflow.state.testutils.EventLogHarness;
import dev.keyflow.state.testutils.ManualClock;
import dev.keyflow.state.testutils.StateBackends;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Stream;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.storage.FileSystemCheckpointStorage;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;

/**
 * Benchmark command (not a test): how big the checkpoints of an {@link EventLog} are when every one
 * of {@code keys} keys appends one mutation per checkpoint interval, so that the log grows by one
 * entry per key per round. For RocksDB with incremental checkpoints it prints the checkpointed
 * (incremental, uploaded) size and the full state size of each checkpoint; for the heap backend the
 * full size, for comparison. The operator runs in a test harness with file checkpoint storage; each
 * checkpoint is confirmed before the next round, as a job would.
 *
 * <pre>
 * mvn -q -pl state -am test-compile exec:exec -Dexec.skip=false -Dexec.executable=java \
 *   -Dexec.classpathScope=test \
 *   -Dexec.args="-Xmx2g -Dkeys=100000 -Drounds=12 -cp %classpath \
 *   dev.keyflow.state.benchmarks.CheckpointSizeBenchmark"
 * </pre>
 */
public final class CheckpointSizeBenchmark {

    static final int KEYS = Integer.getInteger("keys", 100_000);
    static final int ROUNDS = Integer.getInteger("rounds", 12);
    static final int SNAPSHOT_EVERY = Integer.getInteger("snapshotEvery", 10);
    static final String BACKENDS = System.getProperty("backends", "ROCKSDB,HEAP");

    /** Fixed RocksDB memory per slot; empty for the harness's managed memory. */
    static final String ROCKSDB_MEMORY = System.getProperty("rocksdbMemory", "256mb");

    private CheckpointSizeBenchmark() {}

    public static void main(String[] args) throws Exception {
        System.out.printf(
                Locale.ROOT,
                "keys=%d rounds=%d snapshotEvery=%d retention=all rocksdbMemory=%s cores=%d"
                        + " jvm=%s%n",
                KEYS,
                ROUNDS,
                SNAPSHOT_EVERY,
                ROCKSDB_MEMORY.isEmpty() ? "managed (harness)" : ROCKSDB_MEMORY,
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.vm.version"));
        for (String backend : BACKENDS.split(",")) {
            run(StateBackends.valueOf(backend.trim()));
        }
    }

    private static void run(StateBackends backend) throws Exception {
        EventLog<Balance, Deposit> log =
                EventLog.<Balance, Deposit>builder()
                        .name("account")
                        .mutationType(Deposit.TYPE)
                        .stateType(Balance.TYPE)
                        .fold(Balance.FOLD)
                        .snapshotEvery(SNAPSHOT_EVERY)
                        .retention(Retention.keepAll())
                        .build();
        Path checkpoints = Files.createTempDirectory("keyflow-checkpoint-size");
        ManualClock clock = new ManualClock(0);
        System.out.println();
        System.out.println(backend + (backend == StateBackends.ROCKSDB ? " (incremental)" : ""));
        System.out.println(
                "round | log entries | checkpointed bytes | bytes per new mutation | full state bytes | append ms");
        try (var h = EventLogHarness.create(log, Deposit::account, backend(backend), clock)) {
            h.harness().setCheckpointStorage(new FileSystemCheckpointStorage(checkpoints.toUri()));
            h.harness().open();
            for (int round = 1; round <= ROUNDS; round++) {
                long start = System.nanoTime();
                for (int k = 0; k < KEYS; k++) {
                    h.harness().processElement(new Deposit("k" + k, round), 0L);
                }
                long appendMillis = Duration.ofNanos(System.nanoTime() - start).toMillis();
                h.harness().getOutput().clear();
                OperatorSubtaskState state = h.harness().snapshot(round, round);
                h.harness().notifyOfCompletedCheckpoint(round);
                long checkpointed = state.getCheckpointedSize();
                System.out.printf(
                        Locale.ROOT,
                        "%5d | %11d | %18d | %22.1f | %16d | %9d%n",
                        round,
                        (long) KEYS * round,
                        checkpointed,
                        checkpointed / (double) KEYS,
                        state.getStateSize(),
                        appendMillis);
                clock.advance(Duration.ofSeconds(10));
            }
        } finally {
            delete(checkpoints);
        }
    }

    /**
     * The backend to measure. RocksDB gets a fixed {@value #ROCKSDB_MEMORY} per slot: a test
     * harness has only a few MB of managed memory, which makes RocksDB flush tiny memtables all the
     * time and compact (rewrite) everything at every checkpoint, which is not what a TaskManager
     * slot sees.
     */
    private static StateBackend backend(StateBackends backend) {
        StateBackend created = backend.create();
        if (created instanceof EmbeddedRocksDBStateBackend rocksdb && !ROCKSDB_MEMORY.isEmpty()) {
            rocksdb.getMemoryConfiguration().setFixedMemoryPerSlot(ROCKSDB_MEMORY);
        }
        return created;
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
