package dev.keyflow.reference;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.keyflow.core.kafka.ErrorHeaders;
import dev.keyflow.core.testutils.FlinkTestEnvironments;
import dev.keyflow.core.testutils.KafkaBrokerExtension;
import dev.keyflow.reference.config.ConfigLoader;
import dev.keyflow.reference.config.ReferenceConfig;
import dev.keyflow.reference.testing.CommittedReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A handful of hand-written order events through the whole reference pipeline. */
class ReferenceJobSmokeITCase {

    @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @RegisterExtension
    static final MiniClusterExtension FLINK = FlinkTestEnvironments.miniCluster(2);

    private static HttpServer customers;

    @BeforeAll
    static void startCustomers() throws Exception {
        customers = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        customers.createContext(
                "/customers/",
                exchange -> {
                    String id =
                            exchange.getRequestURI().getPath().substring("/customers/".length());
                    byte[] body =
                            ("{\"id\":\""
                                            + id
                                            + "\",\"tier\":\"GOLD\",\"email\":\""
                                            + id
                                            + "@example.com\",\"blocked\":false}")
                                    .getBytes(StandardCharsets.UTF_8);
                    if (id.startsWith("unknown")) {
                        exchange.sendResponseHeaders(404, -1);
                    } else {
                        exchange.getResponseHeaders().add("Content-Type", "application/json");
                        exchange.sendResponseHeaders(200, body.length);
                        exchange.getResponseBody().write(body);
                    }
                    exchange.close();
                });
        customers.start();
    }

    @AfterAll
    static void stopCustomers() {
        customers.stop(0);
    }

    @Test
    void ordersBecomeCommandsAndFailuresTypedErrors() throws Exception {
        String input = KAFKA.newTopic("orders", 2);
        String outbox = KAFKA.newTopic("orders.commands", 2);
        String dlq = KAFKA.newTopic("orders.dlq", 1);
        String retry = KAFKA.newTopic("orders.retry", 1);
        Instant t0 = Instant.parse("2026-11-23T10:00:00Z");
        List<String> docs = new ArrayList<>();
        docs.add(xml("A", "e1", "PLACED", t0, "<c:CustomerId>cust-1</c:CustomerId>"));
        docs.add(xml("A", "e2", "ITEM_ADDED", t0.plusSeconds(1), item("SKU-1", "2", "10.00")));
        docs.add(
                xml(
                        "A",
                        "e3",
                        "PAYMENT_AUTHORISED",
                        t0.plusSeconds(2),
                        "<o:Amount currency=\"EUR\">20.00</o:Amount>"));
        docs.add(xml("A", "e4", "SHIPPED", t0.plusSeconds(3), "<o:Carrier>DHL</o:Carrier>"));
        docs.add(
                xml(
                        "B",
                        "e5",
                        "PLACED",
                        t0.plusSeconds(1),
                        "<c:CustomerId>unknown-9</c:CustomerId>"));
        docs.add(xml("B", "e6", "ITEM_ADDED", t0.plusSeconds(2), item("SKU-2", "1", "5.00")));
        docs.add(
                xml("C", "e7", "PLACED", t0.plusSeconds(1), "<c:CustomerId>cust-3</c:CustomerId>"));
        docs.add(xml("C", "e8", "ITEM_ADDED", t0.plusSeconds(2), item("SKU-3", "0", "5.00")));
        docs.add(xml("C", "e9", "ITEM_ADDED", t0.plusSeconds(3), item("SKU-3", "many", "5.00")));
        docs.add(
                xml("C", "e10", "SHIPPED", t0.plusSeconds(4), "<o:Carrier>DHL</o:Carrier>")
                        .replace("</o:Body>", "<o:Body>"));
        // Later than everything, so that the watermark releases the events above.
        docs.add(
                xml(
                        "D",
                        "e11",
                        "PLACED",
                        t0.plusSeconds(60),
                        "<c:CustomerId>cust-4</c:CustomerId>"));
        docs.add(
                xml(
                        "E",
                        "e12",
                        "PLACED",
                        t0.plusSeconds(60),
                        "<c:CustomerId>cust-5</c:CustomerId>"));
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < docs.size(); i++) {
            String doc = docs.get(i);
            String key = doc.replaceAll("(?s).*<o:OrderId>(.*?)</o:OrderId>.*", "$1");
            long time =
                    Instant.parse(
                                    doc.replaceAll(
                                            "(?s).*<o:OccurredAt>(.*?)</o:OccurredAt>.*", "$1"))
                            .toEpochMilli();
            records.add(
                    new ProducerRecord<>(
                            input,
                            i == docs.size() - 1
                                    ? 0
                                    : i == docs.size() - 2 ? 1 : Math.abs(key.hashCode()) % 2,
                            time,
                            key.getBytes(StandardCharsets.UTF_8),
                            doc.getBytes(StandardCharsets.UTF_8)));
        }
        KAFKA.client().produce(records);

