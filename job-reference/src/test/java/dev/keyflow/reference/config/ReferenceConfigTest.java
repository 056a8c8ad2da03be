package dev.keyflow.reference.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyflow.core.KeyflowConfigException;
import dev.keyflow.reference.config.EnrichmentConfig.CircuitBreakerConfig;
import dev.keyflow.reference.config.EnrichmentConfig.RateLimitConfig;
import dev.keyflow.reference.config.PipelineConfig.AsyncConfig;
import dev.keyflow.reference.config.PipelineConfig.ResequencerConfig;
import dev.keyflow.reference.config.PipelineConfig.RetryTopicConfig;
import dev.keyflow.state.StateBackendSettings;
import dev.keyflow.state.StateBackendSettings.Backend;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ReferenceConfigTest {

    /** Only the required keys: everything else takes its default. */
    private static final String MINIMAL =
            """
            kafka:
              bootstrap-servers: broker:9092
            topics:
              input: orders
              outbox: orders.commands
              dlq: orders.dlq
            enrichment:
              url: https://customers.example/customers/{id}
            """;

    private static ReferenceConfig parse(String yaml) {
        return ConfigLoader.parse(yaml, Map.of());
    }

    private static ReferenceConfig minimalWith(String key, String value) {
        return ConfigLoader.parse(MINIMAL, Map.of(key, value));
    }

    private static void assertRejected(String yaml, String... messageParts) {
        assertThatThrownBy(() -> parse(yaml))
                .isInstanceOf(KeyflowConfigException.class)
                .hasMessageContainingAll(messageParts);
    }

    private static void assertOverrideRejected(String key, String value, String messageStart) {
        assertThatThrownBy(() -> minimalWith(key, value))
                .isInstanceOf(KeyflowConfigException.class)
                .hasMessageStartingWith(messageStart);
    }

    @Nested
    class TheDefaultFile {

        @Test
        void loadsWithTheLocalSettings() {
            ReferenceConfig config = ConfigLoader.fromArgs(new String[0]);

            assertThat(config.kafka().bootstrapServers()).isEqualTo("localhost:9092");
            assertThat(config.kafka().groupId()).isEqualTo("keyflow-orders");
            assertThat(config.enrichment().url()).isEqualTo("http://localhost:8089/customers/{id}");
            assertThat(config.rules().source()).isEqualTo(RulesConfig.Source.CLASSPATH);
            assertThat(config.state().backend()).isEqualTo(Backend.ROCKSDB);
            assertThat(config.state().checkpointDirectory()).isNull();
            assertThat(config.state().savepointDirectory()).isNull();
        }

        @Test
        void holdsTheDefaultOfEveryOptionalKey() {
            ReferenceConfig fromFile = ConfigLoader.fromArgs(new String[0]);
            ReferenceConfig fromDefaults =
                    ConfigLoader.parse(
                            """
                            kafka: {bootstrap-servers: "localhost:9092"}
                            topics: {input: orders, outbox: orders.commands, dlq: orders.dlq}
                            enrichment: {url: "http://localhost:8089/customers/{id}"}
                            """,
                            Map.of());

            assertThat(fromFile).isEqualTo(fromDefaults);
        }

        @Test
        void writesEveryKeyOfTheSchema() {
            String yaml = ConfigLoader.defaultYaml();
            List<String> missing = new java.util.ArrayList<>();
            collectKeys("", ConfigSchema.ROOT, missing);
            // Every key path appears as "name:" in the file; a rough but useful check.
            missing.removeIf(
                    path -> yaml.contains(path.substring(path.lastIndexOf('.') + 1) + ":"));
            assertThat(missing).isEmpty();
        }

        private void collectKeys(String prefix, ConfigSchema.Key section, List<String> out) {
            section.keys()
                    .forEach(
                            (name, key) -> {
                                String path = prefix.isEmpty() ? name : prefix + "." + name;
                                out.add(path);
                                if (key.kind() == ConfigSchema.Kind.SECTION) {
                                    collectKeys(path, key, out);
                                }
                            });
        }
    }

    @Nested
    class Defaults {

        private final ReferenceConfig config = parse(MINIMAL);

        @Test
        void job() {
            assertThat(config.job()).isEqualTo(new JobConfig("keyflow-orders", null));
            assertThat(config.job().parallelismIfSet()).isEmpty();
        }

        @Test
        void kafkaGroupIdIsTheJobName() {
            assertThat(config.kafka())
                    .isEqualTo(
                            new KafkaConfig(
                                    "broker:9092",
                                    "keyflow-orders",
                                    Duration.ofMinutes(15),
                                    Map.of()));
            assertThat(ConfigLoader.parse(MINIMAL, Map.of("job.name", "other")).kafka().groupId())
                    .isEqualTo("other");
        }

        @Test
        void topics() {
            assertThat(config.topics().retryTopic()).isEmpty();
            assertThat(config.topics().rulesTopic()).isEmpty();
        }

        @Test
        void pipeline() {
            assertThat(config.pipeline())
                    .isEqualTo(
                            new PipelineConfig(
                                    Duration.ofSeconds(5),
                                    Duration.ofMinutes(1),
                                    new ResequencerConfig(true, 10_000),
                                    new AsyncConfig(
                                            1000,
                                            Duration.ofSeconds(30),
                                            3,
                                            Duration.ofMillis(100),
                                            Duration.ofSeconds(5)),
                                    new RetryTopicConfig(3, Duration.ofSeconds(5))));
        }

        @Test
        void rules() {
            assertThat(config.rules())
                    .isEqualTo(new RulesConfig(RulesConfig.Source.CLASSPATH, null, "orders"));
        }

        @Test
        void enrichment() {
            assertThat(config.enrichment())
                    .isEqualTo(
                            new EnrichmentConfig(
                                    "https://customers.example/customers/{id}",
                                    Duration.ofSeconds(2),
                                    List.of(),
                                    64,
                                    Duration.ofSeconds(4),
                                    new CircuitBreakerConfig(0, Duration.ofSeconds(30)),
                                    new RateLimitConfig(0, Duration.ofSeconds(1))));
            assertThat(config.enrichment().circuitBreaker().enabled()).isFalse();
            assertThat(config.enrichment().rateLimit().enabled()).isFalse();
        }

        @Test
        void state() {
            assertThat(config.state())
                    .isEqualTo(
                            new StateConfig(
                                    Backend.ROCKSDB,
                                    true,
                                    100,
                                    1000,
                                    null,
                                    null,
                                    false,
                                    false,
                                    null));
        }

        @Test
        void hashmapStateIsNotIncrementalByDefault() {
            StateConfig state = minimalWith("state.backend", "HashMap").state();

            assertThat(state.backend()).isEqualTo(Backend.HASHMAP);
            assertThat(state.incremental()).isFalse();
        }

        @Test
        void checkpoints() {
            assertThat(config.checkpoints())
                    .isEqualTo(
                            new CheckpointsConfig(
                                    Duration.ofSeconds(10),
                                    Duration.ofMinutes(2),
                                    Duration.ZERO,
                                    false,
                                    0));
        }

        @Test
        void metrics() {
            assertThat(config.metrics().prometheus())
                    .isEqualTo(new MetricsConfig.PrometheusConfig(false, "9249"));
        }

        @Test
        void nullAndEmptySectionsTakeTheDefaults() {
            ReferenceConfig withEmpty =
                    parse(MINIMAL + "pipeline:\nstate: ~\nmetrics: {prometheus: {}}\n");

            assertThat(withEmpty).isEqualTo(config);
        }

        @Test
        void theConfigurationIsSerializable() throws Exception {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
                out.writeObject(config);
            }
            try (ObjectInputStream in =
                    new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
                assertThat(in.readObject()).isEqualTo(config);
            }
        }
    }

    @Nested
    class Values {

        @ParameterizedTest
        @CsvSource({
            "500ms, PT0.5S",
            "5s, PT5S",
            "2m, PT2M",
            "1h, PT1H",
            "1d, PT24H",
            "PT5S, PT5S",
            "pt1m30s, PT1M30S",
            "0, PT0S"
        })
        void durationsInBothForms(String written, String expected) {
            ReferenceConfig config =
                    parse(MINIMAL + "pipeline: {max-out-of-orderness: " + written + "}");

            assertThat(config.pipeline().maxOutOfOrderness()).isEqualTo(Duration.parse(expected));
        }

        @Test
        void everyKeyIsRead() {
            ReferenceConfig config =
                    parse(
                            """
                            job: {name: orders-eu, parallelism: 4}
                            kafka:
                              bootstrap-servers: b1:9092,b2:9092
                              group-id: eu
                              transaction-timeout: PT10M
                              properties: {security.protocol: SSL, linger.ms: 5}
                            topics: {input: i, outbox: o, dlq: d, retry: r, rules: rr}
                            pipeline:
                              resequencer: {enabled: false, max-buffered-per-key: 5}
                              async: {capacity: 10, max-backoff: 1s}
                              retry-topic: {max-attempts: 7, delay: 0s}
                            rules: {source: TOPIC, bundle-name: eu}
                            enrichment:
                              url: http://c/{id}
                              allowed-hosts: [c, d]
                              idle-connection-timeout: 2s
                              circuit-breaker: {failures: 5, open-wait: 10s}
                              rate-limit: {permits: 100, period: 1s}
                            state: {backend: hashmap, incremental: false, local-recovery: true}
                            checkpoints: {interval: 1m, timeout: 1m, unaligned: true}
                            metrics: {prometheus: {enabled: true, port: 9249-9260}}
                            """);

            assertThat(config.job().parallelism()).isEqualTo(4);
            assertThat(config.kafka().groupId()).isEqualTo("eu");
            assertThat(config.kafka().properties())
                    .containsExactlyInAnyOrderEntriesOf(
                            Map.of("security.protocol", "SSL", "linger.ms", "5"));
            assertThat(config.topics().retryTopic()).contains("r");
            assertThat(config.pipeline().resequencer().enabled()).isFalse();
            assertThat(config.pipeline().retryTopic().delay()).isZero();
            assertThat(config.rules().source()).isEqualTo(RulesConfig.Source.TOPIC);
            assertThat(config.enrichment().allowedHosts()).containsExactly("c", "d");
            assertThat(config.enrichment().idleConnectionTimeout()).hasSeconds(2);
            assertThat(config.enrichment().circuitBreaker().enabled()).isTrue();
            assertThat(config.state().localRecovery()).isTrue();
            assertThat(config.checkpoints().unaligned()).isTrue();
            assertThat(config.metrics().prometheus().port()).isEqualTo("9249-9260");
        }

        @Test
        void aRulesDirectoryThatExists(@TempDir Path dir) {
            ReferenceConfig config =
                    ConfigLoader.parse(
                            MINIMAL,
                            Map.of("rules.source", "directory", "rules.directory", dir.toString()));

            assertThat(config.rules().directoryIfSet()).contains(dir.toString());
        }
    }

    @Nested
    class Errors {

        @Test
        void unknownTopLevelKey() {
            assertRejected(
                    MINIMAL + "pipline: {}\n",
                    "pipline: unknown key; known sections: job, kafka, topics, pipeline, rules,"
                            + " enrichment, state, checkpoints, restart-strategy, metrics");
        }

        @Test
        void unknownNestedKey() {
            assertRejected(
                    MINIMAL + "pipeline: {async: {capacitty: 5}}\n",
                    "pipeline.async.capacitty: unknown key; known keys under pipeline.async:"
                            + " capacity, timeout, max-attempts, initial-backoff, max-backoff");
        }

        @Test
        void camelCaseIsNotAKey() {
            assertRejected(
                    MINIMAL + "pipeline: {maxOutOfOrderness: 5s}\n",
                    "pipeline.maxOutOfOrderness: unknown key");
        }

        @Test
        void duplicateKey() {
            assertRejected(
                    MINIMAL + "pipeline:\n  async:\n    capacity: 5\n    capacity: 6\n",
                    "pipeline.async.capacity: duplicate key");
        }

        @Test
        void wrongTypes() {
            assertRejected(
                    MINIMAL + "pipeline: {async: {capacity: lots}}",
                    "pipeline.async.capacity: 'lots' is not an integer");
            assertRejected(
                    MINIMAL + "pipeline: {async: {capacity: 1.5}}",
                    "pipeline.async.capacity: '1.5' is not an integer");
            assertRejected(
                    MINIMAL + "pipeline: {async: {capacity: '10'}}",
                    "pipeline.async.capacity: '10' is not an integer");
            assertRejected(
                    MINIMAL + "pipeline: {async: {capacity: 99999999999}}",
                    "pipeline.async.capacity: 99999999999 is out of range");
            assertRejected(
                    MINIMAL + "pipeline: {resequencer: {enabled: 1}}",
                    "pipeline.resequencer.enabled: '1' is not true or false");
            assertRejected(
                    MINIMAL + "pipeline: {async: [1, 2]}",
                    "pipeline.async: expected a section with the keys capacity, timeout");
            assertRejected(
                    MINIMAL + "  allowed-hosts: x\n",
                    "enrichment.allowed-hosts: 'x' is not a list");
            assertRejected(
                    MINIMAL.replace("broker:9092\n", "broker:9092\n  properties: {a: {b: c}}\n"),
                    "kafka.properties.a: expected a string");
        }

        @Test
        void badDurations() {
            assertRejected(
                    MINIMAL + "checkpoints: {interval: 10 apples}",
                    "checkpoints.interval: '10 apples' is not a duration (use 500ms, 5s, 2m or"
                            + " PT5S)");
            assertRejected(
                    MINIMAL + "checkpoints: {interval: 10}",
                    "checkpoints.interval: '10' is not a duration");
            assertRejected(
                    MINIMAL + "checkpoints: {interval: {s: 10}}",
                    "checkpoints.interval: expected a duration");
        }

        @Test
        void badEnums() {
            assertRejected(
                    MINIMAL + "rules: {source: git}",
                    "rules.source: 'git' is not one of classpath, directory, topic");
            assertRejected(
                    MINIMAL + "state: {backend: memory}",
                    "state.backend: 'memory' is not one of rocksdb, hashmap");
        }

        @Test
        void outOfRange() {
            assertRejected(
                    MINIMAL + "pipeline: {async: {capacity: -1}}",
                    "pipeline.async.capacity: -1 is too small; must be >= 1");
            assertRejected(MINIMAL + "job: {parallelism: 0}", "job.parallelism: 0 is too small");
            assertRejected(
                    MINIMAL + "state: {retention-keep-last: -5}",
                    "state.retention-keep-last: -5 is too small; must be >= 0");
            assertRejected(
                    MINIMAL + "pipeline: {idleness: PT-1S}",
                    "pipeline.idleness: PT-1S is negative");
            assertRejected(
                    MINIMAL + "  idle-connection-timeout: 0s\n",
                    "enrichment.idle-connection-timeout: 0s is too small");
            assertRejected(
                    MINIMAL + "checkpoints: {interval: 0s}",
                    "checkpoints.interval: 0s is too small; must be at least 1ms");
            assertRejected(
                    MINIMAL + "pipeline: {async: {initial-backoff: 2s, max-backoff: 1s}}",
                    "pipeline.async.max-backoff: 1s is shorter than pipeline.async.initial-backoff");
            assertRejected(
                    MINIMAL + "metrics: {prometheus: {port: 70000}}",
                    "metrics.prometheus.port: '70000' is not a port");
            assertRejected(
                    MINIMAL + "metrics: {prometheus: {port: 9260-9249}}",
                    "metrics.prometheus.port: '9260-9249' is not a port");
            assertRejected(
                    MINIMAL + "state: {changelog: true}",
                    "state.changelog-directory: required when state.changelog is true");
            assertRejected(
                    MINIMAL + "state: {backend: hashmap, incremental: true}",
                    "state.incremental: true needs state.backend: rocksdb");
            assertRejected(
                    MINIMAL.replace("https://customers.example", "ftp://x"),
                    "enrichment.url: 'ftp://x/customers/{id}' must start with http:// or https://");
        }

        @Test
        void enrichmentUrlsThatAreNotPlainHttpUrls() {
            String url = "https://customers.example/customers/{id}";
            assertRejected(
                    MINIMAL.replace(url, "http://"), "enrichment.url: 'http://' has no host");
            assertRejected(
                    MINIMAL.replace(url, "https://cust omers.example/c/{id}"),
                    "enrichment.url:",
                    "space or control character");
            assertRejected(
                    MINIMAL.replace(url, "https://user:secret@customers.example/c/{id}"),
                    "enrichment.url:",
                    "credentials");
            assertRejected(
                    MINIMAL.replace(url, "https://{id}.customers.example/c"),
                    "enrichment.url:",
                    "placeholders may appear only in the path or the query");
            assertRejected(
                    MINIMAL.replace(url, "https://customers.example:99999/c/{id}"),
                    "enrichment.url:",
                    "not a valid");
            assertRejected(
                    MINIMAL + "  allowed-hosts: [other.example]\n",
                    "enrichment.url: host customers.example is not in enrichment.allowed-hosts");
            assertRejected(
                    MINIMAL.replace(url, "http://169.254.169.254/latest/{id}"),
                    "enrichment.url:",
                    "link-local",
                    "enrichment.allowed-hosts");
            assertThat(
                            ConfigLoader.parse(
                                            MINIMAL.replace(
                                                            url,
                                                            "http://169.254.169.254/latest/{id}")
                                                    + "  allowed-hosts: [169.254.169.254]\n",
                                            Map.of())
                                    .enrichment()
                                    .allowedHosts())
                    .containsExactly("169.254.169.254");
        }

        @Test
        void kafkaPropertiesThatWouldBreakTheGuarantees() {
            assertOverrideRejected(
                    "kafka.properties.isolation.level",
                    "read_uncommitted",
                    "kafka.properties.isolation.level: read_uncommitted");
            assertOverrideRejected(
                    "kafka.properties.transactional.id",
                    "mine",
                    "kafka.properties.transactional.id: is set by keyflow");
            assertOverrideRejected(
                    "kafka.properties.enable.idempotence",
                    "false",
                    "kafka.properties.enable.idempotence: false");
            assertOverrideRejected("kafka.properties.acks", "1", "kafka.properties.acks: 1 would");
            assertThat(
                            minimalWith("kafka.properties.isolation.level", "read_committed")
                                    .kafka()
                                    .properties())
                    .containsEntry("isolation.level", "read_committed");
        }

        @Test
        void controlCharactersInNames() {
            assertRejected(
                    MINIMAL.replace("input: orders", "input: \"ord\\u0000ers\""),
                    "topics.input: contains a control character");
            assertRejected(
                    MINIMAL + "job: {name: \"orders\\njob\"}",
                    "job.name: contains a control character");
        }

        @Test
        void durationsTooLargeNameTheirKey() {
            assertRejected(
                    MINIMAL + "checkpoints: {interval: 9999999999999999d}",
                    "checkpoints.interval:");
            assertRejected(
                    MINIMAL + "pipeline: {idleness: PT2562047788015215H}", "pipeline.idleness:");
        }

        @Test
        void missingRequiredKeys() {
            assertRejected(
                    MINIMAL.replace("  bootstrap-servers: broker:9092\n", ""),
                    "kafka.bootstrap-servers: required (e.g. localhost:9092)");
            assertRejected(MINIMAL.replace("  dlq: orders.dlq\n", ""), "topics.dlq: required");
            assertRejected(
                    MINIMAL.replace("  outbox: orders.commands\n", "  outbox: ' '\n"),
                    "topics.outbox: must not be blank");
            assertRejected("job: {name: x}\n", "kafka.bootstrap-servers: required");
        }

        @Test
        void crossKeyRules() {
            assertRejected(
                    MINIMAL + "rules: {source: directory}",
                    "rules.directory: required when rules.source is directory");
            assertRejected(
                    MINIMAL + "rules: {source: directory, directory: /no/such/dir}",
                    "rules.directory: /no/such/dir does not exist");
            assertRejected(
                    MINIMAL + "rules: {source: topic}",
                    "topics.rules: required when rules.source is topic");
            assertRejected(
                    MINIMAL + "checkpoints: {interval: 5m, timeout: 10m}",
                    "kafka.transaction-timeout: 15m must exceed checkpoints.interval +"
                            + " checkpoints.timeout (5m + 10m = 15m)");
            assertThat(
                            ConfigLoader.parse(
                                            MINIMAL,
                                            Map.of(
                                                    "checkpoints.interval", "5m",
                                                    "checkpoints.timeout", "10m",
                                                    "kafka.transaction-timeout", "16m"))
                                    .kafka()
                                    .transactionTimeout())
                    .isEqualTo(Duration.ofMinutes(16));
        }

        @Test
        void emptyOrNotAMapping() {
            assertRejected("", "the configuration: is empty");
            assertRejected("# only a comment\n", "is empty");
            assertRejected(
                    "- a\n- b\n", "the top level must be a mapping of sections", "not a list");
            assertRejected("just text", "the top level must be a mapping", "not 'just text'");
            assertRejected(MINIMAL + "---\njob: {name: x}\n", "more than one YAML document");
        }

        @Test
        void notYaml() {
            assertRejected(
                    "kafka: [unclosed",
                    "the configuration: not valid YAML at line 1",
                    "expected ',' or ']', but got <stream end>");
        }
    }

    @Nested
    class Overrides {

        @Test
        void applyToTheTreeBeforeBinding() {
            Map<String, String> overrides = new LinkedHashMap<>();
            overrides.put("pipeline.async.capacity", "500");
            overrides.put("checkpoints.unaligned", "TRUE");
            overrides.put("checkpoints.interval", "PT30S");
            overrides.put("enrichment.allowed-hosts", "a.example, customers.example");
            overrides.put("kafka.properties.security.protocol", "SASL_SSL");
            overrides.put("kafka.bootstrap-servers", "b1:9092,b2:9092");
            overrides.put("job.parallelism", "3");

            ReferenceConfig config = ConfigLoader.parse(MINIMAL, overrides);

            assertThat(config.pipeline().async().capacity()).isEqualTo(500);
            assertThat(config.checkpoints().unaligned()).isTrue();
            assertThat(config.checkpoints().interval()).isEqualTo(Duration.ofSeconds(30));
            assertThat(config.enrichment().allowedHosts())
                    .containsExactly("a.example", "customers.example");
            assertThat(config.kafka().properties()).containsEntry("security.protocol", "SASL_SSL");
            assertThat(config.kafka().bootstrapServers()).isEqualTo("b1:9092,b2:9092");
            assertThat(config.job().parallelism()).isEqualTo(3);
        }

        @Test
        void anEmptyValueRestoresTheDefault() {
            String withRetry =
                    MINIMAL.replace(
                            "  dlq: orders.dlq\n", "  dlq: orders.dlq\n  retry: orders.retry\n");
            assertThat(parse(withRetry).topics().retryTopic()).contains("orders.retry");

            ReferenceConfig config = ConfigLoader.parse(withRetry, Map.of("topics.retry", ""));

            assertThat(config.topics().retryTopic()).isEmpty();
        }

        @Test
        void bothCommandLineSyntaxes(@TempDir Path dir) throws IOException {
            Path file = Files.writeString(dir.resolve("job.yaml"), MINIMAL);

            ReferenceConfig config =
                    ConfigLoader.fromArgs(
                            new String[] {
                                "--config",
                                file.toString(),
                                "--set",
                                "pipeline.async.capacity=7",
                                "--set=job.name=eu",
                                "--kafka.bootstrap-servers",
                                "other:9092",
                                "--checkpoints.interval=5s",
                                "--set",
                                "enrichment.allowed-hosts=x,customers.example"
                            });

            assertThat(config.pipeline().async().capacity()).isEqualTo(7);
            assertThat(config.job().name()).isEqualTo("eu");
            assertThat(config.kafka().bootstrapServers()).isEqualTo("other:9092");
            assertThat(config.checkpoints().interval()).isEqualTo(Duration.ofSeconds(5));
            assertThat(config.enrichment().allowedHosts())
                    .containsExactly("x", "customers.example");
            assertThat(config.topics().input()).isEqualTo("orders");
        }

        @Test
        void withoutConfigTheDefaultFileIsTheBase() {
            ReferenceConfig config =
                    ConfigLoader.fromArgs(new String[] {"--topics.input", "orders.eu"});

            assertThat(config.topics().input()).isEqualTo("orders.eu");
            assertThat(config.kafka().bootstrapServers()).isEqualTo("localhost:9092");
        }

        @Test
        void laterOverridesWin() {
            ReferenceConfig config =
                    ConfigLoader.fromArgs(new String[] {"--job.name", "a", "--set", "job.name=b"});

            assertThat(config.job().name()).isEqualTo("b");
        }

        @Test
        void unknownKeysAreNamed() {
            assertOverrideRejected(
                    "pipeline.async.capacitty",
                    "5",
                    "pipeline.async.capacitty: unknown key; known keys under pipeline.async:"
                            + " capacity,");
            assertOverrideRejected("pipline.x", "5", "pipline: unknown key; known sections:");
            assertOverrideRejected("job.name.first", "5", "job.name: is a string, not a section");
            assertOverrideRejected("pipeline.async", "5", "pipeline.async: is a section");
            assertOverrideRejected("kafka.properties", "a=b", "kafka.properties: is a mapping");
            assertOverrideRejected("..", "5", "'..' is not a key path");
        }

        @Test
        void badValuesAreNamed() {
            assertOverrideRejected(
                    "pipeline.async.capacity",
                    "many",
                    "pipeline.async.capacity: 'many' is not an integer");
            assertOverrideRejected(
                    "checkpoints.unaligned",
                    "yes",
                    "checkpoints.unaligned: 'yes' is not true or false");
            assertOverrideRejected(
                    "checkpoints.timeout", "soon", "checkpoints.timeout: 'soon' is not a duration");
            assertOverrideRejected(
                    "pipeline.async.capacity", "0", "pipeline.async.capacity: 0 is too small");
            assertOverrideRejected(
                    "kafka.bootstrap-servers", "", "kafka.bootstrap-servers: required");
        }

        @Test
        void commandLineErrorsNameTheArgument() {
            assertThatThrownBy(
                            () -> ConfigLoader.fromArgs(new String[] {"--config", "/no/such.yaml"}))
                    .isInstanceOf(KeyflowConfigException.class)
                    .hasMessageContaining("--config /no/such.yaml: no such file");
            assertThatThrownBy(() -> ConfigLoader.fromArgs(new String[] {"orders.yaml"}))
                    .isInstanceOf(KeyflowConfigException.class)
                    .hasMessageStartingWith("unexpected argument 'orders.yaml'");
            assertThatThrownBy(() -> ConfigLoader.fromArgs(new String[] {"--inptu", "orders"}))
                    .isInstanceOf(KeyflowConfigException.class)
                    .hasMessageStartingWith("inptu: unknown key; known sections:");
            assertThatThrownBy(() -> ConfigLoader.fromArgs(new String[] {"--set", "job.name"}))
                    .isInstanceOf(KeyflowConfigException.class)
                    .hasMessageContaining("write it as --set key.path=value");
            assertThatThrownBy(() -> ConfigLoader.fromArgs(new String[] {"--job.name"}))
                    .isInstanceOf(KeyflowConfigException.class)
                    .hasMessageContaining("--job.name needs a value");
        }

        @Test
        void loadNamesAMissingFile() {
            assertThatThrownBy(() -> ConfigLoader.load(Path.of("/no/such.yaml"), Map.of()))
                    .isInstanceOf(KeyflowConfigException.class)
                    .hasMessageContaining("/no/such.yaml does not exist");
        }
    }

    @Nested
    class RestartStrategy {

        @Test
        void defaultsToExponentialDelayWithFlinksDefaults() {
            ReferenceConfig config = parse(MINIMAL);

            assertThat(config.restartStrategy()).isEqualTo(RestartStrategyConfig.defaults());
            Configuration conf = config.toFlinkConfiguration();
            assertThat(conf.get(RestartStrategyOptions.RESTART_STRATEGY))
                    .isEqualTo("exponential-delay");
            assertThat(
                            conf.get(
                                    RestartStrategyOptions
                                            .RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF))
                    .isEqualTo(Duration.ofSeconds(1));
            assertThat(
                            conf.get(
                                    RestartStrategyOptions
                                            .RESTART_STRATEGY_EXPONENTIAL_DELAY_BACKOFF_MULTIPLIER))
                    .isEqualTo(1.5);
        }

        @Test
        void eachTypeWritesItsOwnOptions() {
            Configuration exponential =
                    parse(
                                    MINIMAL
                                            + """
                                            restart-strategy:
                                              type: exponential-delay
                                              exponential-delay: {initial-backoff: 2s, max-backoff: 30s, backoff-multiplier: 2, jitter-factor: 0.25, attempts-before-reset-backoff: 7, reset-backoff-threshold: 10m}
                                            """)
                            .toFlinkConfiguration();
            assertThat(exponential.toMap())
                    .containsEntry("restart-strategy.type", "exponential-delay")
                    .containsEntry("restart-strategy.exponential-delay.initial-backoff", "2 s")
                    .containsEntry("restart-strategy.exponential-delay.max-backoff", "30 s")
                    .containsEntry("restart-strategy.exponential-delay.backoff-multiplier", "2.0")
                    .containsEntry("restart-strategy.exponential-delay.jitter-factor", "0.25")
                    .containsEntry(
                            "restart-strategy.exponential-delay.attempts-before-reset-backoff", "7")
                    .containsEntry(
                            "restart-strategy.exponential-delay.reset-backoff-threshold", "10 min");

            Configuration fixed =
                    parse(
                                    MINIMAL
                                            + "restart-strategy: {type: fixed-delay, fixed-delay:"
                                            + " {attempts: 5, delay: 200ms}}")
                            .toFlinkConfiguration();
            assertThat(fixed.toMap())
                    .containsEntry("restart-strategy.type", "fixed-delay")
                    .containsEntry("restart-strategy.fixed-delay.attempts", "5")
                    .containsEntry("restart-strategy.fixed-delay.delay", "200 ms")
                    .doesNotContainKey("restart-strategy.exponential-delay.initial-backoff");

            Configuration rate =
                    parse(
                                    MINIMAL
                                            + "restart-strategy: {type: failure-rate, failure-rate:"
                                            + " {max-failures-per-interval: 3,"
                                            + " failure-rate-interval: 5m, delay: 2s}}")
                            .toFlinkConfiguration();
            assertThat(rate.toMap())
                    .containsEntry("restart-strategy.type", "failure-rate")
                    .containsEntry("restart-strategy.failure-rate.max-failures-per-interval", "3")
                    .containsEntry("restart-strategy.failure-rate.failure-rate-interval", "5 min")
                    .containsEntry("restart-strategy.failure-rate.delay", "2 s");

            Configuration none =
                    parse(MINIMAL + "restart-strategy: {type: NONE}").toFlinkConfiguration();
            assertThat(none.toMap())
                    .containsEntry("restart-strategy.type", "none")
                    .doesNotContainKeys(
                            "restart-strategy.fixed-delay.attempts",
                            "restart-strategy.exponential-delay.initial-backoff");
        }

        @Test
        void overridesReachEveryKey() {
            ReferenceConfig config =
                    ConfigLoader.fromArgs(
                            new String[] {
                                "--restart-strategy.type", "fixed-delay",
                                "--restart-strategy.fixed-delay.attempts", "10",
                                "--set", "restart-strategy.exponential-delay.backoff-multiplier=2.5"
                            });

            assertThat(config.restartStrategy().type())
                    .isEqualTo(RestartStrategyConfig.Type.FIXED_DELAY);
            assertThat(config.restartStrategy().fixedDelay().attempts()).isEqualTo(10);
            assertThat(config.restartStrategy().exponentialDelay().backoffMultiplier())
                    .isEqualTo(2.5);
        }

        @Test
        void badKeysAndValuesAreRefusedWithTheirDottedKey() {
            assertRejected(
                    MINIMAL + "restart-strategy: {type: sometimes}",
                    "restart-strategy.type: 'sometimes' is not one of exponential-delay,"
                            + " fixed-delay, failure-rate, none");
            assertRejected(
                    MINIMAL + "restart-strategy: {fixed-delay: {retries: 3}}",
                    "restart-strategy.fixed-delay.retries: unknown key; known keys under"
                            + " restart-strategy.fixed-delay: attempts, delay");
            assertRejected(
                    MINIMAL + "restart-strategy: {attempts: 3}",
                    "restart-strategy.attempts: unknown key; known keys under restart-strategy:"
                            + " type, exponential-delay, fixed-delay, failure-rate");
            assertRejected(
                    MINIMAL + "restart-strategy: {exponential-delay: {jitter-factor: 2.0}}",
                    "restart-strategy.exponential-delay.jitter-factor: 2.0 is out of range");
            assertRejected(
                    MINIMAL + "restart-strategy: {exponential-delay: {backoff-multiplier: 0.5}}",
                    "restart-strategy.exponential-delay.backoff-multiplier: 0.5 is too small");
            assertRejected(
                    MINIMAL + "restart-strategy: {exponential-delay: {backoff-multiplier: fast}}",
                    "restart-strategy.exponential-delay.backoff-multiplier: 'fast' is not a number");
            assertRejected(
                    MINIMAL + "restart-strategy: {exponential-delay: {backoff-multiplier: '2'}}",
                    "restart-strategy.exponential-delay.backoff-multiplier: '2' is not a number");
            assertRejected(
                    MINIMAL
                            + "restart-strategy: {exponential-delay: {initial-backoff: 10s,"
                            + " max-backoff: 1s}}",
                    "restart-strategy.exponential-delay.max-backoff: 1s is shorter than");
            assertRejected(
                    MINIMAL + "restart-strategy: {fixed-delay: {attempts: -1}}",
                    "restart-strategy.fixed-delay.attempts: -1 is too small; must be >= 0");
            assertRejected(
                    MINIMAL + "restart-strategy: {failure-rate: {max-failures-per-interval: 0}}",
                    "restart-strategy.failure-rate.max-failures-per-interval: 0 is too small");
            assertRejected(
                    MINIMAL + "restart-strategy: {failure-rate: {delay: 5}}",
                    "restart-strategy.failure-rate.delay: '5' is not a duration");
            assertOverrideRejected(
                    "restart-strategy.exponential-delay.jitter-factor",
                    "lots",
                    "restart-strategy.exponential-delay.jitter-factor: 'lots' is not a number");
        }
    }

    @Nested
    class FlinkConfiguration {

        @Test
        void writesCheckpointingStateAndPipelineOptions() {
            ReferenceConfig config =
                    ConfigLoader.parse(
                            MINIMAL
                                    + """
                                    job: {parallelism: 4}
                                    state: {checkpoint-directory: "s3://b/cp", savepoint-directory: "s3://b/sp"}
                                    checkpoints: {interval: 30s, timeout: 5m, min-pause: 1s, unaligned: true, tolerable-failures: 2}
                                    """,
                            Map.of());

            Configuration conf = config.toFlinkConfiguration();

            assertThat(conf.get(CheckpointingOptions.CHECKPOINTING_INTERVAL))
                    .isEqualTo(Duration.ofSeconds(30));
            assertThat(conf.get(CheckpointingOptions.CHECKPOINTING_TIMEOUT))
                    .isEqualTo(Duration.ofMinutes(5));
            assertThat(conf.get(CheckpointingOptions.MIN_PAUSE_BETWEEN_CHECKPOINTS))
                    .isEqualTo(Duration.ofSeconds(1));
            assertThat(conf.get(CheckpointingOptions.ENABLE_UNALIGNED)).isTrue();
            assertThat(conf.get(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER)).isEqualTo(2);
            assertThat(conf.get(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE))
                    .isEqualTo(CheckpointingMode.EXACTLY_ONCE);
            assertThat(conf.get(CoreOptions.DEFAULT_PARALLELISM)).isEqualTo(4);
            assertThat(conf.get(PipelineOptions.GENERIC_TYPES)).isFalse();
            assertThat(conf.get(PipelineOptions.NAME)).isEqualTo("keyflow-orders");
            assertThat(conf.get(StateBackendOptions.STATE_BACKEND)).isEqualTo("rocksdb");
            assertThat(conf.get(CheckpointingOptions.INCREMENTAL_CHECKPOINTS)).isTrue();
            assertThat(conf.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY)).isEqualTo("s3://b/cp");
            assertThat(conf.get(CheckpointingOptions.SAVEPOINT_DIRECTORY)).isEqualTo("s3://b/sp");
            assertThat(conf.toMap()).doesNotContainKey("metrics.reporter.prom.factory.class");
        }

        @Test
        void leavesTheParallelismToTheEnvironmentWhenUnset() {
            Configuration conf = parse(MINIMAL).toFlinkConfiguration();

            assertThat(conf.contains(CoreOptions.DEFAULT_PARALLELISM)).isFalse();
        }

        @Test
        void writesThePrometheusReporter() {
            Configuration conf =
                    ConfigLoader.parse(
                                    MINIMAL,
                                    Map.of(
                                            "metrics.prometheus.enabled", "true",
                                            "metrics.prometheus.port", "9250-9260"))
                            .toFlinkConfiguration();

            Configuration reporter = MetricOptions.forReporter(conf, "prom");
            assertThat(reporter.get(MetricOptions.REPORTER_FACTORY_CLASS))
                    .isEqualTo("org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
            assertThat(conf.toMap())
                    .containsEntry(
                            "metrics.reporter.prom.factory.class",
                            "org.apache.flink.metrics.prometheus.PrometheusReporterFactory")
                    .containsEntry("metrics.reporter.prom.port", "9250-9260");
        }

        @Test
        void stateBackendSettingsMatchTheSection() {
            StateBackendSettings settings =
                    minimalWith("state.backend", "hashmap").state().stateBackendSettings();

            assertThat(settings.backend()).isEqualTo(Backend.HASHMAP);
            assertThat(settings.incrementalCheckpoints()).isFalse();
            assertThat(settings.checkpointDirectory()).isEmpty();
            assertThat(settings.changelog()).isFalse();
        }

        @Test
        void theChangelogBackendIsSelectable() {
            Configuration conf =
                    parse(
                                    MINIMAL
                                            + "state: {changelog: true, changelog-directory:"
                                            + " \"file:///data/changelog\"}")
                            .toFlinkConfiguration();

            assertThat(conf.toMap())
                    .containsEntry("state.changelog.enabled", "true")
                    .containsEntry("state.changelog.storage", "filesystem")
                    .containsEntry("state.changelog.dstl.dfs.base-path", "file:///data/changelog")
                    .containsEntry("state.backend.type", "rocksdb");
        }
    }
}
