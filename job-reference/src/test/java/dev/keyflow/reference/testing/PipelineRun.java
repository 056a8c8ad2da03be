package dev.keyflow.reference.testing;

import dev.keyflow.reference.ReferenceJob;
import dev.keyflow.reference.config.ReferenceConfig;
import dev.keyflow.reference.demo.ExpectedOutcome;
import dev.keyflow.reference.demo.GeneratedEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * One run of the reference job on the MiniCluster of the test: produce the MAIN phase and clock
 * events, start the job, wait for the MAIN results, produce the LATE phase, wait for everything,
 * stop with a savepoint.
 */
/** One job run: produce MAIN, release it, produce LATE, stop with a savepoint. */
public final class PipelineRun {
    final PipelineFixture fixture;
    final List<GeneratedEvent> events;
    public final JobClient job;
    private final java.util.concurrent.ScheduledExecutorService ticker =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor();

    private PipelineRun(PipelineFixture fixture, List<GeneratedEvent> events, JobClient job) {
        this.fixture = fixture;
        this.events = events;
        this.job = job;
        // Keep the stream alive, as production traffic would (see PipelineFixture#tick).
        ticker.scheduleWithFixedDelay(fixture::tick, 1, 1, java.util.concurrent.TimeUnit.SECONDS);
    }

    public static PipelineRun start(
            PipelineFixture fixture,
            ReferenceConfig config,
            List<GeneratedEvent> events,
            ReferenceJob.Taps taps)
            throws Exception {
        produceMainAndClocks(fixture, events);
        return launch(fixture, config, events, taps, conf -> {});
    }

    /** Produces the MAIN phase and, after it, one clock event per partition 30 s later. */
    public static void produceMainAndClocks(PipelineFixture fixture, List<GeneratedEvent> events) {
        List<GeneratedEvent> main = phase(events, GeneratedEvent.Phase.MAIN);
        fixture.produce(main);
        fixture.produceClocksAfter(events);
    }

    /** Starts the job (nothing is produced); {@code customize} may change Flink settings. */
    public static PipelineRun launch(
            PipelineFixture fixture,
            ReferenceConfig config,
            List<GeneratedEvent> events,
            ReferenceJob.Taps taps,
            java.util.function.Consumer<org.apache.flink.configuration.Configuration> customize)
            throws Exception {
        org.apache.flink.configuration.Configuration conf = config.toFlinkConfiguration();
        // Fast restarts, so that a run with several injected failures stays short.
        conf.set(
                org.apache.flink.configuration.RestartStrategyOptions.RESTART_STRATEGY,
                "fixed-delay");
        conf.set(
                org.apache.flink.configuration.RestartStrategyOptions
                        .RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS,
                100);
        conf.set(
                org.apache.flink.configuration.RestartStrategyOptions
                        .RESTART_STRATEGY_FIXED_DELAY_DELAY,
                Duration.ofMillis(200));
        customize.accept(conf);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        ReferenceJob.build(env, config, taps);
        return new PipelineRun(fixture, events, env.executeAsync(config.job().name()));
    }

    /** Waits for the MAIN phase's results, produces the LATE phase, waits for everything. */
    public void awaitAll(ExpectedOutcome expected, Duration timeout) {
        List<GeneratedEvent> main = phase(events, GeneratedEvent.Phase.MAIN);
        int[] mainCounts = PipelineFixture.expectedCounts(expected, main);
        int[] allCounts = PipelineFixture.expectedCounts(expected, events);
        try (CommittedReader reader =
                new CommittedReader(
                        fixture.kafka().bootstrapServers(), fixture.outbox, fixture.dlq)) {
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
                            + fixture.kafka().client().readCommitted(fixture.retry).size(),
                    e);
        }
    }

    /** Stops the job with a savepoint, so that its last transactions are committed. */
    public String stop(Path savepoints) throws Exception {
        ticker.shutdownNow();
        return job.stopWithSavepoint(
                        false, savepoints.toUri().toString(), SavepointFormatType.CANONICAL)
                .get();
    }

    public PipelineFixture.Results results() {
        return PipelineFixture.Results.of(
                fixture.kafka().client().readCommitted(fixture.outbox),
                fixture.kafka().client().readCommitted(fixture.dlq));
    }

    public long serviceUnavailableRetries() {
        return fixture.kafka().client().readCommitted(fixture.retry).stream()
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
                                                        java.nio.charset.StandardCharsets.UTF_8)))
                .count();
    }

    public long downPlacedEvents(ExpectedOutcome expected) {
        return expected.errors().values().stream()
                .filter(r -> r == dev.keyflow.core.ErrorReason.RETRIES_EXHAUSTED)
                .count();
    }

    public static List<GeneratedEvent> phase(List<GeneratedEvent> events, GeneratedEvent.Phase p) {
        return events.stream().filter(e -> e.phase() == p).collect(Collectors.toList());
    }
}
