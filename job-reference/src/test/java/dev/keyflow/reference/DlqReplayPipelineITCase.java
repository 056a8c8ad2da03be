package dev.keyflow.reference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyflow.core.kafka.ErrorHeaders;
import dev.keyflow.core.testutils.FlinkTestEnvironments;
import dev.keyflow.core.testutils.KafkaBrokerExtension;
import dev.keyflow.reference.demo.CustomerClass;
import dev.keyflow.reference.demo.ExpectedOutcome;
import dev.keyflow.reference.demo.GeneratedEvent;
import dev.keyflow.reference.demo.OrderGenerator;
import dev.keyflow.reference.testing.CommittedReader;
import dev.keyflow.reference.testing.PipelineFixture;
import dev.keyflow.reference.testing.PipelineRun;
import dev.keyflow.reference.tools.DlqReplay;
import dev.keyflow.rules.BundleFormat;
import dev.keyflow.rules.CelRule;
import dev.keyflow.rules.RuleBundle;
import dev.keyflow.rules.Severity;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rule bundle version that wrongly rejects every order whose id ends in 7 sends their events to
 * the DLQ; version 2 fixes the rule; the replay tool sends exactly those dead letters back to the
 * input topic, and the job's read_committed outputs are then exactly the model's for every order.
 */
class DlqReplayPipelineITCase {

    @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @RegisterExtension
    static final MiniClusterExtension FLINK = FlinkTestEnvironments.miniCluster(2);

    @TempDir Path savepoints;

    private static final String WRONG_RULE = "no-orders-ending-in-7";

