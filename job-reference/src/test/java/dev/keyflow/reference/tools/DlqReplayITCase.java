package dev.keyflow.reference.tools;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyflow.core.kafka.ErrorHeaders;
import dev.keyflow.core.testutils.KafkaBrokerExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The replay tool against the real broker: selection, dry run, what is written, refusals. */
class DlqReplayITCase {

    @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    private String dlq;
    private String input;
    private String other;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeEach
    void topics() {
        dlq = KAFKA.newTopic("replay.dlq", 2);
        input = KAFKA.newTopic("replay.input", 2);
        other = KAFKA.newTopic("replay.other", 1);
    }

    @Test
    void dryRunCountsBySelectionAndWritesNothing() throws Exception {
        KAFKA.client()
                .produce(
                        List.of(
                                dead("a", "RULES", "RULE_VIOLATION", "orders@1", 0, 1_000),
                                dead("b", "RULES", "RULE_VIOLATION", "orders@2", 0, 2_000),
                                dead("c", "VALIDATION", "SCHEMA_VIOLATION", "orders@1", 0, 3_000),
                                dead("d", "ENRICHMENT", "RETRIES_EXHAUSTED", null, 0, 4_000)));

        int status =
                run(
                        "--dry-run",
                        "--rule-version",
                        "orders@1",
                        "--stage",
                        "rules,validation",
                        "--from",
                        "1970-01-01T00:00:00.500Z",
                        "--until",
                        "1970-01-01T00:00:03.500Z");

        assertThat(status).isZero();
        assertThat(out.toString())
                .contains("read 4 records of " + dlq + " (read_committed); selected 2")
                .containsPattern("RULE_VIOLATION +1")
                .containsPattern("SCHEMA_VIOLATION +1")
                .contains("dry run: would replay 2 records {" + input + "=2}; nothing written");
        assertThat(KAFKA.client().readCommitted(input)).isEmpty();
    }

    @Test
    void replaysOriginalBytesAndHeadersWithACounterInOneTransaction() throws Exception {
        ProducerRecord<byte[], byte[]> dead =
                dead("order-1", "RULES", "RULE_VIOLATION", "orders@1", 0, 1_000);
        dead.headers().add("trace-id", "t-1".getBytes(StandardCharsets.UTF_8));
        dead.headers().add("keyflow.retry.attempt", "3".getBytes(StandardCharsets.UTF_8));
        KAFKA.client()
                .produce(
                        List.of(
                                dead,
                                dead("order-2", "RULES", "RULE_VIOLATION", "orders@1", 0, 2_000),
                                dead(
                                        "order-3",
                                        "PROCESSING",
                                        "BUSINESS_REJECTED",
                                        null,
                                        0,
                                        3_000)));
        produceAborted(dead("order-4", "RULES", "RULE_VIOLATION", "orders@1", 0, 4_000));

        int status = run("--reason", "rule_violation", "--key", "order-1,order-4");

        assertThat(status).as(err.toString()).isZero();
        assertThat(out.toString()).contains("replayed 1 records {" + input + "=1}");
        List<ConsumerRecord<byte[], byte[]>> written = KAFKA.client().readCommitted(input);
        assertThat(written).hasSize(1);
        ConsumerRecord<byte[], byte[]> replayed = written.get(0);
        assertThat(new String(replayed.key(), StandardCharsets.UTF_8)).isEqualTo("order-1");
        assertThat(new String(replayed.value(), StandardCharsets.UTF_8))
                .isEqualTo("<Order id='order-1'/>");
        assertThat(DlqReplay.header(replayed, "trace-id")).isEqualTo("t-1");
        assertThat(DlqReplay.header(replayed, ErrorHeaders.REASON)).isEqualTo("RULE_VIOLATION");
        assertThat(DlqReplay.header(replayed, "keyflow.retry.attempt")).isNull();
        assertThat(DlqReplay.header(replayed, DlqReplay.REPLAY_COUNT_HEADER)).isEqualTo("1");
    }

    @Test
    void aRecordReplayedMaxTimesIsRefusedAndReported() throws Exception {
        KAFKA.client()
                .produce(
                        List.of(
                                dead("a", "RULES", "RULE_VIOLATION", "orders@1", 2, 1_000),
                                dead("b", "RULES", "RULE_VIOLATION", "orders@1", 3, 2_000),
                                dead("c", "RULES", "RULE_VIOLATION", "orders@1", 7, 3_000)));

        int status = run("--max-replays", "3", "--to", other);

        assertThat(status).isZero();
        assertThat(out.toString())
                .contains("selected 3")
                .contains("refused 2 already replayed 3 times (--max-replays)")
                .contains("replayed 1 records {" + other + "=1}");
        List<ConsumerRecord<byte[], byte[]>> written = KAFKA.client().readCommitted(other);
        assertThat(written)
                .extracting(r -> new String(r.key(), StandardCharsets.UTF_8))
                .containsExactly("a");
        assertThat(DlqReplay.header(written.get(0), DlqReplay.REPLAY_COUNT_HEADER)).isEqualTo("3");
    }

