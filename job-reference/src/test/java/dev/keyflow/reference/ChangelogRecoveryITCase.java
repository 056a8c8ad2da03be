package dev.keyflow.reference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyflow.core.Envelope;
import dev.keyflow.core.KeyflowTypes;
import dev.keyflow.core.testutils.FlinkTestEnvironments;
import dev.keyflow.core.testutils.KafkaBrokerExtension;
import dev.keyflow.reference.config.ReferenceConfig;
import dev.keyflow.reference.demo.CustomerClass;
import dev.keyflow.reference.demo.ExpectedOutcome;
import dev.keyflow.reference.demo.GeneratedEvent;
import dev.keyflow.reference.demo.OrderGenerator;
import dev.keyflow.reference.testing.Faults;
import dev.keyflow.reference.testing.Faults.Kind;
import dev.keyflow.reference.testing.PipelineFixture;
import dev.keyflow.reference.testing.PipelineRun;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.apache.flink.runtime.checkpoint.CheckpointStatsSnapshot;
import org.apache.flink.runtime.checkpoint.CompletedCheckpointStatsSummarySnapshot;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The changelog state backend ({@code state.changelog: true}) recovers from a failure after a
 * checkpoint with exactly the model's outputs, read with read_committed; the run prints its
 * checkpoint figures (docs/operations.md has them). {@code -Dkeyflow.changelog=false} runs the same
 * with plain RocksDB, for the comparison.
 */
class ChangelogRecoveryITCase {

    @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @RegisterExtension
    static final MiniClusterExtension FLINK = FlinkTestEnvironments.miniCluster(2);

    @TempDir Path dir;

    @Test
    void recoversExactlyWithTheChangelogBackend(@InjectMiniCluster MiniCluster cluster)
            throws Exception {
        boolean changelog = Boolean.parseBoolean(System.getProperty("keyflow.changelog", "true"));
        List<GeneratedEvent> events =
                OrderGenerator.generate(
                        OrderGenerator.Settings.builder()
                                .seed(2026L)
                                .events(12_000)
                                .orders(2_000)
                                .invalidShare(0.04)
                                .outOfOrderShare(0.05)
                                .lateShare(0.01)
                                .customerShare(CustomerClass.DOWN, 0.01)
                                .start(Instant.now().minus(20, ChronoUnit.MINUTES))
                                .spacing(Duration.ofMillis(10))
                                .build());
        ExpectedOutcome expected = ExpectedOutcome.of(events);
        Faults.reset();
        Faults.FailingMap<Envelope> afterCheckpoint =
                Faults.map("after-checkpoint", Kind.EXCEPTION_AFTER_CHECKPOINT, 4);
        ReferenceJob.Taps taps =
                new ReferenceJob.Taps() {
                    @Override
                    public DataStream<Envelope> afterKeys(DataStream<Envelope> envelopes) {
                        return envelopes
                                .map(afterCheckpoint, KeyflowTypes.ENVELOPE)
                                .uid("fault-after-checkpoint");
                    }
                };

        try (PipelineFixture fixture = new PipelineFixture(KAFKA, "changelog")) {
            ReferenceConfig config =
                    fixture.config(
                            "changelog",
                            Map.of(
                                    "state.changelog", Boolean.toString(changelog),
                                    "state.changelog-directory",
                                            dir.resolve("changelog").toUri().toString(),
                                    "state.checkpoint-directory",
                                            dir.resolve("checkpoints").toUri().toString()));
            assertThat(config.toFlinkConfiguration().toMap())
                    .containsEntry("state.changelog.enabled", Boolean.toString(changelog));
            PipelineRun run = PipelineRun.start(fixture, config, events, taps);
            run.awaitAll(expected, Duration.ofMinutes(4));
            CheckpointStatsSnapshot stats =
                    cluster.getExecutionGraph(run.job.getJobID())
                            .get()
                            .getCheckpointStatsSnapshot();
            run.stop(dir.resolve("savepoints"));

            assertThat(Faults.fired())
                    .containsExactly("after-checkpoint:EXCEPTION_AFTER_CHECKPOINT");
            assertThat(stats.getLatestRestoredCheckpoint())
                    .as("the job restored from a checkpoint")
                    .isNotNull();
            PipelineFixture.Results results = run.results();
            PipelineFixture.assertMatches(expected, results);
            assertThat(PipelineFixture.countsByReason(results))
                    .isEqualTo(PipelineFixture.countsByReason(expected));
            fixture.assertNoOpenTransactions(fixture.outbox, fixture.dlq, fixture.retry);
            print(changelog, stats);
        }
    }

    /** One line of checkpoint figures, for docs/operations.md. */
    private static void print(boolean changelog, CheckpointStatsSnapshot stats) {
        CompletedCheckpointStatsSummarySnapshot summary = stats.getSummaryStats();
        System.out.printf(
                "ChangelogRecoveryITCase figures: changelog=%s completed=%d failed=%d"
                        + " checkpointed-size avg=%d B p90=%.0f B max=%d B;"
                        + " full-state-size avg=%d B max=%d B;"
                        + " duration avg=%d ms p90=%.0f ms max=%d ms%n",
                changelog,
                stats.getCounts().getNumberOfCompletedCheckpoints(),
                stats.getCounts().getNumberOfFailedCheckpoints(),
                summary.getCheckpointedSize().getAverage(),
                summary.getCheckpointedSize().getQuantile(0.9),
                summary.getCheckpointedSize().getMaximum(),
                summary.getStateSizeStats().getAverage(),
                summary.getStateSizeStats().getMaximum(),
                summary.getEndToEndDurationStats().getAverage(),
                summary.getEndToEndDurationStats().getQuantile(0.9),
                summary.getEndToEndDurationStats().getMaximum());
    }
}
