package dev.keyflow.reference;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keyflow.core.testutils.FlinkTestEnvironments;
import dev.keyflow.core.testutils.KafkaBrokerExtension;
import dev.keyflow.reference.demo.CustomerClass;
import dev.keyflow.reference.demo.ExpectedOutcome;
import dev.keyflow.reference.demo.GeneratedEvent;
import dev.keyflow.reference.demo.OrderGenerator;
import dev.keyflow.reference.orders.Orders;
import dev.keyflow.reference.testing.CommittedReader;
import dev.keyflow.reference.testing.PipelineFixture;
import dev.keyflow.reference.testing.PipelineRun;
import dev.keyflow.state.Retention;
import dev.keyflow.state.SavepointInspector;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stop with a savepoint in the middle of a run (half of the input produced), restart from it with
 * parallelism 3 instead of 2: nothing lost, nothing doubled, and every order's event log in the
 * final savepoint is contiguous from sequence 1 with one entry per accepted event.
 */
class SavepointRescaleITCase {

    @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @RegisterExtension
    static final MiniClusterExtension FLINK = FlinkTestEnvironments.miniCluster(4);

    @TempDir Path savepoints;

    @Test
    void restartingFromASavepointWithAnotherParallelismLosesAndDoublesNothing() throws Exception {
        List<GeneratedEvent> events =
                OrderGenerator.generate(
                        OrderGenerator.Settings.builder()
                                .seed(99L)
                                .events(20_000)
                                .orders(3_500)
                                .customerShare(CustomerClass.DOWN, 0.01)
                                .start(Instant.now().minus(20, ChronoUnit.MINUTES))
                                .spacing(Duration.ofMillis(10))
                                .build());
        ExpectedOutcome expected = ExpectedOutcome.of(events);
        int[] total = PipelineFixture.expectedCounts(expected, events);
        try (PipelineFixture fixture = new PipelineFixture(KAFKA, "rescale")) {
            // The first half before the savepoint, the second after: a savepoint mid-run.
            List<GeneratedEvent> main = PipelineRun.phase(events, GeneratedEvent.Phase.MAIN);
            fixture.produce(main.subList(0, main.size() / 2));
            PipelineRun first =
                    PipelineRun.launch(
                            fixture,
                            fixture.config("rescale", Map.of("job.parallelism", "2")),
                            events,
                            ReferenceJob.Taps.NONE,
                            conf -> {});
            try (CommittedReader reader =
                    new CommittedReader(KAFKA.bootstrapServers(), fixture.outbox)) {
                reader.until(
                        r -> r.count(fixture.outbox) >= total[0] / 3,
                        Duration.ofMinutes(3),
                        "a third of the commands before the savepoint");
            }
            String savepoint = first.stop(savepoints);
            int before = KAFKA.client().readCommitted(fixture.outbox).size();
            assertThat(before).isLessThan(total[0]);
            fixture.produce(main.subList(main.size() / 2, main.size()));
            fixture.produceClocksAfter(events);

            PipelineRun second =
                    PipelineRun.launch(
                            fixture,
                            fixture.config("rescale", Map.of("job.parallelism", "3")),
                            events,
                            ReferenceJob.Taps.NONE,
                            conf -> conf.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint));
            second.awaitAll(expected, Duration.ofMinutes(4));
            String last = second.stop(savepoints);

            PipelineFixture.assertMatches(expected, second.results());
            fixture.assertNoOpenTransactions(fixture.outbox, fixture.dlq, fixture.retry);
            assertEventLogsAreContiguous(last, expected, events);
            assertTheDocumentedInspectCommandPrintsOneOrder(last, expected, events);
        }
    }

    /** The command of docs/operations.md ("Inspect a savepoint"), run in this JVM. */
    private static void assertTheDocumentedInspectCommandPrintsOneOrder(
            String savepoint, ExpectedOutcome expected, List<GeneratedEvent> events)
            throws Exception {
        String order =
                events.stream()
                        .filter(e -> expected.fate(e.eventId()).isAccepted())
                        .findFirst()
                        .orElseThrow()
                        .orderId();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int status =
                dev.keyflow.state.InspectSavepoint.run(
                        new String[] {
                            "--savepoint",
                            savepoint,
                            "--uid",
                            ReferenceJob.PROCESSOR_UID,
                            "--name",
                            Orders.LOG_NAME,
                            "--mutation-class",
                            "dev.keyflow.reference.orders.OrderMutation",
                            "--state-class",
                            "dev.keyflow.reference.orders.OrderState",
                            "--key",
                            order
                        },
                        FlinkTestEnvironments.strictEnvironment(1),
                        new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8),
                        new java.io.PrintStream(
                                err, true, java.nio.charset.StandardCharsets.UTF_8));
        assertThat(status).as(err.toString(java.nio.charset.StandardCharsets.UTF_8)).isZero();
        List<String> lines = out.toString(java.nio.charset.StandardCharsets.UTF_8).lines().toList();
        assertThat(lines)
                .isNotEmpty()
                .allSatisfy(line -> assertThat(line).contains("\"key\":\"" + order + "\""));
    }

    /** Reads every order's event log out of the savepoint: 1..n, one entry per accepted event. */
    private static void assertEventLogsAreContiguous(
            String savepoint, ExpectedOutcome expected, List<GeneratedEvent> events)
            throws Exception {
        StreamExecutionEnvironment env = FlinkTestEnvironments.strictEnvironment(2);
        List<String> lines =
                SavepointInspector.<String>builder()
                        .savepoint(savepoint)
                        .operatorUid(ReferenceJob.PROCESSOR_UID)
                        .eventLog(Orders.eventLog(100, Retention.keepLast(1000)))
                        .keyType(Types.STRING)
                        .build()
                        .collect(env);
        ObjectMapper json = new ObjectMapper();
        Map<String, List<Long>> sequences = new TreeMap<>();
        for (String line : lines) {
            JsonNode entry = json.readTree(line);
            if (PipelineFixture.isClock(entry.get("key").asText())) {
                continue; // the test's own clock orders
            }
            sequences
                    .computeIfAbsent(entry.get("key").asText(), k -> new ArrayList<>())
                    .add(entry.get("sequence").asLong());
        }
        Map<String, Long> acceptedPerOrder = new TreeMap<>();
        for (GeneratedEvent e : events) {
            if (expected.fate(e.eventId()).isAccepted()) {
                acceptedPerOrder.merge(e.orderId(), 1L, Long::sum);
            }
        }
        Map<String, Long> logSizes = new TreeMap<>();
        sequences.forEach(
                (key, seqs) -> {
                    List<Long> sorted = new ArrayList<>(seqs);
                    Collections.sort(sorted);
                    for (int i = 0; i < sorted.size(); i++) {
                        assertThat(sorted.get(i))
                                .as("event log entry %d of %s", i + 1, key)
                                .isEqualTo(i + 1L);
                    }
                    logSizes.put(key, (long) sorted.size());
                });
        assertThat(logSizes).isEqualTo(acceptedPerOrder);
    }
}