    @Test
    void aFixedRuleBundleAndAReplayBringExactlyTheRejectedRecordsThrough() throws Exception {
        List<GeneratedEvent> events =
                OrderGenerator.generate(
                        OrderGenerator.Settings.builder()
                                .seed(16L)
                                .events(3_000)
                                .orders(600)
                                .invalidShare(0)
                                .outOfOrderShare(0)
                                .lateShare(0)
                                .customerShare(CustomerClass.DOWN, 0)
                                .start(Instant.now().minus(20, ChronoUnit.MINUTES))
                                .spacing(Duration.ofMillis(10))
                                .build());
        List<GeneratedEvent> wronglyRejected =
                events.stream().filter(e -> rejectedByTheWrongRule(e.orderId())).toList();
        List<GeneratedEvent> others =
                events.stream().filter(e -> !rejectedByTheWrongRule(e.orderId())).toList();
        assertThat(wronglyRejected).hasSizeGreaterThan(100);
        ExpectedOutcome expected = ExpectedOutcome.of(events);
        int[] firstPass = PipelineFixture.expectedCounts(ExpectedOutcome.of(others), others);
        int[] all = PipelineFixture.expectedCounts(expected, events);

        RuleBundle classpath = (RuleBundle) BundleFormat.parse(BundleSources.fromClasspath());
        try (PipelineFixture fixture = new PipelineFixture(KAFKA, "replay")) {
            publish(fixture, withWrongRule(classpath));
            PipelineRun run =
                    PipelineRun.start(
                            fixture,
                            fixture.config(
                                    "replay",
                                    Map.of(
                                            "rules.source", "topic",
                                            "topics.rules", fixture.rules,
                                            // A replayed event is older than the watermark: with
                                            // the resequencer on it would be LATE.
                                            "pipeline.resequencer.enabled", "false",
                                            // One subtask, so the bundle switch is seen below.
                                            "job.parallelism", "1",
                                            // Until the first bundle has arrived from its
                                            // topic, elements fail with BUNDLE_MISSING: retry
                                            // them in the operator (in key order) long enough
                                            // that none takes the retry topic, which the model
                                            // does not expect.
                                            "pipeline.async.max-attempts", "60",
                                            "pipeline.async.max-backoff", "500ms")),
                            events,
                            ReferenceJob.Taps.NONE);
            try (CommittedReader reader =
                    new CommittedReader(KAFKA.bootstrapServers(), fixture.outbox, fixture.dlq)) {
                fixture.awaitAtLeast(
                        reader,
                        firstPass[0],
                        firstPass[1] + wronglyRejected.size(),
                        Duration.ofMinutes(3));

                // Version 2 fixes the rule; a broken version 3 after it is rejected, and its
                // BUNDLE_REJECTED record shows that version 2 is active (one partition, in order).
                publish(fixture, version(classpath, 2));
                publish(fixture, broken(classpath, 3));
                reader.until(
                        r -> r.records(fixture.dlq).stream().anyMatch(this::bundleRejected),
                        Duration.ofMinutes(2),
                        "the rejection of bundle version 3");

                List<ConsumerRecord<byte[], byte[]>> toReplay =
                        reader.records(fixture.dlq).stream()
                                .filter(
                                        r ->
                                                "RULE_VIOLATION"
                                                        .equals(header(r, ErrorHeaders.REASON)))
                                .filter(
                                        r ->
                                                "orders@1"
                                                        .equals(
                                                                header(
                                                                        r,
                                                                        ErrorHeaders.RULE_VERSION)))
                                .toList();
                StringWriter dryRun = new StringWriter();
                assertThat(replay(fixture, dryRun, "--dry-run")).isZero();
                assertThat(dryRun.toString())
                        .contains("selected " + toReplay.size())
                        .containsPattern("RULE_VIOLATION +" + toReplay.size())
                        .contains("nothing written");

                long distinct = toReplay.stream().map(r -> eventId(r)).distinct().count();
                StringWriter replayed = new StringWriter();
                assertThat(replay(fixture, replayed)).isZero();
                assertThat(replayed.toString())
                        .contains(
                                "replayed "
                                        + distinct
                                        + " records {"
                                        + fixture.input
                                        + "="
                                        + distinct
                                        + "}");

                // Every command of the model; the DLQ gets the records of the first pass, the
                // replayed events' own errors and the genuine violations rejected once more.
                long firstPassWrong =
                        toReplay.stream().filter(r -> rejectedByTheWrongRule(orderIdOf(r))).count();
                long genuine = toReplay.size() - firstPassWrong;
                fixture.awaitAtLeast(
                        reader,
                        all[0],
                        (int) (all[1] + firstPassWrong + genuine + 1),
                        Duration.ofMinutes(3));
            }
            run.stop(savepoints);

            java.util.Set<String> wrongIds =
                    wronglyRejected.stream()
                            .map(GeneratedEvent::eventId)
                            .collect(java.util.stream.Collectors.toSet());
            List<ConsumerRecord<byte[], byte[]>> firstPassWrong = new ArrayList<>();
            List<ConsumerRecord<byte[], byte[]>> firstPassGenuine = new ArrayList<>();
            List<ConsumerRecord<byte[], byte[]>> rejectedAgain = new ArrayList<>();
            List<ConsumerRecord<byte[], byte[]>> dlq = new ArrayList<>();
            for (ConsumerRecord<byte[], byte[]> record :
                    KAFKA.client().readCommitted(fixture.dlq)) {
                if (bundleRejected(record)) {
                    continue;
                }
                boolean wrongOrder = wrongIds.contains(eventId(record));
                boolean replay = header(record, DlqReplay.REPLAY_COUNT_HEADER) != null;
                if (!replay && wrongOrder) {
                    firstPassWrong.add(record);
                } else if (replay && !wrongOrder) {
                    rejectedAgain.add(record);
                } else {
                    dlq.add(record);
                    if (!replay && "RULE_VIOLATION".equals(header(record, ErrorHeaders.REASON))) {
                        firstPassGenuine.add(record);
                    }
                }
            }
            assertThat(firstPassWrong)
                    .filteredOn(r -> header(r, ErrorHeaders.MESSAGE).startsWith(WRONG_RULE))
                    .as("the wrong rule dead-lettered every event of those orders, once")
                    .extracting(DlqReplayPipelineITCase::eventId)
                    .containsExactlyInAnyOrderElementsOf(wrongIds);
            assertThat(firstPassWrong)
                    .allSatisfy(
                            r -> {
                                assertThat(header(r, ErrorHeaders.REASON))
                                        .isEqualTo("RULE_VIOLATION");
                                assertThat(header(r, ErrorHeaders.RULE_VERSION))
                                        .isEqualTo("orders@1");
                            });
            assertThat(rejectedAgain)
                    .as("genuine violations replayed too are rejected again, once, by version 2")
                    .extracting(DlqReplayPipelineITCase::eventId)
                    .containsExactlyInAnyOrderElementsOf(
                            firstPassGenuine.stream()
                                    .map(DlqReplayPipelineITCase::eventId)
                                    .toList());
            assertThat(rejectedAgain)
                    .allSatisfy(
                            r -> {
                                assertThat(header(r, ErrorHeaders.REASON))
                                        .isEqualTo("RULE_VIOLATION");
                                assertThat(header(r, ErrorHeaders.RULE_VERSION))
                                        .isEqualTo("orders@2");
                                assertThat(header(r, DlqReplay.REPLAY_COUNT_HEADER)).isEqualTo("1");
                            });
            PipelineFixture.assertMatches(
                    expected,
                    PipelineFixture.Results.of(KAFKA.client().readCommitted(fixture.outbox), dlq));
            fixture.assertNoOpenTransactions(fixture.outbox, fixture.dlq, fixture.retry);
        }
    }

