package dev.keyflow.reference.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.keyflow.core.Origin;
import dev.keyflow.reference.CommandSerialization;
import dev.keyflow.reference.OrderCommand;
import dev.keyflow.reference.orders.Customer;
import dev.keyflow.reference.orders.Decision;
import dev.keyflow.reference.orders.EventType;
import dev.keyflow.reference.orders.OrderEvent;
import dev.keyflow.reference.orders.OrderLogic;
import dev.keyflow.reference.orders.OrderMutation;
import dev.keyflow.reference.orders.OrderState;
import dev.keyflow.reference.orders.Orders;
import dev.keyflow.state.Stamped;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.UnaryOperator;
import javax.xml.XMLConstants;
import javax.xml.namespace.NamespaceContext;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.transform.dom.DOMSource;
import javax.xml.validation.Schema;
import javax.xml.validation.SchemaFactory;
import javax.xml.validation.Validator;
import javax.xml.xpath.XPath;
import javax.xml.xpath.XPathExpression;
import javax.xml.xpath.XPathExpressionException;
import javax.xml.xpath.XPathFactory;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.ListTypeInfo;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.w3c.dom.Document;
import org.xml.sax.SAXException;

/**
 * The order pipeline as a competent Flink developer would write it from the same design without
 * keyflow, for the end-to-end benchmark: {@code KafkaSource -> DOM parse + XPath key -> keyBy ->
 * KeyedProcessFunction} (DOM parse, JDK XSD validation with the schema compiled once, XPath fields,
 * the bundle's CEL rules compiled once with cel-java, a blocking HTTP customer lookup for placed
 * orders, the order's whole history in a {@code ValueState<List<OrderMutation>>} folded again for
 * every event, {@link OrderLogic#decide}) {@code -> KafkaSink EXACTLY_ONCE} outbox (the reference
 * job's JSON layout) and DLQ.
 *
 * <p>It has no resequencer: the benchmark's input is in order per key. Failed lookups (5xx, I/O)
 * are retried in place, blocking, up to three attempts (100 ms, 200 ms back-off), then go to the
 * DLQ.
 */
public final class StraightforwardJob {

    /** The rule bundle the reference job runs, read for its CEL rules. */
    static final String BUNDLE = "rules/orders/bundle.yaml";

    static final String SCHEMA = "rules/orders/orders.xsd";

    private StraightforwardJob() {}

    /** Where the job reads and writes. */
    public record Topics(
            String bootstrapServers, String groupId, String input, String outbox, String dlq)
            implements Serializable {}

    /** A Kafka record as read. */
    public record Input(byte[] value, String topic, int partition, long offset, long timestamp) {}

    /** A record with its order id. */
    public record Keyed(
            String key, byte[] value, String topic, int partition, long offset, long timestamp) {}

    /** A record the job could not process, for the DLQ. */
    public record Rejected(byte[] value, String reason, String message) {}

    static final OutputTag<Rejected> REJECTED =
            new OutputTag<>("rejected", TypeInformation.of(Rejected.class));

    /**
     * Adds the job to {@code env}; {@code afterKey} and {@code beforeOutbox} may add operators
     * before the shuffle and in front of the outbox sink (the benchmark's probes).
     */
    public static void build(
            StreamExecutionEnvironment env,
            Topics topics,
            String customerUrlTemplate,
            UnaryOperator<DataStream<Keyed>> afterKey,
            UnaryOperator<DataStream<Stamped<OrderCommand>>> beforeOutbox) {
        KafkaSource<Input> source =
                KafkaSource.<Input>builder()
                        .setBootstrapServers(topics.bootstrapServers())
                        .setTopics(topics.input())
                        .setGroupId(topics.groupId())
                        .setStartingOffsets(OffsetsInitializer.earliest())
                        .setProperty("isolation.level", "read_committed")
                        .setDeserializer(new InputDeserializer())
                        .build();
        DataStream<Input> input =
                env.fromSource(source, WatermarkStrategy.noWatermarks(), "orders")
                        .uid("plain-source");
        SingleOutputStreamOperator<Keyed> keyed =
                input.process(new KeyFunction()).uid("plain-key").name("DOM + XPath key");
        SingleOutputStreamOperator<Stamped<OrderCommand>> commands =
                afterKey.apply(keyed)
                        .keyBy(Keyed::key)
                        .process(new OrderFunction(customerUrlTemplate))
                        .returns(Stamped.typeInfo(TypeInformation.of(OrderCommand.class)))
                        .uid("plain-processor")
                        .name("validate, enrich, decide (blocking)");
        DataStream<Rejected> rejected =
                keyed.getSideOutput(REJECTED).union(commands.getSideOutput(REJECTED));

        Properties producer = new Properties();
        producer.setProperty(
                "transaction.timeout.ms", Long.toString(Duration.ofMinutes(15).toMillis()));
        beforeOutbox
                .apply(commands)
                .sinkTo(
                        KafkaSink.<Stamped<OrderCommand>>builder()
                                .setBootstrapServers(topics.bootstrapServers())
                                .setRecordSerializer(new CommandSerialization(topics.outbox()))
                                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                                .setTransactionalIdPrefix(topics.groupId() + "-outbox")
                                .setKafkaProducerConfig(producer)
                                .build())
                .uid("plain-outbox")
                .name("outbox");
        rejected.sinkTo(
                        KafkaSink.<Rejected>builder()
                                .setBootstrapServers(topics.bootstrapServers())
                                .setRecordSerializer(new RejectedSerialization(topics.dlq()))
                                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                                .setTransactionalIdPrefix(topics.groupId() + "-dlq")
                                .setKafkaProducerConfig(producer)
                                .build())
                .uid("plain-dlq")
                .name("dlq");
    }

