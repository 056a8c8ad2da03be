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
import dev.keyflow.reference.testing.CommittedReader;
import dev.keyflow.reference.testing.Faults;
import dev.keyflow.reference.testing.Faults.Kind;
import dev.keyflow.reference.testing.PipelineFixture;
import dev.keyflow.reference.testing.PipelineRun;
import dev.keyflow.state.Stamped;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly-once under failures: the run of {@link ReferencePipelineITCase} with six injected
 * failures of different kinds (an exception before the first checkpoint completes, exceptions while
 * processing records before the shuffle and before the outbox, an exception while a checkpoint is
 * written, an exception after a checkpoint completed and before its transactions are committed, and
 * the task manager terminated and a new one started). The outbox and the DLQ, read with {@code
 * read_committed}, must hold exactly what the model (and the failure-free run) holds: no duplicate,
 * nothing lost, command sequences stepping by one per key, and no transaction left open.
 *
 * <p>The failure schedule comes from a seed, printed at the start; rerun one with {@code
 * -Dkeyflow.faults.seed=<seed>}.
 */
class ExactlyOnceITCase {

    @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @RegisterExtension
    static final MiniClusterExtension FLINK = FlinkTestEnvironments.miniCluster(2);

    @TempDir Path savepoints;

    @Test
    void injectedFailuresOfSixKindsChangeNothingInTheOutputs(@InjectMiniCluster MiniCluster cluster)
            throws Exception {
        long seed = Long.getLong("keyflow.faults.seed", System.nanoTime());
        System.out.println("ExactlyOnceITCase failure schedule seed: " + seed);
        Random random = new Random(seed);
        List<GeneratedEvent> events =
                OrderGenerator.generate(
                        OrderGenerator.Settings.builder()
                                .seed(7L)
                                .events(30_000)
                                .orders(5_000)
                                .invalidShare(0.04)
                                .outOfOrderShare(0.05)
                                .lateShare(0.01)
                                .customerShare(CustomerClass.DOWN, 0.01)
                                .start(Instant.now().minus(20, ChronoUnit.MINUTES))
                                .spacing(Duration.ofMillis(10))
                                .build());
        ExpectedOutcome expected = ExpectedOutcome.of(events);
        Faults.reset();
        Faults.FailingMap<Envelope> beforeFirstCheckpoint =
                Faults.map(
                        "before-first-checkpoint",
                        Kind.EXCEPTION_BEFORE_FIRST_CHECKPOINT,
                        20 + random.nextInt(200));
        Faults.FailingMap<Envelope> afterCheckpoint =
                Faults.map(
                        "after-checkpoint-before-commit",
                        Kind.EXCEPTION_AFTER_CHECKPOINT,
                        2 + random.nextInt(10));
        Faults.FailingMap<Envelope> onKeyedRecord =
                Faults.map(
                        "record-before-shuffle",
                        Kind.EXCEPTION_ON_RECORD,
                        300 + random.nextInt(1500));
        Faults.FailingMap<Stamped<OrderCommand>> onCommand =
                Faults.map(
                        "record-before-outbox",
                        Kind.EXCEPTION_ON_RECORD,
                        300 + random.nextInt(1500));
        Faults.FailingMap<Stamped<OrderCommand>> duringCheckpoint =
                Faults.map(
                        "during-checkpoint",
                        Kind.EXCEPTION_DURING_CHECKPOINT,
                        2 + random.nextInt(4));
        TypeInformation<Stamped<OrderCommand>> commandType =
                Stamped.typeInfo(TypeInformation.of(OrderCommand.class));
        ReferenceJob.Taps taps =
                new ReferenceJob.Taps() {
                    @Override
                    public DataStream<Envelope> afterKeys(DataStream<Envelope> envelopes) {
                        return envelopes
                                .map(beforeFirstCheckpoint, KeyflowTypes.ENVELOPE)
                                .uid("fault-1")
                                .map(afterCheckpoint, KeyflowTypes.ENVELOPE)
                                .uid("fault-2")
                                .map(onKeyedRecord, KeyflowTypes.ENVELOPE)
                                .uid("fault-3");
                    }

                    @Override
                    public DataStream<Stamped<OrderCommand>> beforeOutbox(
                            DataStream<Stamped<OrderCommand>> commands) {
                        return commands.map(onCommand, commandType)
                                .uid("fault-4")
                                .map(duringCheckpoint, commandType)
                                .uid("fault-5");
                    }
                };
        double killAt = 0.2 + 0.4 * random.nextDouble();

        try (PipelineFixture fixture = new PipelineFixture(KAFKA, "eo")) {
            ReferenceConfig config = fixture.config("eo", Map.of());
            PipelineRun run = PipelineRun.start(fixture, config, events, taps);
            int[] total = PipelineFixture.expectedCounts(expected, events);
            CompletableFuture<Void> killed =
                    CompletableFuture.runAsync(
                            () -> killTaskManagerAt(cluster, fixture, (int) (total[0] * killAt)));
            run.awaitAll(expected, Duration.ofMinutes(6));
            killed.get(1, TimeUnit.MINUTES);
            run.stop(savepoints);

            assertThat(Faults.fired())
                    .as("every planned failure happened (seed %d)", seed)
                    .containsExactlyInAnyOrder(
                            "before-first-checkpoint:EXCEPTION_BEFORE_FIRST_CHECKPOINT",
                            "after-checkpoint-before-commit:EXCEPTION_AFTER_CHECKPOINT",
                            "record-before-shuffle:EXCEPTION_ON_RECORD",
                            "record-before-outbox:EXCEPTION_ON_RECORD",
                            "during-checkpoint:EXCEPTION_DURING_CHECKPOINT");
            PipelineFixture.Results results = run.results();
            PipelineFixture.assertMatches(expected, results);
            assertThat(PipelineFixture.countsByReason(results))
                    .as("DLQ counts by reason (seed %d)", seed)
                    .isEqualTo(PipelineFixture.countsByReason(expected));
            assertThat(run.serviceUnavailableRetries())
                    .isEqualTo(3 * run.downPlacedEvents(expected));
            fixture.assertNoOpenTransactions(fixture.outbox, fixture.dlq, fixture.retry);
        }
    }

    /** Terminates the only task manager once {@code commands} are committed; starts a new one. */
    private static void killTaskManagerAt(
            MiniCluster cluster, PipelineFixture fixture, int commands) {
        try (CommittedReader reader =
                new CommittedReader(fixture.kafka().bootstrapServers(), fixture.outbox)) {
            reader.until(
                    r -> r.count(fixture.outbox) >= commands,
                    Duration.ofMinutes(5),
                    commands + " commands before the task manager is killed");
            cluster.terminateTaskManager(0).get(1, TimeUnit.MINUTES);
            System.out.println("ExactlyOnceITCase: task manager terminated after " + commands);
            cluster.startTaskManager();
        } catch (Exception e) {
            throw new IllegalStateException("could not kill and restart the task manager", e);
        }
    }
}
