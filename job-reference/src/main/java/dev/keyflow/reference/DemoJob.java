package dev.keyflow.reference;

import dev.keyflow.core.Envelope;
import dev.keyflow.core.KeyExtraction;
import dev.keyflow.core.KeyExtractors;
import dev.keyflow.core.KeyflowConfigException;
import dev.keyflow.core.KeyflowOutputs;
import dev.keyflow.core.KeyflowWatermarks;
import dev.keyflow.core.RawRecord;
import dev.keyflow.core.kafka.EnvelopeSerialization;
import dev.keyflow.core.kafka.ErrorSink;
import dev.keyflow.core.kafka.KafkaRawSource;
import dev.keyflow.core.kafka.OutboxSink;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.ParameterTool;

/**
 * The end-to-end path every keyflow pipeline starts with, runnable until the full reference
 * pipeline arrives: Kafka topic -> raw records with watermarks -> key extraction (the Kafka record
 * key) -> exactly-once outbox topic; every record without a usable key becomes an error record on
 * the dead letter topic. Outputs plus errors always equal inputs.
 *
 * <p>On a cluster: {@code flink run keyflow-job-reference-<version>-job.jar --bootstrap-servers
 * broker:9092 --input orders --outbox orders.outbox --dlq orders.dlq}. Locally: see {@link
 * dev.keyflow.reference.local.LocalRunner}.
 */
public final class DemoJob {

    /** The job name; also the base of the sinks' transactional id prefixes. */
    public static final String JOB_NAME = "keyflow-demo";

    private static final Set<String> OPTIONS =
            Set.of(
                    "bootstrap-servers",
                    "input",
                    "outbox",
                    "dlq",
                    "group-id",
                    "checkpoint-interval-ms");

    private DemoJob() {}

    /** What the demo pipeline reads and writes. */
    public record Settings(
            String bootstrapServers,
            String inputTopic,
            String outboxTopic,
            String dlqTopic,
            String groupId,
            Duration checkpointInterval,
            boolean stopAtCurrentEnd) {
        public Settings {
            Objects.requireNonNull(bootstrapServers, "bootstrapServers");
            Objects.requireNonNull(inputTopic, "inputTopic");
            Objects.requireNonNull(outboxTopic, "outboxTopic");
            Objects.requireNonNull(dlqTopic, "dlqTopic");
            Objects.requireNonNull(groupId, "groupId");
            Objects.requireNonNull(checkpointInterval, "checkpointInterval");
        }
    }

    public static void main(String[] args) throws Exception {
        Settings settings = parse(args);
        Configuration conf = new Configuration();
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        build(env, settings);
        env.execute(JOB_NAME);
    }

    /** Adds the pipeline to {@code env}, configuring checkpointing first. */
    public static void build(StreamExecutionEnvironment env, Settings settings) {
        env.enableCheckpointing(settings.checkpointInterval().toMillis());
        env.getCheckpointConfig().setCheckpointTimeout(Duration.ofMinutes(2).toMillis());

        KafkaRawSource.Builder source =
                KafkaRawSource.builder()
                        .bootstrapServers(settings.bootstrapServers())
                        .topics(settings.inputTopic())
                        .groupId(settings.groupId());
        if (settings.stopAtCurrentEnd()) {
            source.bounded(OffsetsInitializer.latest());
        }
        DataStream<RawRecord> raw =
                source.build().createStream(env, KeyflowWatermarks.<RawRecord>builder().build());
        SingleOutputStreamOperator<Envelope> envelopes =
                KeyExtraction.extractKeys(raw, KeyExtractors.kafkaKey());

        OutboxSink.<Envelope>builder()
                .bootstrapServers(settings.bootstrapServers())
                .serializer(EnvelopeSerialization.toTopic(settings.outboxTopic()))
                .jobName(JOB_NAME)
                .build()
                .sinkFrom(envelopes);
        ErrorSink.builder(settings.dlqTopic(), null)
                .bootstrapServers(settings.bootstrapServers())
                .jobName(JOB_NAME)
                .build()
                .sinkFrom(envelopes.getSideOutput(KeyflowOutputs.ERRORS));
    }

    /** Reads {@code --name value} options; unknown or missing options are startup errors. */
    static Settings parse(String[] args) {
        ParameterTool params = ParameterTool.fromArgs(args);
        Set<String> unknown = new java.util.TreeSet<>(params.toMap().keySet());
        unknown.removeAll(OPTIONS);
        if (!unknown.isEmpty()) {
            throw new KeyflowConfigException(
                    "unknown option(s) "
                            + unknown
                            + "; the options are "
                            + new java.util.TreeSet<>(OPTIONS));
        }
        return new Settings(
                required(params, "bootstrap-servers"),
                required(params, "input"),
                required(params, "outbox"),
                required(params, "dlq"),
                params.get("group-id", JOB_NAME),
                Duration.ofMillis(params.getLong("checkpoint-interval-ms", 10_000L)),
                false);
    }

    private static String required(ParameterTool params, String name) {
        String value = params.get(name);
        if (value == null || value.isBlank()) {
            throw new KeyflowConfigException("missing option --" + name);
        }
        return value;
    }
}