    static final class InputDeserializer implements KafkaRecordDeserializationSchema<Input> {
        private static final long serialVersionUID = 1L;

        @Override
        public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<Input> out) {
            out.collect(
                    new Input(
                            record.value(),
                            record.topic(),
                            record.partition(),
                            record.offset(),
                            record.timestamp()));
        }

        @Override
        public TypeInformation<Input> getProducedType() {
            return TypeInformation.of(Input.class);
        }
    }

    static final class RejectedSerialization implements KafkaRecordSerializationSchema<Rejected> {
        private static final long serialVersionUID = 1L;
        private final String topic;

        RejectedSerialization(String topic) {
            this.topic = topic;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(
                Rejected rejected, KafkaSinkContext context, Long timestamp) {
            RecordHeaders headers = new RecordHeaders();
            headers.add("reason", rejected.reason().getBytes(StandardCharsets.UTF_8));
            headers.add("message", rejected.message().getBytes(StandardCharsets.UTF_8));
            return new ProducerRecord<>(topic, null, null, null, rejected.value(), headers);
        }
    }

    /** A namespace-aware DOM parser that refuses DOCTYPEs (XXE). */
    static DocumentBuilder documentBuilder() {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            DocumentBuilder builder = factory.newDocumentBuilder();
            // The default handler prints every fatal error to stderr before throwing it.
            builder.setErrorHandler(
                    new org.xml.sax.helpers.DefaultHandler() {
                        @Override
                        public void fatalError(org.xml.sax.SAXParseException e)
                                throws org.xml.sax.SAXParseException {
                            throw e;
                        }
                    });
            return builder;
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException("no secure DOM parser", e);
        }
    }

    static XPath xpath() {
        XPath xpath = XPathFactory.newInstance().newXPath();
        xpath.setNamespaceContext(
                new NamespaceContext() {
                    @Override
                    public String getNamespaceURI(String prefix) {
                        return Orders.NAMESPACES.getOrDefault(prefix, XMLConstants.NULL_NS_URI);
                    }

                    @Override
                    public String getPrefix(String uri) {
                        return null;
                    }

                    @Override
                    public Iterator<String> getPrefixes(String uri) {
                        return List.<String>of().iterator();
                    }
                });
        return xpath;
    }

    /** Parses each record into a DOM to find its order id with XPath. */
    static final class KeyFunction
            extends org.apache.flink.streaming.api.functions.ProcessFunction<Input, Keyed> {
        private static final long serialVersionUID = 1L;
        private transient DocumentBuilder dom;
        private transient XPathExpression key;

        @Override
        public void open(OpenContext openContext) throws XPathExpressionException {
            dom = documentBuilder();
            key = xpath().compile(Orders.KEY_PATH);
        }

        @Override
        public void processElement(Input in, Context ctx, Collector<Keyed> out)
                throws XPathExpressionException {
            Document doc;
            try {
                doc = dom.parse(new ByteArrayInputStream(in.value()));
            } catch (SAXException | IOException e) {
                ctx.output(
                        REJECTED,
                        new Rejected(in.value(), "MALFORMED_XML", String.valueOf(e.getMessage())));
                return;
            }
            String orderId = key.evaluate(doc);
            if (orderId.isEmpty()) {
                ctx.output(REJECTED, new Rejected(in.value(), "KEY_MISSING", "no order id"));
                return;
            }
            out.collect(
                    new Keyed(
                            orderId,
                            in.value(),
                            in.topic(),
                            in.partition(),
                            in.offset(),
                            in.timestamp()));
        }
    }

    /** Validation, rules, blocking lookup and decision, with the order's history in state. */
    static final class OrderFunction
            extends KeyedProcessFunction<String, Keyed, Stamped<OrderCommand>> {
        private static final long serialVersionUID = 1L;
        private static final String[] FIELDS = {
            "orderId",
            "eventId",
            "occurredAt",
            "eventType",
            "customerId",
            "sku",
            "quantity",
            "price",
            "amount",
            "currency",
            "carrier",
            "reason"
        };

        private final String customerUrlTemplate;

        private transient DocumentBuilder dom;
        private transient Validator validator;
        private transient Map<String, XPathExpression> paths;
        private transient List<Rule> rules;
        private transient HttpClient http;
        private transient ObjectMapper json;
        private transient ValueState<List<OrderMutation>> history;
        private transient ValueState<Long> sequence;

        OrderFunction(String customerUrlTemplate) {
            this.customerUrlTemplate = customerUrlTemplate;
        }

        record Rule(String id, String message, CelRuntime.Program program) {}

        @Override
        public void open(OpenContext openContext) throws Exception {
            dom = documentBuilder();
            URL schemaUrl = StraightforwardJob.class.getClassLoader().getResource(SCHEMA);
            SchemaFactory schemas = SchemaFactory.newInstance(XMLConstants.W3C_XML_SCHEMA_NS_URI);
            Schema schema = schemas.newSchema(schemaUrl);
            validator = schema.newValidator();
            JsonNode bundle;
            try (InputStream in =
                    StraightforwardJob.class.getClassLoader().getResourceAsStream(BUNDLE)) {
                bundle = new ObjectMapper(new YAMLFactory()).readTree(in);
            }
            XPath xpath = xpath();
            paths = new HashMap<>();
            for (String field : FIELDS) {
                paths.put(
                        field, xpath.compile(bundle.get("fields").get(field).get("path").asText()));
            }
            rules = compileRules(bundle);
            http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            json = new ObjectMapper();
            history =
                    getRuntimeContext()
                            .getState(
                                    new ValueStateDescriptor<>(
                                            "history",
                                            new ListTypeInfo<>(
                                                    TypeInformation.of(OrderMutation.class))));
            sequence =
                    getRuntimeContext()
                            .getState(new ValueStateDescriptor<>("sequence", Types.LONG));
        }

        private static List<Rule> compileRules(JsonNode bundle)
                throws CelValidationException, CelEvaluationException {
            Cel cel =
                    CelFactory.standardCelBuilder()
                            .setOptions(
                                    CelOptions.current()
                                            .enableHeterogeneousNumericComparisons(true)
                                            .build())
                            .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
                            .setResultType(SimpleType.BOOL)
                            .addVar("eventType", SimpleType.STRING)
                            .addVar("customerId", SimpleType.STRING)
                            .addVar("sku", SimpleType.STRING)
                            .addVar("quantity", SimpleType.INT)
                            .addVar("price", SimpleType.DOUBLE)
                            .addVar("amount", SimpleType.DOUBLE)
                            .addVar("currency", SimpleType.STRING)
                            .addVar("carrier", SimpleType.STRING)
                            .addVar("reason", SimpleType.STRING)
                            .addVar("state", MapType.create(SimpleType.STRING, SimpleType.DYN))
                            .build();
            List<Rule> compiled = new ArrayList<>();
            for (JsonNode rule : bundle.get("rules")) {
                compiled.add(
                        new Rule(
                                rule.get("id").asText(),
                                rule.get("message").asText(),
                                cel.createProgram(
                                        cel.compile(rule.get("expression").asText()).getAst())));
            }
            return compiled;
        }

        @Override
        public void processElement(Keyed in, Context ctx, Collector<Stamped<OrderCommand>> out)
                throws Exception {
            Document doc;
            try {
                doc = dom.parse(new ByteArrayInputStream(in.value()));
                validator.validate(new DOMSource(doc));
            } catch (SAXException e) {
                ctx.output(
                        REJECTED,
                        new Rejected(
                                in.value(), "SCHEMA_VIOLATION", String.valueOf(e.getMessage())));
                return;
            }
            Map<String, String> text = new HashMap<>();
            for (Map.Entry<String, XPathExpression> path : paths.entrySet()) {
                String value = path.getValue().evaluate(doc);
                if (!value.isEmpty()) {
                    text.put(path.getKey(), value);
                }
            }
            OrderEvent event = event(text);

            // The order's state: every mutation so far, folded again.
            List<OrderMutation> past = history.value();
            if (past == null) {
                past = new ArrayList<>();
            }
            OrderState state = OrderState.initial();
            for (OrderMutation m : past) {
                state = OrderLogic.evolve(state, m);
            }

            Map<String, Object> vars = new HashMap<>();
            vars.put("eventType", event.type().name());
            putIfSet(vars, "customerId", event.customerId());
            putIfSet(vars, "sku", event.sku());
            putIfSet(vars, "quantity", event.quantity());
            putIfSet(vars, "price", event.price() == null ? null : event.price().doubleValue());
            putIfSet(vars, "amount", event.amount() == null ? null : event.amount().doubleValue());
            putIfSet(vars, "currency", event.currency());
            putIfSet(vars, "carrier", event.carrier());
            putIfSet(vars, "reason", event.reason());
            vars.put("state", state.asRuleInput());
            for (Rule rule : rules) {
                Object result;
                try {
                    result = rule.program().eval(vars);
                } catch (CelEvaluationException e) {
                    result = e;
                }
                if (!Boolean.TRUE.equals(result)) {
                    ctx.output(
                            REJECTED,
                            new Rejected(
                                    in.value(),
                                    "RULE_VIOLATION",
                                    rule.id() + ": " + rule.message()));
                    return;
                }
            }

            Optional<Customer> customer = Optional.empty();
            if (event.type() == EventType.PLACED
                    && state.status() == dev.keyflow.reference.orders.OrderStatus.NEW) {
                try {
                    customer = lookup(event.customerId(), in.key() + "/" + event.eventId());
                } catch (IOException e) {
                    ctx.output(
                            REJECTED,
                            new Rejected(
                                    in.value(),
                                    "ENRICHMENT_FAILED",
                                    String.valueOf(e.getMessage())));
                    return;
                }
            }
            Decision decision = OrderLogic.decide(state, event, customer);
            if (decision.rejected()) {
                ctx.output(
                        REJECTED,
                        new Rejected(in.value(), decision.rejection().name(), decision.message()));
                return;
            }
            past.addAll(decision.mutations());
            history.update(past);
            long seq = sequence.value() == null ? 0 : sequence.value();
            Origin origin = new Origin(in.topic(), in.partition(), in.offset(), in.timestamp());
            for (Decision.Command command : decision.commands()) {
                seq++;
                out.collect(
                        new Stamped<>(
                                in.key(),
                                seq,
                                new OrderCommand(
                                        command.type(),
                                        json.writeValueAsString(command.payload()),
                                        event.eventId(),
                                        event.occurredAt().toEpochMilli(),
                                        origin,
                                        "orders@1")));
            }
            sequence.update(seq);
        }

        /** A blocking GET with up to three attempts; 404 means no such customer. */
        private Optional<Customer> lookup(String customerId, String idempotencyKey)
                throws IOException, InterruptedException {
            HttpRequest request =
                    HttpRequest.newBuilder(
                                    URI.create(customerUrlTemplate.replace("{id}", customerId)))
                            .header("Accept", "application/json")
                            .header("Idempotency-Key", idempotencyKey)
                            .timeout(Duration.ofSeconds(2))
                            .GET()
                            .build();
            IOException last = null;
            for (int attempt = 1; attempt <= 3; attempt++) {
                if (attempt > 1) {
                    Thread.sleep(100L << (attempt - 2));
                }
                try {
                    HttpResponse<byte[]> response =
                            http.send(request, HttpResponse.BodyHandlers.ofByteArray());
                    if (response.statusCode() == 404) {
                        return Optional.empty();
                    }
                    if (response.statusCode() == 200) {
                        JsonNode body = json.readTree(response.body());
                        return Optional.of(
                                new Customer(
                                        body.path("id").asText(),
                                        body.path("tier").asText("STANDARD"),
                                        body.path("email").asText(""),
                                        body.path("blocked").asBoolean(false)));
                    }
                    last = new IOException("HTTP " + response.statusCode());
                } catch (IOException e) {
                    last = e;
                }
            }
            throw last;
        }

        private static void putIfSet(Map<String, Object> vars, String name, Object value) {
            if (value != null) {
                vars.put(name, value);
            }
        }

        private static OrderEvent event(Map<String, String> f) {
            return new OrderEvent(
                    f.get("orderId"),
                    f.get("eventId"),
                    EventType.valueOf(f.get("eventType")),
                    Instant.parse(f.get("occurredAt")),
                    f.get("customerId"),
                    f.get("sku"),
                    f.containsKey("quantity") ? Long.valueOf(f.get("quantity")) : null,
                    f.containsKey("price") ? new BigDecimal(f.get("price")) : null,
                    f.containsKey("amount") ? new BigDecimal(f.get("amount")) : null,
                    f.get("currency"),
                    f.get("carrier"),
                    f.get("reason"));
        }
    }
}
