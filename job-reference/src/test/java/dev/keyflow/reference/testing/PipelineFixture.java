package dev.keyflow.reference.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyflow.core.ErrorReason;
import dev.keyflow.core.kafka.ErrorHeaders;
import dev.keyflow.core.testutils.KafkaBrokerExtension;
import dev.keyflow.reference.config.ConfigLoader;
import dev.keyflow.reference.config.ReferenceConfig;
import dev.keyflow.reference.demo.CustomerService;
import dev.keyflow.reference.demo.ExpectedCommand;
import dev.keyflow.reference.demo.ExpectedOutcome;
import dev.keyflow.reference.demo.Fate;
import dev.keyflow.reference.demo.GeneratedEvent;
import dev.keyflow.reference.demo.OrderGenerator;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;

/**
 * One run of the reference pipeline against the real broker: its topics, the customer service, the
 * configuration, producing generated events, and comparing what the job wrote (read with {@code
 * read_committed}) with what the model expects.
 */
public final class PipelineFixture implements AutoCloseable {

    public static final int PARTITIONS = 4;

    private final KafkaBrokerExtension kafka;
    public final String input;
    public final String outbox;
    public final String dlq;
    public final String retry;
    public final String rules;
    public final CustomerService customers;

    public PipelineFixture(KafkaBrokerExtension kafka, String name) {
        this.kafka = kafka;
        this.input = kafka.newTopic(name + ".orders", PARTITIONS);
        this.outbox = kafka.newTopic(name + ".commands", PARTITIONS);
        this.dlq = kafka.newTopic(name + ".dlq", 2);
        this.retry = kafka.newTopic(name + ".retry", 2);
        this.rules = kafka.newTopic(name + ".rules", 1);
        this.customers = CustomerService.start(0);
    }

    /** The broker the fixture's topics live on. */
    public KafkaBrokerExtension kafka() {
        return kafka;
    }

    /** The job's configuration for this fixture: small intervals, test-sized retries. */
    public ReferenceConfig config(String groupId, Map<String, String> extra) {
        Map<String, String> overrides = new HashMap<>();
        overrides.put("job.name", groupId);
        overrides.put("job.parallelism", "2");
        overrides.put("kafka.bootstrap-servers", kafka.bootstrapServers());
        overrides.put("kafka.group-id", groupId);
        overrides.put("topics.input", input);
        overrides.put("topics.outbox", outbox);
        overrides.put("topics.dlq", dlq);
        overrides.put("topics.retry", retry);
        overrides.put("enrichment.url", customers.urlTemplate());
        overrides.put("pipeline.async.initial-backoff", "20ms");
        overrides.put("pipeline.async.max-backoff", "200ms");
        overrides.put("pipeline.retry-topic.delay", "200ms");
        overrides.put("checkpoints.interval", "500ms");
        overrides.put("state.backend", "rocksdb");
        overrides.putAll(extra);
        return ConfigLoader.parse(ConfigLoader.defaultYaml(), overrides);
    }

    /** Produces events to their partitions, record timestamp = event time. */
    public void produce(List<GeneratedEvent> events) {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(events.size());
        for (GeneratedEvent e : events) {
            records.add(
                    new ProducerRecord<>(
                            input, e.partition(PARTITIONS), e.eventTime(), e.kafkaKey(), e.xml()));
        }
        kafka.client().produce(records);
    }

    private final List<GeneratedEvent> clockHistory = new ArrayList<>();

    /**
     * Produces the generator's clock events ({@link OrderGenerator#clockEvents}), one per
     * partition, 30 s of event time after the latest of {@code events}: they move every partition's
     * watermark past {@code events}, so the resequencer releases them.
     */
    public synchronized void produceClocksAfter(List<GeneratedEvent> events) {
        clockHistory.clear();
        clockHistory.addAll(events);
        produceClocks(Duration.ofSeconds(30));
    }

    /**
     * Produces the next round of clock events, a second of event time after the last: a live stream
     * always brings new data, and only new data moves the watermark again after a job restored from
     * a checkpoint (sources do not checkpoint their watermarks). Does nothing before the first
     * {@link #produceClocksAfter}.
     */
    public synchronized void tick() {
        if (!clockHistory.isEmpty()) {
            produceClocks(Duration.ofSeconds(1));
        }
    }

    private void produceClocks(Duration after) {
        List<GeneratedEvent> clocks = OrderGenerator.clockEvents(clockHistory, PARTITIONS, after);
        clockHistory.addAll(clocks);
        produce(clocks);
    }

    /** Whether an order id belongs to a clock event (test scaffolding). */
    public static boolean isClock(String id) {
        return id.startsWith("clock-");
    }

    /** How many outbox and DLQ records the events' fates make. */
    public static int[] expectedCounts(ExpectedOutcome expected, List<GeneratedEvent> events) {
        int commands = 0;
        int errors = 0;
        for (GeneratedEvent e : events) {
            Fate fate = expected.fate(e.eventId());
            if (fate.isAccepted()) {
                commands += fate.commands().size();
            } else {
                errors++;
            }
        }
        return new int[] {commands, errors};
    }

