package dev.keyflow.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyflow.core.testutils.FlinkTestEnvironments;
import dev.keyflow.state.testutils.LoggingJob;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The event log on RocksDB with incremental checkpoints, through a task failure and a restore from
 * the last checkpoint: every key's log ends up as 1..n, without gaps or duplicates, and the folded
 * state matches.
 */
class EventLogITCase {

    private static final int KEYS = 500;
    private static final int PER_KEY = 60;

    @RegisterExtension
    static final MiniClusterExtension FLINK = FlinkTestEnvironments.miniCluster(2);

    @Test
    void everyKeysLogIsContiguousAfterAFailureAndRestore(@TempDir Path checkpoints)
            throws Exception {
        LoggingJob.reset();
        LoggingJob.FAIL_AFTER.set(KEYS * PER_KEY / 3);
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

        // 30k deposits at 10k/s: checkpoints complete while the job runs
        LoggingJob.addTo(env, KEYS, PER_KEY, 10_000, false);
        env.execute("event-log-it");

        assertThat(LoggingJob.FAILURES).as("injected failures").hasValue(1);
        assertThat(LoggingJob.APPENDED.get())
                .as("deposits after the checkpoint were appended again after the restore")
                .isGreaterThan((long) KEYS * PER_KEY);
        assertThat(LoggingJob.VIOLATIONS).isEmpty();
        assertThat(LoggingJob.VERIFIED_KEYS).hasSize(KEYS);
    }
}
