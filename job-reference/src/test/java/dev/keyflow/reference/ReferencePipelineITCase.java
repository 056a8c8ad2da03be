package dev.keyflow.reference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyflow.core.kafka.ErrorHeaders;
import dev.keyflow.core.testutils.FlinkTestEnvironments;
import dev.keyflow.core.testutils.KafkaBrokerExtension;
import dev.keyflow.core.testutils.MetricRecorder;
import dev.keyflow.reference.config.ReferenceConfig;
import dev.keyflow.reference.demo.CustomerClass;
import dev.keyflow.reference.demo.ExpectedOutcome;
import dev.keyflow.reference.demo.GeneratedEvent;
import dev.keyflow.reference.demo.OrderGenerator;
import dev.keyflow.reference.testing.PipelineFixture;
import dev.keyflow.reference.testing.PipelineRun;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole reference pipeline on a MiniCluster with the real broker: 50,000 generated order events
 * (invalid XML, schema and rule violations, invalid transitions, out-of-order and late events,
 * unknown and blocked customers, transient 500s and a service that stays down) end as exactly the
 * commands and typed errors the independent model expects, and the {@code keyflow.errors} counters
 * by stage and reason equal the DLQ and retry-topic records.
 */
class ReferencePipelineITCase {

    @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    private static final InMemoryReporter REPORTER = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension FLINK = FlinkTestEnvironments.miniCluster(2, REPORTER);

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
            PipelineRun run = PipelineRun.start(fixture, config, events, ReferenceJob.Taps.NONE);
            run.awaitAll(expected, Duration.ofMinutes(4));
            run.stop(savepoints);

            PipelineFixture.Results results = run.results();
            assertThat(PipelineFixture.countsByReason(results))
                    .isEqualTo(PipelineFixture.countsByReason(expected));
            PipelineFixture.assertMatches(expected, results);
            assertThat(run.serviceUnavailableRetries())
                    .as("each PLACED of a DOWN customer passes the retry topic 3 times")
                    .isEqualTo(3 * run.downPlacedEvents(expected));

            List<ConsumerRecord<byte[], byte[]>> errorRecords =
                    new ArrayList<>(fixture.kafka().client().readCommitted(fixture.dlq));
            errorRecords.addAll(fixture.kafka().client().readCommitted(fixture.retry));
            Map<String, Long> written = byStageAndReason(errorRecords);
            assertThat(written)
                    .as("the run has errors of many stages and reasons")
                    .containsKeys(
                            "KEY_EXTRACTION/KEY_MISSING",
                            "KEY_EXTRACTION/DOCTYPE_FORBIDDEN",
                            "RESEQUENCING/LATE",
                            "RULES/RULE_VIOLATION",
                            "PROCESSING/INVALID_TRANSITION",
                            "PROCESSING/BUSINESS_REJECTED",
                            "ENRICHMENT/SERVICE_UNAVAILABLE",
                            "ENRICHMENT/RETRIES_EXHAUSTED");
            assertThat(
                            MetricRecorder.errorCounts(
                                    REPORTER.findMetrics(run.job.getJobID(), "keyflow")))
                    .as("keyflow.errors counters by stage and reason = DLQ + retry topic")
                    .isEqualTo(written);
            // Last: it writes marker records into the topics.
            fixture.assertNoOpenTransactions(fixture.outbox, fixture.dlq, fixture.retry);
        }
    }

    private static Map<String, Long> byStageAndReason(
            List<ConsumerRecord<byte[], byte[]>> records) {
        Map<String, Long> counts = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            counts.merge(
                    header(record, ErrorHeaders.STAGE) + "/" + header(record, ErrorHeaders.REASON),
                    1L,
                    Long::sum);
        }
        return counts;
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        org.apache.kafka.common.header.Header h = record.headers().lastHeader(name);
        if (h == null) {
            System.err.println(
                    "DEBUGX "
                            + record.topic()
                            + " "
                            + record
                            + " "
                            + new String(
                                    record.value() == null ? new byte[0] : record.value(),
                                    StandardCharsets.UTF_8));
            return "MISSING";
        }
        return new String(h.value(), StandardCharsets.UTF_8);
    }
}