    /** What the job wrote, as comparable values. */
    public record Results(
            List<String> commandLines,
            Map<String, List<String>> errorsByEvent,
            Map<String, List<Long>> sequencesByKey,
            Map<String, List<String>> messagesByEvent) {

        /** Reads commands and errors out of outbox and DLQ records. */
        public static Results of(
                List<ConsumerRecord<byte[], byte[]>> outbox,
                List<ConsumerRecord<byte[], byte[]>> dlq) {
            List<String> lines = new ArrayList<>();
            Map<String, List<Long>> sequences = new TreeMap<>();
            for (ConsumerRecord<byte[], byte[]> record : outbox) {
                ExpectedCommand command = ExpectedCommand.fromOutbox(record.value());
                if (isClock(command.key())) {
                    continue;
                }
                lines.add(command.line());
                sequences
                        .computeIfAbsent(command.key(), k -> new ArrayList<>())
                        .add(command.sequence());
            }
            Collections.sort(lines);
            Map<String, List<String>> errors = new TreeMap<>();
            Map<String, List<String>> messages = new TreeMap<>();
            for (ConsumerRecord<byte[], byte[]> record : dlq) {
                String eventId = ExpectedOutcome.eventIdOf(record.value()).orElse("<no event id>");
                Header reason = record.headers().lastHeader(ErrorHeaders.REASON);
                errors.computeIfAbsent(eventId, k -> new ArrayList<>())
                        .add(
                                reason == null
                                        ? "<no reason>"
                                        : new String(reason.value(), StandardCharsets.UTF_8));
                Header message = record.headers().lastHeader(ErrorHeaders.MESSAGE);
                messages.computeIfAbsent(eventId, k -> new ArrayList<>())
                        .add(
                                message == null
                                        ? ""
                                        : new String(message.value(), StandardCharsets.UTF_8));
            }
            return new Results(lines, errors, sequences, messages);
        }
    }

    /**
     * Asserts that the job wrote exactly what the model expects: every command once, every rejected
     * event once with its reason, and per order key command sequences 1, 2, 3, ...
     */
    public static void assertMatches(ExpectedOutcome expected, Results actual) {
        Map<String, List<String>> expectedErrors = new TreeMap<>();
        expected.errors().forEach((id, reason) -> expectedErrors.put(id, List.of(reason.name())));
        Map<String, List<String>> unexpected = new TreeMap<>();
        actual.errorsByEvent()
                .forEach(
                        (id, reasons) -> {
                            if (!reasons.equals(expectedErrors.get(id))) {
                                unexpected.put(
                                        id,
                                        List.of(
                                                reasons + " expected " + expectedErrors.get(id),
                                                String.valueOf(actual.messagesByEvent().get(id))));
                            }
                        });
        assertThat(actual.errorsByEvent())
                .as("DLQ: event id -> reasons; unexpected: %s", unexpected)
                .containsExactlyInAnyOrderEntriesOf(expectedErrors);
        assertThat(actual.commandLines())
                .as("outbox command lines (sorted)")
                .containsExactlyElementsOf(expected.commandLines());
        actual.sequencesByKey()
                .forEach(
                        (key, sequences) -> {
                            List<Long> sorted = new ArrayList<>(sequences);
                            Collections.sort(sorted);
                            for (int i = 0; i < sorted.size(); i++) {
                                assertThat(sorted.get(i))
                                        .as("command sequence %d of key %s", i + 1, key)
                                        .isEqualTo(i + 1L);
                            }
                        });
    }

    /** Counts DLQ records by reason (for readable summaries). */
    public static Map<String, Long> countsByReason(Results results) {
        Map<String, Long> counts = new TreeMap<>();
        results.errorsByEvent()
                .values()
                .forEach(reasons -> reasons.forEach(r -> counts.merge(r, 1L, Long::sum)));
        return counts;
    }

    /** The expected counts by reason, in the same shape. */
    public static Map<String, Long> countsByReason(ExpectedOutcome expected) {
        Map<String, Long> counts = new TreeMap<>();
        for (Map.Entry<ErrorReason, Long> e : expected.countsByReason().entrySet()) {
            counts.put(e.getKey().name(), e.getValue());
        }
        return counts;
    }

    /** Waits (at most {@code timeout}) until the reader has seen at least these counts. */
    public void awaitAtLeast(CommittedReader reader, int commands, int errors, Duration timeout) {
        reader.until(
                r -> r.count(outbox) >= commands && r.count(dlq) >= errors,
                timeout,
                commands + " commands and " + errors + " errors");
    }

    /**
     * Asserts that no transaction is left open on {@code topics}: a marker written to every
     * partition after the run must become visible to a {@code read_committed} consumer (an open
     * transaction would hold the last stable offset before it until the transaction times out).
     */
    public void assertNoOpenTransactions(String... topics) {
        String marker = "marker-" + java.util.UUID.randomUUID();
        List<ProducerRecord<byte[], byte[]>> markers = new ArrayList<>();
        int expected = 0;
        for (String topic : topics) {
            int partitions = kafka.client().endOffsets(topic).size();
            for (int p = 0; p < partitions; p++) {
                markers.add(
                        new ProducerRecord<>(
                                topic, p, null, marker.getBytes(StandardCharsets.UTF_8)));
                expected++;
            }
        }
        kafka.client().produce(markers);
        int wanted = expected;
        try (CommittedReader reader = new CommittedReader(kafka.bootstrapServers(), topics)) {
            reader.until(
                    r -> {
                        int seen = 0;
                        for (String topic : topics) {
                            for (ConsumerRecord<byte[], byte[]> record : r.records(topic)) {
                                if (marker.equals(
                                        new String(record.value(), StandardCharsets.UTF_8))) {
                                    seen++;
                                }
                            }
                        }
                        return seen == wanted;
                    },
                    Duration.ofSeconds(30),
                    "the end-of-run marker on every partition of " + List.of(topics));
        }
    }

    @Override
    public void close() {
        customers.close();
    }
}