        ReferenceConfig config =
                ConfigLoader.parse(
                        ConfigLoader.defaultYaml(),
                        Map.ofEntries(
                                Map.entry("kafka.bootstrap-servers", KAFKA.bootstrapServers()),
                                Map.entry("kafka.group-id", "smoke"),
                                Map.entry("topics.input", input),
                                Map.entry("topics.outbox", outbox),
                                Map.entry("topics.dlq", dlq),
                                Map.entry("topics.retry", retry),
                                Map.entry("pipeline.max-out-of-orderness", "1s"),
                                Map.entry(
                                        "enrichment.url",
                                        "http://127.0.0.1:"
                                                + customers.getAddress().getPort()
                                                + "/customers/{id}"),
                                Map.entry("state.backend", "hashmap"),
                                Map.entry("checkpoints.interval", "500ms"),
                                Map.entry("job.parallelism", "2")));
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(config.toFlinkConfiguration());
        ReferenceJob.build(env, config);
        JobClient job = env.executeAsync("smoke");
        try (CommittedReader reader = new CommittedReader(KAFKA.bootstrapServers(), outbox, dlq)) {
            try {
                reader.until(
                        r -> r.count(outbox) >= 5 && r.count(dlq) >= 5,
                        Duration.ofSeconds(60),
                        "5 commands and 5 errors");
            } catch (AssertionError e) {
                reader.records(outbox)
                        .forEach(
                                r ->
                                        System.out.println(
                                                "OUT "
                                                        + new String(
                                                                r.value(),
                                                                StandardCharsets.UTF_8)));
                reader.records(dlq)
                        .forEach(
                                r ->
                                        System.out.println(
                                                "DLQ "
                                                        + new String(
                                                                r.value(),
                                                                StandardCharsets.UTF_8)));
                throw e;
            }
            reader.poll(Duration.ofSeconds(1));
            List<String> commands =
                    reader.records(outbox).stream()
                            .map(r -> new String(r.value(), StandardCharsets.UTF_8))
                            .collect(Collectors.toList());
            assertThat(commands).hasSize(5);
            assertThat(commands.get(0)).contains("\"bundleVersion\":\"orders@1\"");
            Map<String, String> reasons = new TreeMap<>();
            for (ConsumerRecord<byte[], byte[]> error : reader.records(dlq)) {
                String doc = new String(error.value(), StandardCharsets.UTF_8);
                String eventId = doc.replaceAll("(?s).*<o:EventId>(.*?)</o:EventId>.*", "$1");
                reasons.put(
                        eventId,
                        new String(
                                error.headers().lastHeader(ErrorHeaders.REASON).value(),
                                StandardCharsets.UTF_8));
            }
            assertThat(reasons)
                    .containsExactlyInAnyOrderEntriesOf(
                            Map.of(
                                    "e5", "BUSINESS_REJECTED",
                                    "e6", "INVALID_TRANSITION",
                                    "e8", "RULE_VIOLATION",
                                    "e9", "SCHEMA_VIOLATION",
                                    "e10", "MALFORMED_XML"));
        } finally {
            job.cancel().get();
        }
    }

    static String item(String sku, String quantity, String price) {
        return "<o:Item><o:Sku>"
                + sku
                + "</o:Sku><o:Quantity>"
                + quantity
                + "</o:Quantity><o:Price currency=\"EUR\">"
                + price
                + "</o:Price></o:Item>";
    }

    static String xml(String order, String eventId, String type, Instant at, String body) {
        return "<o:OrderEvent xmlns:o=\"urn:keyflow:orders:v1\" xmlns:c=\"urn:keyflow:common:v1\">"
                + "<o:Header><o:OrderId>"
                + order
                + "</o:OrderId><o:EventId>"
                + eventId
                + "</o:EventId><o:OccurredAt>"
                + at
                + "</o:OccurredAt><o:Type>"
                + type
                + "</o:Type></o:Header><o:Body>"
                + body
                + "</o:Body></o:OrderEvent>";
    }
}
