package dev.keyflow.reference.tools;

import dev.keyflow.core.ErrorReason;
import dev.keyflow.core.ErrorStage;
import dev.keyflow.core.kafka.ErrorHeaders;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import javax.annotation.Nullable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Sends dead letters back to the job: reads the DLQ with read_committed, selects records by reason,
 * stage, key, time or rule bundle version, and writes their original bytes and headers to the input
 * topic in one Kafka transaction, with a replay counter that stops a record from looping.
 *
 * <pre>
 * java -cp "keyflow-job-reference-job.jar:$FLINK_HOME/lib/*" dev.keyflow.reference.tools.DlqReplay \
 *     --bootstrap-servers broker:9092 --dlq orders.dlq \
 *     --reason RULE_VIOLATION --rule-version orders@1 --dry-run
 * </pre>
 *
 * <p>What is written: the DLQ record's key and value (the business key and the original payload)
 * and its headers without the retry topic's {@code keyflow.retry.*} (a replay starts its retry
 * passes afresh), plus {@value #REPLAY_COUNT_HEADER} one higher than the DLQ record had. The target
 * is {@code --to}, else each record's origin topic ({@value ErrorHeaders#ORIGIN_TOPIC}). A selected
 * record that was already replayed {@code --max-replays} times is refused: counted and reported,
 * never written. Everything selected is written in one transaction, so a failed run writes nothing;
 * a second run over the same DLQ replays the same records again (the counter bounds it).
 *
 * <p>Exit status: 0 when done (also with nothing to replay), 1 when Kafka failed, 2 for wrong
 * arguments.
 */
@Command(
        name = "dlq-replay",
        mixinStandardHelpOptions = true,
        version = "keyflow dlq-replay 1",
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = {
            "Reads the dead letter topic with read_committed, selects records and writes their"
                    + " original bytes and headers back to the input topic in one transaction,"
                    + " with the header "
                    + DlqReplay.REPLAY_COUNT_HEADER
                    + " counting replays.",
            "Filters of one kind match any of their values; filters of different kinds must all"
                    + " match."
        })
public final class DlqReplay implements Callable<Integer> {

    /** The header that counts how often a record has been replayed. */
    public static final String REPLAY_COUNT_HEADER = "keyflow.replay.count";

    /** Headers of the retry topic's passes; dropped so a replay starts its passes afresh. */
    static final String RETRY_HEADER_PREFIX = "keyflow.retry.";

    @Spec CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--bootstrap-servers",
            required = true,
            description = "Kafka bootstrap servers, e.g. broker:9092")
    String bootstrapServers;

    @Option(names = "--dlq", required = true, description = "the dead letter topic to read")
    String dlq;

    @Option(
            names = "--to",
            description =
                    "the topic to write to; default: each record's origin topic (header "
                            + ErrorHeaders.ORIGIN_TOPIC
                            + ")")
    @Nullable
    String to;

    @Option(
            names = "--reason",
            split = ",",
            paramLabel = "REASON",
            description = "only these error reasons, e.g. RULE_VIOLATION,SCHEMA_VIOLATION")
    List<ErrorReason> reasons = new ArrayList<>();

    @Option(
            names = "--stage",
            split = ",",
            paramLabel = "STAGE",
            description = "only these error stages, e.g. RULES")
    List<ErrorStage> stages = new ArrayList<>();

    @Option(
            names = "--key",
            split = ",",
            paramLabel = "KEY",
            description = "only these business keys (the DLQ record key)")
    List<String> keys = new ArrayList<>();

    @Option(
            names = "--rule-version",
            split = ",",
            paramLabel = "LABEL",
            description = "only records rejected by these rule bundle versions, e.g. orders@3")
    List<String> ruleVersions = new ArrayList<>();

    @Option(
            names = "--from",
            paramLabel = "INSTANT",
            description =
                    "only records dead-lettered at or after this time, e.g. 2026-12-03T10:00:00Z")
    @Nullable
    Instant from;

    @Option(
            names = "--until",
            paramLabel = "INSTANT",
            description = "only records dead-lettered before this time")
    @Nullable
    Instant until;

    @Option(
            names = "--max-replays",
            defaultValue = "3",
            description =
                    "refuse a record that has been replayed this many times already (default"
                            + " ${DEFAULT-VALUE})")
    int maxReplays;

    @Option(
            names = "--dry-run",
            description = "print what would be replayed, counts by reason; write nothing")
    boolean dryRun;

    @Option(
            names = "--transactional-id",
            defaultValue = "keyflow-dlq-replay",
            description = "the producer's transactional id (default ${DEFAULT-VALUE})")
    String transactionalId;

    @Option(
            names = "--property",
            paramLabel = "NAME=VALUE",
            description =
                    "a Kafka client property for reading and writing, e.g. security.protocol=SSL")
    Map<String, String> properties = new LinkedHashMap<>();

    @Option(
            names = "--timeout",
            defaultValue = "PT1M",
            description = "how long reading the DLQ to its end may take (default ${DEFAULT-VALUE})")
    Duration timeout;

    /** Runs the command line; returns the exit status. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine line = new CommandLine(new DlqReplay());
        line.setCaseInsensitiveEnumValuesAllowed(true);
        line.setOut(out);
        line.setErr(err);
        return line.execute(args);
    }

    public static void main(String[] args) {
        int status =
                run(
                        args,
                        new PrintWriter(System.out, true, StandardCharsets.UTF_8),
                        new PrintWriter(System.err, true, StandardCharsets.UTF_8));
        System.exit(status);
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (maxReplays < 1) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "--max-replays must be at least 1, was " + maxReplays);
        }
        List<ConsumerRecord<byte[], byte[]>> all;
        try {
            all = readCommitted();
        } catch (KafkaException | IllegalStateException e) {
            err.println("cannot read " + dlq + ": " + e);
            return 1;
        }
        Map<String, Long> selectedByReason = new TreeMap<>();
        Map<String, Long> refusedByReason = new TreeMap<>();
        Map<String, Long> noTarget = new TreeMap<>();
        Set<String> origins = new HashSet<>();
        long sameOrigin = 0;
        List<ConsumerRecord<byte[], byte[]>> chosen = new ArrayList<>();
        List<String> targets = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : all) {
            if (!selected(record)) {
                continue;
            }
            String reason = String.valueOf(header(record, ErrorHeaders.REASON));
            selectedByReason.merge(reason, 1L, Long::sum);
            int replayed = replayCount(record);
            if (replayed >= maxReplays) {
                refusedByReason.merge(reason, 1L, Long::sum);
                continue;
            }
            String origin = origin(record);
            if (origin != null && !origins.add(origin)) {
                sameOrigin++; // one dead letter per broken rule; the input record goes back once
                continue;
            }
            String target = to != null ? to : header(record, ErrorHeaders.ORIGIN_TOPIC);
            if (target == null) {
                noTarget.merge(reason, 1L, Long::sum);
                continue;
            }
            chosen.add(record);
            targets.add(target);
        }
        List<ProducerRecord<byte[], byte[]>> replays = new ArrayList<>(chosen.size());
        for (int i : inInputOrder(chosen)) {
            ConsumerRecord<byte[], byte[]> record = chosen.get(i);
            replays.add(replay(record, targets.get(i), replayCount(record) + 1));
        }
        out.printf(
                "read %d records of %s (read_committed); selected %d%n",
                all.size(), dlq, sum(selectedByReason));
        selectedByReason.forEach((reason, n) -> out.printf("  %-24s %d%n", reason, n));
        if (!refusedByReason.isEmpty()) {
            out.printf(
                    "refused %d already replayed %d times (--max-replays)%n",
                    sum(refusedByReason), maxReplays);
            refusedByReason.forEach((reason, n) -> out.printf("  %-24s %d%n", reason, n));
        }
        if (sameOrigin > 0) {
            out.printf(
                    "skipped %d more dead letters of input records already selected (one per"
                            + " rule an input broke; each input record is replayed once)%n",
                    sameOrigin);
        }
        if (!noTarget.isEmpty()) {
            out.printf("skipped %d without an origin topic header (give --to)%n", sum(noTarget));
        }
        Map<String, Long> byTopic = new TreeMap<>();
        replays.forEach(r -> byTopic.merge(r.topic(), 1L, Long::sum));
        if (dryRun) {
            out.printf(
                    "dry run: would replay %d records %s; nothing written%n",
                    replays.size(), byTopic);
            return 0;
        }
        if (replays.isEmpty()) {
            out.println("nothing to replay");
            return 0;
        }
        try {
            write(replays);
        } catch (KafkaException | ExecutionException e) {
            err.println("replay failed, nothing was committed: " + e);
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("interrupted, nothing was committed");
            return 1;
        }
        out.printf("replayed %d records %s in one transaction%n", replays.size(), byTopic);
        return 0;
    }

    private static long sum(Map<String, Long> counts) {
        return counts.values().stream().mapToLong(Long::longValue).sum();
    }

    boolean selected(ConsumerRecord<byte[], byte[]> record) {
        if (!reasons.isEmpty() && !matches(header(record, ErrorHeaders.REASON), reasons)) {
            return false;
        }
        if (!stages.isEmpty() && !matches(header(record, ErrorHeaders.STAGE), stages)) {
            return false;
        }
        if (!keys.isEmpty()) {
            String key =
                    record.key() == null
                            ? header(record, ErrorHeaders.KEY)
                            : new String(record.key(), StandardCharsets.UTF_8);
            if (key == null || !keys.contains(key)) {
                return false;
            }
        }
        if (!ruleVersions.isEmpty()
                && !ruleVersions.contains(header(record, ErrorHeaders.RULE_VERSION))) {
            return false;
        }
        Instant at = Instant.ofEpochMilli(record.timestamp());
        if (from != null && at.isBefore(from)) {
            return false;
        }
        return until == null || at.isBefore(until);
    }

    private static boolean matches(@Nullable String name, List<? extends Enum<?>> values) {
        return name != null && values.stream().anyMatch(v -> v.name().equals(name));
    }

    /**
     * The order to write {@code records} in: by origin topic, partition and offset, which is the
     * order the job first read them in (the DLQ's order can differ: an element that passed through
     * the retry topic is dead-lettered after later events of its key); records without origin
     * headers last, in DLQ order. Sorting is stable, so records of one origin keep their order.
     */
    static List<Integer> inInputOrder(List<ConsumerRecord<byte[], byte[]>> records) {
        List<Integer> order = new ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) {
            order.add(i);
        }
        order.sort(
                java.util.Comparator.comparing(
                                (Integer i) -> originPosition(records.get(i)),
                                java.util.Comparator.nullsLast(
                                        java.util.Comparator.<OriginPosition>naturalOrder()))
                        .thenComparing(i -> i));
        return order;
    }

    /** Where a dead letter's input record was read: topic, partition, offset. */
    record OriginPosition(String topic, int partition, long offset)
            implements Comparable<OriginPosition> {
        @Override
        public int compareTo(OriginPosition o) {
            int byTopic = topic.compareTo(o.topic);
            if (byTopic != 0) {
                return byTopic;
            }
            int byPartition = Integer.compare(partition, o.partition);
            return byPartition != 0 ? byPartition : Long.compare(offset, o.offset);
        }
    }

    @Nullable
    static OriginPosition originPosition(ConsumerRecord<byte[], byte[]> record) {
        String topic = header(record, ErrorHeaders.ORIGIN_TOPIC);
        String partition = header(record, ErrorHeaders.ORIGIN_PARTITION);
        String offset = header(record, ErrorHeaders.ORIGIN_OFFSET);
        if (topic == null || partition == null || offset == null) {
            return null;
        }
        try {
            return new OriginPosition(
                    topic, Integer.parseInt(partition.trim()), Long.parseLong(offset.trim()));
        } catch (NumberFormatException e) {
            return null; // not a position we can order by: DLQ order
        }
    }

    /** topic/partition/offset of the input record, or null if the dead letter does not say. */
    @Nullable
    static String origin(ConsumerRecord<byte[], byte[]> record) {
        String topic = header(record, ErrorHeaders.ORIGIN_TOPIC);
        String partition = header(record, ErrorHeaders.ORIGIN_PARTITION);
        String offset = header(record, ErrorHeaders.ORIGIN_OFFSET);
        if (topic == null || partition == null || offset == null) {
            return null;
        }
        return topic + "/" + partition + "/" + offset + "/" + header(record, REPLAY_COUNT_HEADER);
    }

    static int replayCount(ConsumerRecord<byte[], byte[]> record) {
        String count = header(record, REPLAY_COUNT_HEADER);
        if (count == null) {
            return 0;
        }
        try {
            return Integer.parseInt(count.trim());
        } catch (NumberFormatException e) {
            // Not ours to trust: treat it as used up rather than loop on it.
            return Integer.MAX_VALUE;
        }
    }

    /** The record to write: key, value and headers of the dead letter, counted once more. */
    static ProducerRecord<byte[], byte[]> replay(
            ConsumerRecord<byte[], byte[]> record, String topic, int count) {
        RecordHeaders headers = new RecordHeaders();
        for (Header header : record.headers()) {
            if (!header.key().startsWith(RETRY_HEADER_PREFIX)
                    && !header.key().equals(REPLAY_COUNT_HEADER)) {
                headers.add(header.key(), header.value());
            }
        }
        headers.add(REPLAY_COUNT_HEADER, Integer.toString(count).getBytes(StandardCharsets.UTF_8));
        return new ProducerRecord<>(topic, null, null, record.key(), record.value(), headers);
    }

    @Nullable
    static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null || header.value() == null
                ? null
                : new String(header.value(), StandardCharsets.UTF_8);
    }

    private List<ConsumerRecord<byte[], byte[]>> readCommitted() {
        Properties props = clientProperties();
        props.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(
                        props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(dlq, timeout)
                    .forEach(p -> partitions.add(new TopicPartition(dlq, p.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            // The end as of now: records dead-lettered while the tool runs wait for the next run.
            Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(partitions, timeout));
            List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                end.entrySet()
                        .removeIf(e -> consumer.position(e.getKey(), timeout) >= e.getValue());
                if (end.isEmpty()) {
                    return records;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "could not read " + dlq + " to its end within " + timeout);
                }
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
    }

    private void write(List<ProducerRecord<byte[], byte[]>> replays)
            throws ExecutionException, InterruptedException {
        Properties props = clientProperties();
        props.setProperty(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        props.setProperty(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.putIfAbsent(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "300000");
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            try {
                List<Future<RecordMetadata>> sent = new ArrayList<>(replays.size());
                for (ProducerRecord<byte[], byte[]> record : replays) {
                    sent.add(producer.send(record));
                }
                for (Future<RecordMetadata> future : sent) {
                    future.get();
                }
                producer.commitTransaction();
            } catch (KafkaException | ExecutionException | InterruptedException e) {
                producer.abortTransaction();
                throw e;
            }
        }
    }

    private Properties clientProperties() {
        Properties props = new Properties();
        props.putAll(properties);
        props.setProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.setProperty(ConsumerConfig.CLIENT_ID_CONFIG, "keyflow-dlq-replay");
        return props;
    }
}
