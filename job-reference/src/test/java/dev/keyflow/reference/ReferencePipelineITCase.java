package dev.keyflow.reference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyflow.core.testutils.FlinkTestEnvironments;
import dev.keyflow.core.testutils.KafkaBrokerExtension;
import dev.keyflow.reference.config.ReferenceConfig;
import dev.keyflow.reference.demo.CustomerClass;
import dev.keyflow.reference.demo.ExpectedOutcome;
import dev.keyflow.reference.demo.GeneratedEvent;
import dev.keyflow.reference.demo.OrderGenerator;
import dev.keyflow.reference.testing.CommittedReader;
import dev.keyflow.reference.testing.PipelineFixture;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole reference pipeline on a MiniCluster with the real broker: 50,000 generated order events
 * (invalid XML, schema and rule violations, invalid transitions, out-of-order and late events,
 * unknown and blocked customers, transient 500s and a service that stays down) end as exactly the
 * commands and typed errors the independent model expects.
 */
class ReferencePipelineITCase {

    @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @RegisterExtension
    static final MiniClusterExtension FLINK = FlinkTestEnvironments.miniCluster(2);

    @TempDir Path savepoints;

    @Test
    void fiftyThousandEventsEndExactlyAsTheModelExpects() throws Exception {
        List<GeneratedEvent> events =
                OrderGenerator.generate(
                        OrderGenerator.Settings.builder()
                                .seed(20261123L)
                                .events(50_000)
                                .orders(9_000)
                                .invalidShare(0.04)
                                .outOfOrderShare(0.05)
                                .lateShare(0.01)
                                .customerShare(CustomerClass.DOWN, 0.01)
                                .start(Instant.now().minus(20, ChronoUnit.MINUTES))
                                .spacing(Duration.ofMillis(10))
                                .build());
        ExpectedOutcome expected = ExpectedOutcome.of(events);
        try (PipelineFixture fixture = new PipelineFixture(KAFKA, "e2e")) {
            ReferenceConfig config = fixture.config("e2e", Map.of());
            Run run = Run.start(fixture, config, events, ReferenceJob.Taps.NONE);
            run.awaitAll(expected, Duration.ofMinutes(4));
            run.stop(savepoints);

            PipelineFixture.Results results = run.results();
            assertThat(PipelineFixture.countsByReason(results))
                    .isEqualTo(PipelineFixture.countsByReason(expected));
            PipelineFixture.assertMatches(expected, results);
            assertThat(run.serviceUnavailableRetries())
                    .as("each PLACED of a DOWN customer passes the retry topic 3 times")
                    .isEqualTo(3 * run.downPlacedEvents(expected));
            fixture.assertNoOpenTransactions(fixture.outbox, fixture.dlq, fixture.retry);
        }
    }

    /** One job run: produce MAIN, release it, produce LATE, stop with a savepoint. */
    static final class Run {
        final PipelineFixture fixture;
        final List<GeneratedEvent> events;
        final JobClient job;

        private Run(PipelineFixture fixture, List<GeneratedEvent> events, JobClient job) {
            this.fixture = fixture;
            this.events = events;
            this.job = job;
        }

        static Run start(
                PipelineFixture fixture,
                ReferenceConfig config,
                List<GeneratedEvent> events,
                ReferenceJob.Taps taps)
                throws Exception {
            List<GeneratedEvent> main = phase(events, GeneratedEvent.Phase.MAIN);
            fixture.produce(main);
            long lastMain = main.stream().mapToLong(GeneratedEvent::eventTime).max().orElse(0);
            fixture.produceClocks(Instant.ofEpochMilli(lastMain).plusSeconds(30));
            StreamExecutionEnvironment env =
                    StreamExecutionEnvironment.getExecutionEnvironment(
                            config.toFlinkConfiguration());
            ReferenceJob.build(env, config, taps);
            return new Run(fixture, events, env.executeAsync(config.job().name()));
        }

        /** Waits for the MAIN phase's results, produces the LATE phase, waits for everything. */
        void awaitAll(ExpectedOutcome expected, Duration timeout) {
            List<GeneratedEvent> main = phase(events, GeneratedEvent.Phase.MAIN);
            int[] mainCounts = PipelineFixture.expectedCounts(expected, main);
            int[] allCounts = PipelineFixture.expectedCounts(expected, events);
            try (CommittedReader reader =
                    new CommittedReader(KAFKA.bootstrapServers(), fixture.outbox, fixture.dlq)) {
                fixture.awaitAtLeast(reader, mainCounts[0], mainCounts[1], timeout);
                fixture.produce(phase(events, GeneratedEvent.Phase.LATE));
                fixture.awaitAtLeast(reader, allCounts[0], allCounts[1], timeout);
            } catch (AssertionError e) {
                PipelineFixture.Results now = results();
                throw new AssertionError(
                        e.getMessage()
                                + "; by reason "
                                + PipelineFixture.countsByReason(now)
                                + ", expected "
                                + PipelineFixture.countsByReason(expected)
                                + "; retry topic records: "
                                + KAFKA.client().readCommitted(fixture.retry).size(),
                        e);
            }
        }

        /** Stops the job with a savepoint, so that its last transactions are committed. */
        String stop(Path savepoints) throws Exception {
            return job.stopWithSavepoint(
                            false, savepoints.toUri().toString(), SavepointFormatType.CANONICAL)
                    .get();
        }

        PipelineFixture.Results results() {
            return PipelineFixture.Results.of(
                    KAFKA.client().readCommitted(fixture.outbox),
                    KAFKA.client().readCommitted(fixture.dlq));
        }

        long serviceUnavailableRetries() {
            return KAFKA.client().readCommitted(fixture.retry).stream()
                    .filter(
                            r ->
                                    "SERVICE_UNAVAILABLE"
                                            .equals(
                                                    new String(
                                                            r.headers()
                                                                    .lastHeader(
                                                                            dev.keyflow.core.kafka
                                                                                    .ErrorHeaders
                                                                                    .REASON)
                                                                    .value(),
                                                            java.nio.charset.StandardCharsets
                                                                    .UTF_8)))
                    .count();
        }

        long downPlacedEvents(ExpectedOutcome expected) {
            return expected.errors().values().stream()
                    .filter(r -> r == dev.keyflow.core.ErrorReason.RETRIES_EXHAUSTED)
                    .count();
        }

        static List<GeneratedEvent> phase(List<GeneratedEvent> events, GeneratedEvent.Phase p) {
            return events.stream().filter(e -> e.phase() == p).collect(Collectors.toList());
        }
    }
}
