package dev.keyflow.reference.config;

import static dev.keyflow.reference.config.ConfigCheck.fail;
import static dev.keyflow.reference.config.ConfigCheck.notNull;
import static dev.keyflow.reference.config.ConfigCheck.orDefault;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.Serializable;
import java.time.Duration;
import javax.annotation.Nullable;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.core.execution.CheckpointingMode;

/**
 * The reference job's whole configuration, one record per YAML section, checked when it is built
 * (values by each section, rules that span sections here). Immutable and serializable: Flink
 * functions may capture any part of it. {@link ConfigLoader} reads it from YAML and command-line
 * overrides; docs/reference-config.md lists every key.
 *
 * <pre>{@code
 * ReferenceConfig config = ConfigLoader.fromArgs(args);
 * StreamExecutionEnvironment env =
 *         StreamExecutionEnvironment.getExecutionEnvironment(config.toFlinkConfiguration());
 * }</pre>
 *
 * <p>Rules across sections: {@code topics.rules} is required when {@code rules.source} is {@code
 * topic}, and {@code kafka.transaction-timeout} must exceed {@code checkpoints.interval +
 * checkpoints.timeout}. {@code kafka.group-id} defaults to {@code job.name}.
 */
public record ReferenceConfig(
        JobConfig job,
        KafkaConfig kafka,
        TopicsConfig topics,
        PipelineConfig pipeline,
        RulesConfig rules,
        EnrichmentConfig enrichment,
        StateConfig state,
        CheckpointsConfig checkpoints,
        RestartStrategyConfig restartStrategy,
        MetricsConfig metrics)
        implements Serializable {

    /** The reporter name under {@code metrics.reporter.} that the Prometheus settings use. */
    public static final String PROMETHEUS_REPORTER = "prom";

    /** The factory of Flink's Prometheus reporter (in {@code flink-metrics-prometheus}). */
    public static final String PROMETHEUS_REPORTER_FACTORY =
            "org.apache.flink.metrics.prometheus.PrometheusReporterFactory";

    static final ConfigOption<String> PROMETHEUS_FACTORY_CLASS = reporterOption("factory.class");
    static final ConfigOption<String> PROMETHEUS_PORT = reporterOption("port");

    public ReferenceConfig {
        notNull(job, "job");
        notNull(kafka, "kafka");
        notNull(topics, "topics");
        notNull(pipeline, "pipeline");
        notNull(rules, "rules");
        notNull(enrichment, "enrichment");
        notNull(state, "state");
        notNull(checkpoints, "checkpoints");
        notNull(restartStrategy, "restart-strategy");
        notNull(metrics, "metrics");
        if (kafka.groupId() == null) {
            kafka = kafka.withGroupId(job.name());
        }
        if (rules.source() == RulesConfig.Source.TOPIC && topics.rules() == null) {
            throw fail(
                    "topics.rules",
                    "required when rules.source is topic (e.g. orders.rules, a compacted topic)");
        }
        Duration checkpointBound = checkpoints.interval().plus(checkpoints.timeout());
        if (kafka.transactionTimeout().compareTo(checkpointBound) <= 0) {
            throw fail(
                    "kafka.transaction-timeout",
                    Durations.format(kafka.transactionTimeout())
                            + " must exceed checkpoints.interval + checkpoints.timeout ("
                            + Durations.format(checkpoints.interval())
                            + " + "
                            + Durations.format(checkpoints.timeout())
                            + " = "
                            + Durations.format(checkpointBound)
                            + "), or the broker aborts transactions a checkpoint still has to"
                            + " commit; raise kafka.transaction-timeout or lower the"
                            + " checkpoint settings");
        }
    }

    @JsonCreator
    static ReferenceConfig fromYaml(
            @JsonProperty("job") @Nullable JobConfig job,
            @JsonProperty("kafka") @Nullable KafkaConfig kafka,
            @JsonProperty("topics") @Nullable TopicsConfig topics,
            @JsonProperty("pipeline") @Nullable PipelineConfig pipeline,
            @JsonProperty("rules") @Nullable RulesConfig rules,
            @JsonProperty("enrichment") @Nullable EnrichmentConfig enrichment,
            @JsonProperty("state") @Nullable StateConfig state,
            @JsonProperty("checkpoints") @Nullable CheckpointsConfig checkpoints,
            @JsonProperty("restart-strategy") @Nullable RestartStrategyConfig restartStrategy,
            @JsonProperty("metrics") @Nullable MetricsConfig metrics) {
        return new ReferenceConfig(
                orDefault(job, JobConfig.defaults()),
                kafka,
                topics,
                orDefault(pipeline, PipelineConfig.defaults()),
                orDefault(rules, RulesConfig.defaults()),
                enrichment,
                orDefault(state, StateConfig.defaults()),
                orDefault(checkpoints, CheckpointsConfig.defaults()),
                orDefault(restartStrategy, RestartStrategyConfig.defaults()),
                orDefault(metrics, MetricsConfig.defaults()));
    }

    /**
     * The Flink configuration this job runs with: job name, state backend and checkpoint storage,
     * exactly-once checkpointing, the restart strategy, the parallelism if set, no generic types
     * (Kryo) and the Prometheus reporter if enabled. Pass it to {@code
     * StreamExecutionEnvironment.getExecutionEnvironment}.
     */
    public Configuration toFlinkConfiguration() {
        Configuration conf = new Configuration();
        conf.set(PipelineOptions.NAME, job.name());
        job.parallelismIfSet().ifPresent(p -> conf.set(CoreOptions.DEFAULT_PARALLELISM, p));
        conf.set(PipelineOptions.GENERIC_TYPES, false);

        state.stateBackendSettings().applyTo(conf);

        conf.set(
                CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE,
                CheckpointingMode.EXACTLY_ONCE);
        conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, checkpoints.interval());
        conf.set(CheckpointingOptions.CHECKPOINTING_TIMEOUT, checkpoints.timeout());
        conf.set(CheckpointingOptions.MIN_PAUSE_BETWEEN_CHECKPOINTS, checkpoints.minPause());
        conf.set(CheckpointingOptions.ENABLE_UNALIGNED, checkpoints.unaligned());
        conf.set(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER, checkpoints.tolerableFailures());
        restartStrategy.applyTo(conf);

        MetricsConfig.PrometheusConfig prometheus = metrics.prometheus();
        if (prometheus.enabled()) {
            conf.set(PROMETHEUS_FACTORY_CLASS, PROMETHEUS_REPORTER_FACTORY);
            conf.set(PROMETHEUS_PORT, prometheus.port());
        }
        return conf;
    }

    private static ConfigOption<String> reporterOption(String suffix) {
        // metrics.reporter.<name>.<suffix>: Flink defines these per reporter name, not as
        // constants.
        return ConfigOptions.key("metrics.reporter." + PROMETHEUS_REPORTER + "." + suffix)
                .stringType()
                .noDefaultValue();
    }
}
