package dev.keyflow.reference;

import dev.keyflow.core.Envelope;
import dev.keyflow.core.ErrorRecord;
import dev.keyflow.core.KeyExtraction;
import dev.keyflow.core.KeyflowOutputs;
import dev.keyflow.core.KeyflowWatermarks;
import dev.keyflow.core.RawRecord;
import dev.keyflow.core.Resequencer;
import dev.keyflow.core.async.KeyedAsync;
import dev.keyflow.core.async.RetryPolicy;
import dev.keyflow.core.kafka.ErrorSink;
import dev.keyflow.core.kafka.KafkaRawSource;
import dev.keyflow.core.kafka.OutboxSink;
import dev.keyflow.enrichment.HttpEnricher;
import dev.keyflow.reference.config.ConfigLoader;
import dev.keyflow.reference.config.ReferenceConfig;
import dev.keyflow.reference.orders.Orders;
import dev.keyflow.rules.BundleCompiler;
import dev.keyflow.rules.RuleBundleProcessing;
import dev.keyflow.rules.RuleBundleTopic;
import dev.keyflow.state.Retention;
import dev.keyflow.state.Stamped;
import dev.keyflow.xml.XmlKeyExtractor;
import dev.keyflow.xml.XmlLimits;
import java.nio.file.Path;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * keyflow's reference pipeline for order events, configured by one YAML file:
 *
 * <pre>
 * Kafka (XML) -> watermarks -> key extraction (StAX) -> keyBy(order id) -> resequencer (optional)
 *   (+ elements coming back from the retry topic after their delay)
 *   -> keyed async processor: XSD + fields -> order state -> CEL rules -> customer lookup -> decide
 *      (mutations appended to the order's event log; rule bundles arrive by broadcast)
 *   -> commands -> outbox topic (exactly-once)
 *   -> errors   -> DLQ topic (fatal) or retry topic (transient), exactly-once
 * </pre>
 *
 * <p>On a cluster: {@code flink run keyflow-job-reference-<version>-job.jar --config app.yaml}
 * (plus overrides such as {@code --kafka.bootstrap-servers broker:9092}); locally: {@link
 * dev.keyflow.reference.local.LocalRunner}. Operator uids are stable across versions: {@value
 * #SOURCE_UID}, {@code keyflow-key-extraction}, {@value #RESEQUENCER_UID}, {@value
 * #RETRY_SOURCE_UID}, {@code retry-envelopes}, {@code retry-delay}, {@value #RULES_UID}, {@value
 * #PROCESSOR_UID}, and the sinks' {@code outbox} and {@code errors}.
 */
public final class ReferenceJob {

    public static final String SOURCE_UID = "orders-source";
    public static final String RESEQUENCER_UID = "resequencer";
    public static final String RETRY_SOURCE_UID = "retry-source";
    public static final String RULES_UID = "rule-bundles";
    public static final String PROCESSOR_UID = "order-processor";

    private ReferenceJob() {}

    public static void main(String[] args) throws Exception {
        ReferenceConfig config = ConfigLoader.fromArgs(args);
        Configuration conf = config.toFlinkConfiguration();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        build(env, config);
        env.execute(config.job().name());
    }

    /** Adds the pipeline to {@code env}; the environment's checkpointing must already be set. */
    public static Pipeline build(StreamExecutionEnvironment env, ReferenceConfig config) {
        return build(env, config, Taps.NONE);
    }

    /**
     * Places where extra operators can be put into the pipeline (monitoring, or failure injection
     * in tests); identity by default.
     */
    public interface Taps {
        /** No extra operators. */
        Taps NONE = new Taps() {};

        /** Between key extraction and the resequencer's shuffle. */
        default DataStream<Envelope> afterKeys(DataStream<Envelope> envelopes) {
            return envelopes;
        }

        /** Between the processor and the outbox sink. */
        default DataStream<Stamped<OrderCommand>> beforeOutbox(
                DataStream<Stamped<OrderCommand>> commands) {
            return commands;
        }
    }

    /** {@link #build(StreamExecutionEnvironment, ReferenceConfig)} with taps. */
    public static Pipeline build(
            StreamExecutionEnvironment env, ReferenceConfig config, Taps taps) {
        var kafka = config.kafka();
        var topics = config.topics();
        var pipeline = config.pipeline();
        String jobName = config.job().name();

        // Source, watermarks (on the Kafka record timestamp, per partition), keys.
        DataStream<RawRecord> raw =
                kafkaSource(config, topics.input(), "", SOURCE_UID, "orders")
                        .createStream(
                                env,
                                KeyflowWatermarks.<RawRecord>builder()
                                        .maxOutOfOrderness(pipeline.maxOutOfOrderness())
                                        .idleness(pipeline.idleness())
                                        .build());
        SingleOutputStreamOperator<Envelope> envelopes =
                KeyExtraction.extractKeys(
                        raw,
                        XmlKeyExtractor.builder()
                                .namespaces(Orders.NAMESPACES)
                                .keyPath(Orders.KEY_PATH)
                                .eventTimePath(Orders.EVENT_TIME_PATH)
                                .limits(XmlLimits.defaults())
                                .build());
        DataStream<ErrorRecord> errors = envelopes.getSideOutput(KeyflowOutputs.ERRORS);

        DataStream<Envelope> keyedInput = taps.afterKeys(envelopes);

        // Per-key event-time order.
        DataStream<Envelope> ordered = keyedInput;
        if (pipeline.resequencer().enabled()) {
            SingleOutputStreamOperator<Envelope> resequenced =
                    Resequencer.forEnvelopes()
                            .maxBufferedPerKey(pipeline.resequencer().maxBufferedPerKey())
                            .uid(RESEQUENCER_UID)
                            .name("resequencer")
                            .build()
                            .resequence(keyedInput.keyBy(Envelope::key));
            errors = errors.union(resequenced.getSideOutput(KeyflowOutputs.ERRORS));
            ordered = resequenced;
        }

        // Elements coming back from the retry topic, after their delay.
        if (topics.retry() != null) {
            SingleOutputStreamOperator<Envelope> back =
                    RetryTopic.envelopes(
                            kafkaSource(
                                            config,
                                            topics.retry(),
                                            "-retry",
                                            RETRY_SOURCE_UID,
                                            "retries")
                                    .createStream(
                                            env,
                                            KeyflowWatermarks.<RawRecord>builder()
                                                    .idleness(pipeline.idleness())
                                                    .build()));
            errors = errors.union(back.getSideOutput(KeyflowOutputs.ERRORS));
            ordered = ordered.union(RetryTopic.delay(back, pipeline.retryTopic().delay()));
        }

        // Rule bundles, broadcast to the processor.
        DataStream<byte[]> bundles = bundleDocuments(env, config);

        // The keyed async processor.
        XmlBundlePart xmlPart = new XmlBundlePart(Orders.NAMESPACES, XmlLimits.defaults());
        BundleCompiler compiler =
                BundleCompiler.builder(config.rules().bundleName()).part(xmlPart).build();
        var async = pipeline.async();
        OrderProcessor processor =
                new OrderProcessor(
                        compiler,
                        xmlPart,
                        customers(config),
                        Orders.eventLog(
                                config.state().snapshotEvery(),
                                Retention.keepLast(config.state().retentionKeepLast())),
                        pipeline.retryTopic().maxAttempts(),
                        pipeline.retryTopic().delay());
        SingleOutputStreamOperator<Stamped<OrderCommand>> commands =
                KeyedAsync.builder(processor)
                        .outputType(Stamped.typeInfo(TypeInformation.of(OrderCommand.class)))
                        .uid(PROCESSOR_UID)
                        .name("validate, enrich, decide")
                        .capacity(async.capacity())
                        .errorDetails(RetryTopic.backlogFull(pipeline.retryTopic().delay()))
                        .timeout(async.timeout())
                        .retry(
                                RetryPolicy.exponentialBackoff(
                                                async.maxAttempts(),
                                                async.initialBackoff(),
                                                async.maxBackoff())
                                        .withJitter(0.2))
                        .build()
                        .applyTo(ordered.keyBy(Envelope::key), bundles);
        errors = errors.union(commands.getSideOutput(KeyflowOutputs.ERRORS));

        // Exactly-once outputs.
        OutboxSink.Builder<Stamped<OrderCommand>> outbox =
                OutboxSink.<Stamped<OrderCommand>>builder()
                        .bootstrapServers(kafka.bootstrapServers())
                        .serializer(new CommandSerialization(topics.outbox()))
                        .jobName(jobName)
                        .name("outbox")
                        .transactionTimeout(kafka.transactionTimeout());
        kafka.properties().forEach(outbox::producerProperty);
        outbox.build().sinkFrom(taps.beforeOutbox(commands));
        OutboxSink.Builder<ErrorRecord> errorSink =
                ErrorSink.builder(topics.dlq(), topics.retry())
                        .bootstrapServers(kafka.bootstrapServers())
                        .jobName(jobName)
                        .transactionTimeout(kafka.transactionTimeout());
        kafka.properties().forEach(errorSink::producerProperty);
        errorSink.build().sinkFrom(errors);
        return new Pipeline(commands, errors);
    }

    /** The two outputs of the pipeline, for tests and jobs that add sinks of their own. */
    public record Pipeline(
            DataStream<Stamped<OrderCommand>> commands, DataStream<ErrorRecord> errors) {}

    private static DataStream<byte[]> bundleDocuments(
            StreamExecutionEnvironment env, ReferenceConfig config) {
        var rules = config.rules();
        switch (rules.source()) {
            case TOPIC:
                return RuleBundleTopic.documents(
                        env,
                        kafkaSource(
                                config,
                                config.topics().rules(),
                                "-rules",
                                RULES_UID,
                                "rule bundles"));
            case DIRECTORY:
                return fixed(env, BundleSources.fromDirectory(Path.of(rules.directory())));
            case CLASSPATH:
            default:
                return fixed(env, BundleSources.fromClasspath());
        }
    }

    /**
     * A source of {@code topic} with the job's Kafka settings; its group id gets {@code suffix}.
     */
    private static KafkaRawSource kafkaSource(
            ReferenceConfig config, String topic, String groupSuffix, String uid, String what) {
        KafkaRawSource.Builder source =
                KafkaRawSource.builder()
                        .bootstrapServers(config.kafka().bootstrapServers())
                        .topics(topic)
                        .groupId(config.kafka().groupId() + groupSuffix)
                        .uid(uid)
                        .name(what + ": " + topic);
        config.kafka().properties().forEach(source::property);
        return source.build();
    }

    private static DataStream<byte[]> fixed(StreamExecutionEnvironment env, byte[] document) {
        return env.fromData(RuleBundleProcessing.documentType(), document)
                .uid(RULES_UID)
                .name("rule bundle (fixed)");
    }

    private static HttpEnricher<String> customers(ReferenceConfig config) {
        var enrichment = config.enrichment();
        HttpEnricher.Builder<String> customers =
                HttpEnricher.<String>builder()
                        .url(enrichment.url())
                        .variables(id -> Map.of("id", id))
                        .header("Accept", "application/json")
                        .callTimeout(enrichment.callTimeout())
                        .maxConcurrentRequests(enrichment.maxConcurrentRequests())
                        .idleConnectionTimeout(enrichment.idleConnectionTimeout());
        if (!enrichment.allowedHosts().isEmpty()) {
            customers.allowedHosts(enrichment.allowedHosts().toArray(new String[0]));
        }
        if (enrichment.circuitBreaker().failures() > 0) {
            customers.circuitBreaker(
                    enrichment.circuitBreaker().failures(), enrichment.circuitBreaker().openWait());
        }
        if (enrichment.rateLimit().permits() > 0) {
            customers.rateLimit(enrichment.rateLimit().permits(), enrichment.rateLimit().period());
        }
        return customers.build();
    }
}