    @Test
    void anInputRecordWithOneDeadLetterPerBrokenRuleGoesBackOnce() throws Exception {
        List<ProducerRecord<byte[], byte[]>> letters = new ArrayList<>();
        for (String rule : List.of("rule-a", "rule-b")) {
            ProducerRecord<byte[], byte[]> letter =
                    dead("order-9", "RULES", "RULE_VIOLATION", "orders@1", 0, 1_000);
            letter.headers().add(ErrorHeaders.MESSAGE, bytes(rule + ": broken"));
            letter.headers().add(ErrorHeaders.ORIGIN_PARTITION, bytes("1"));
            letter.headers().add(ErrorHeaders.ORIGIN_OFFSET, bytes("42"));
            letters.add(letter);
        }
        KAFKA.client().produce(letters);

        assertThat(run()).isZero();

        assertThat(out.toString())
                .contains("selected 2")
                .contains("skipped 1 more dead letters of input records already selected")
                .contains("replayed 1 records");
        assertThat(KAFKA.client().readCommitted(input)).hasSize(1);
    }

    @Test
    void recordsGoBackInTheOrderTheJobFirstReadThem() throws Exception {
        List<ProducerRecord<byte[], byte[]>> letters = new ArrayList<>();
        // The DLQ holds the key's later event first, as after a pass through the retry topic.
        for (String[] letter :
                List.of(new String[] {"ITEM_ADDED", "8"}, new String[] {"PLACED", "7"})) {
            ProducerRecord<byte[], byte[]> dead =
                    dead("order-5", "RULES", "RULE_VIOLATION", "orders@1", 0, 1_000);
            dead.headers().add("event", bytes(letter[0]));
            dead.headers().add(ErrorHeaders.ORIGIN_PARTITION, bytes("0"));
            dead.headers().add(ErrorHeaders.ORIGIN_OFFSET, bytes(letter[1]));
            letters.add(dead);
        }
        KAFKA.client().produce(letters);

        assertThat(run()).isZero();

        assertThat(KAFKA.client().readCommitted(input))
                .extracting(r -> DlqReplay.header(r, "event"))
                .containsExactly("PLACED", "ITEM_ADDED");
    }

    @Test
    void helpAndBadArguments() {
        assertThat(DlqReplay.run(new String[] {"--help"}, writer(out), writer(err))).isZero();
        assertThat(out.toString())
                .contains("Usage: dlq-replay")
                .contains("--dry-run")
                .contains("--max-replays")
                .contains("--rule-version");

        assertThat(
                        DlqReplay.run(
                                new String[] {
                                    "--bootstrap-servers", "x:1", "--dlq", "d", "--reason", "NOPE"
                                },
                                writer(out),
                                writer(err)))
                .isEqualTo(2);
        assertThat(err.toString()).contains("--reason").contains("NOPE");
    }

    private int run(String... extra) {
        List<String> args =
                new ArrayList<>(
                        List.of("--bootstrap-servers", KAFKA.bootstrapServers(), "--dlq", dlq));
        args.addAll(List.of(extra));
        return DlqReplay.run(args.toArray(new String[0]), writer(out), writer(err));
    }

    private static PrintWriter writer(StringWriter to) {
        return new PrintWriter(to, true);
    }

    /** A dead letter as the error sink writes it, from the input topic. */
    private ProducerRecord<byte[], byte[]> dead(
            String key, String stage, String reason, String ruleVersion, int replays, long time) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(ErrorHeaders.STAGE, bytes(stage));
        headers.add(ErrorHeaders.REASON, bytes(reason));
        headers.add(ErrorHeaders.KEY, bytes(key));
        if (ruleVersion != null) {
            headers.add(ErrorHeaders.RULE_VERSION, bytes(ruleVersion));
        }
        headers.add(ErrorHeaders.ORIGIN_TOPIC, bytes(input));
        if (replays > 0) {
            headers.add(DlqReplay.REPLAY_COUNT_HEADER, bytes(Integer.toString(replays)));
        }
        return new ProducerRecord<>(
                dlq, null, time, bytes(key), bytes("<Order id='" + key + "'/>"), headers);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static void produceAborted(ProducerRecord<byte[], byte[]> record) throws Exception {
        Properties props = new Properties();
        props.setProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
        props.setProperty(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "replay-test-aborted");
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(record).get();
            producer.abortTransaction();
        }
    }
}
