package dev.keyflow.reference;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keyflow.core.testutils.FlinkTestEnvironments;
import dev.keyflow.core.testutils.KafkaBrokerExtension;
import dev.keyflow.reference.demo.ExpectedOutcome;
import dev.keyflow.reference.demo.GeneratedEvent;
import dev.keyflow.reference.demo.OrderGenerator;
import dev.keyflow.reference.testing.CommittedReader;
import dev.keyflow.reference.testing.PipelineFixture;
import dev.keyflow.reference.testing.PipelineRun;
import dev.keyflow.rules.BundleFormat;
import dev.keyflow.rules.CelRule;
import dev.keyflow.rules.RuleBundle;
import dev.keyflow.rules.Severity;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A new rule bundle version published on the rules topic while the job runs takes effect without a
 * restart: commands made after the switch carry {@code orders@2}, each order switches once and
 * never back, and a broken version published after it is rejected with a {@code BUNDLE_REJECTED}
 * record while version 2 stays active. The outputs are otherwise exactly the model's.
 */
class RuleBundleChangeITCase {

    @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @RegisterExtension
    static final org.apache.flink.test.junit5.MiniClusterExtension FLINK =
            FlinkTestEnvironments.miniCluster(2);

    @TempDir Path savepoints;

    @Test
    void aNewBundleVersionTakesEffectWithoutARestart() throws Exception {
        List<GeneratedEvent> events =
                OrderGenerator.generate(
                        OrderGenerator.Settings.builder()
                                .seed(5L)
                                .events(12_000)
                                .orders(2_000)
                                .start(Instant.now().minus(20, ChronoUnit.MINUTES))
                                .spacing(Duration.ofMillis(10))
                                .build());
        ExpectedOutcome expected = ExpectedOutcome.of(events);
        int[] total = PipelineFixture.expectedCounts(expected, events);
        List<GeneratedEvent> main = PipelineRun.phase(events, GeneratedEvent.Phase.MAIN);
        RuleBundle v1 = (RuleBundle) BundleFormat.parse(BundleSources.fromClasspath());
        try (PipelineFixture fixture = new PipelineFixture(KAFKA, "bundles")) {
            publish(fixture, v1);
            fixture.produce(main.subList(0, main.size() / 2));
            PipelineRun run =
                    PipelineRun.launch(
                            fixture,
                            fixture.config(
                                    "bundles",
                                    Map.of("rules.source", "topic", "topics.rules", fixture.rules)),
                            events,
                            ReferenceJob.Taps.NONE,
                            conf -> {});
            try (CommittedReader reader =
                    new CommittedReader(KAFKA.bootstrapServers(), fixture.outbox)) {
                reader.until(
                        r -> r.count(fixture.outbox) >= total[0] / 5,
                        Duration.ofMinutes(2),
                        "a fifth of the commands with version 1");
            }
            publish(fixture, version(v1, 2, "WARNING rule added in version 2", "true"));
            publish(fixture, version(v1, 3, "broken", "quantity >"));
            fixture.produce(main.subList(main.size() / 2, main.size()));
            fixture.produceClocksAfter(events);
            run.awaitAll(expected, Duration.ofMinutes(3));
            run.stop(savepoints);

            PipelineFixture.Results results = run.results();
            List<String> rejected = results.errorsByEvent().remove("<no event id>");
            assertThat(rejected).containsExactly("BUNDLE_REJECTED");
            PipelineFixture.assertMatches(expected, results);
            assertVersionsSwitchOncePerOrder(KAFKA.client().readCommitted(fixture.outbox));
        }
    }

    private static void assertVersionsSwitchOncePerOrder(
            List<ConsumerRecord<byte[], byte[]>> outbox) throws Exception {
        ObjectMapper json = new ObjectMapper();
        Map<String, List<JsonNode>> byKey = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> record : outbox) {
            JsonNode command = json.readTree(record.value());
            byKey.computeIfAbsent(command.get("key").asText(), k -> new ArrayList<>()).add(command);
        }
        Map<String, Long> perVersion =
                byKey.values().stream()
                        .flatMap(List::stream)
                        .collect(
                                Collectors.groupingBy(
                                        c -> c.get("bundleVersion").asText(),
                                        TreeMap::new,
                                        Collectors.counting()));
        assertThat(perVersion).containsOnlyKeys("orders@1", "orders@2");
        assertThat(perVersion.get("orders@1")).isPositive();
        assertThat(perVersion.get("orders@2")).isPositive();
        byKey.forEach(
                (key, commands) -> {
                    commands.sort(Comparator.comparingLong(c -> c.get("sequence").asLong()));
                    String previous = "orders@1";
                    for (JsonNode command : commands) {
                        String version = command.get("bundleVersion").asText();
                        assertThat(version)
                                .as("bundle version of %s/%s", key, command.get("sequence"))
                                .isGreaterThanOrEqualTo(previous);
                        previous = version;
                    }
                });
    }

    private static RuleBundle version(RuleBundle v1, long version, String message, String rule) {
        List<CelRule> rules = new ArrayList<>(v1.rules());
        rules.add(new CelRule("added-in-" + version, rule, message, Severity.WARNING));
        return new RuleBundle(
                v1.name(),
                version,
                v1.keyPath(),
                v1.fields(),
                v1.schema(),
                v1.xsds(),
                rules,
                v1.filters());
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