    private static String orderIdOf(ConsumerRecord<byte[], byte[]> record) {
        return record.key() == null ? "" : new String(record.key(), StandardCharsets.UTF_8);
    }

    private static String eventId(ConsumerRecord<byte[], byte[]> record) {
        return ExpectedOutcome.eventIdOf(record.value()).orElse("<no event id>");
    }

    private static boolean rejectedByTheWrongRule(String orderId) {
        return orderId.startsWith("order-") && orderId.endsWith("7");
    }

    private boolean bundleRejected(ConsumerRecord<byte[], byte[]> record) {
        return "BUNDLE_REJECTED".equals(header(record, ErrorHeaders.REASON));
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        var header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static int replay(PipelineFixture fixture, StringWriter out, String... extra) {
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "--bootstrap-servers",
                                KAFKA.bootstrapServers(),
                                "--dlq",
                                fixture.dlq,
                                "--reason",
                                "RULE_VIOLATION",
                                "--rule-version",
                                "orders@1"));
        args.addAll(List.of(extra));
        StringWriter err = new StringWriter();
        int status =
                DlqReplay.run(
                        args.toArray(new String[0]),
                        new PrintWriter(out, true),
                        new PrintWriter(err, true));
        assertThat(err.toString()).isEmpty();
        return status;
    }

    private static RuleBundle withWrongRule(RuleBundle classpath) {
        List<CelRule> rules = new ArrayList<>(classpath.rules());
        rules.add(
                new CelRule(
                        WRONG_RULE,
                        "!(orderId.startsWith('order-') && orderId.endsWith('7'))",
                        "orders ending in 7 are refused (a mistake fixed in version 2)",
                        Severity.ERROR));
        return copy(classpath, 1, rules);
    }

    private static RuleBundle version(RuleBundle classpath, long version) {
        return copy(classpath, version, classpath.rules());
    }

    private static RuleBundle broken(RuleBundle classpath, long version) {
        List<CelRule> rules = new ArrayList<>(classpath.rules());
        rules.add(new CelRule("broken", "quantity >", "does not compile", Severity.ERROR));
        return copy(classpath, version, rules);
    }

    private static RuleBundle copy(RuleBundle b, long version, List<CelRule> rules) {
        return new RuleBundle(
                b.name(),
                version,
                b.keyPath(),
                b.fields(),
                b.schema(),
                b.xsds(),
                rules,
                b.filters());
    }

    private static void publish(PipelineFixture fixture, RuleBundle bundle) {
        KAFKA.client()
                .produce(
                        List.of(
                                new ProducerRecord<>(
                                        fixture.rules,
                                        0,
                                        (bundle.name() + "@" + bundle.version())
                                                .getBytes(StandardCharsets.UTF_8),
                                        BundleFormat.toJson(bundle))));
    }
}
