package dev.keyflow.reference.config;

import static dev.keyflow.reference.config.ConfigCheck.fail;
import static dev.keyflow.reference.config.ConfigCheck.optionalText;
import static dev.keyflow.reference.config.ConfigCheck.orDefault;
import static dev.keyflow.reference.config.ConfigCheck.positive;
import static dev.keyflow.reference.config.ConfigCheck.required;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.Serializable;
import java.time.Duration;
import java.util.Map;
import javax.annotation.Nullable;

/**
 * The {@code kafka} section: how the job reaches the brokers.
 *
 * @param bootstrapServers the brokers, {@code host:port[,host:port...]}; required
 * @param groupId the consumer group; null only outside a {@link ReferenceConfig}, which fills in
 *     {@code job.name}
 * @param transactionTimeout the exactly-once sinks' transaction timeout; default 15m. It must
 *     exceed {@code checkpoints.interval + checkpoints.timeout}, or the broker aborts transactions
 *     that a slow checkpoint still has to commit
 * @param properties extra Kafka client properties (security, tuning), passed as they are
 */
public record KafkaConfig(
        String bootstrapServers,
        @Nullable String groupId,
        Duration transactionTimeout,
        Map<String, String> properties)
        implements Serializable {

    public static final Duration DEFAULT_TRANSACTION_TIMEOUT = Duration.ofMinutes(15);

    public KafkaConfig {
        required(bootstrapServers, "kafka.bootstrap-servers", "localhost:9092");
        optionalText(groupId, "kafka.group-id");
        positive(transactionTimeout, "kafka.transaction-timeout");
        ConfigCheck.notNull(properties, "kafka.properties");
        properties.forEach(
                (k, v) -> {
                    if (v == null) {
                        throw fail("kafka.properties." + k, "needs a value");
                    }
                    checkGuarantee(k, v.trim());
                });
        properties = Map.copyOf(properties);
    }

    /**
     * Refuses client properties that would silently weaken what the job promises: exactly-once
     * outputs need idempotent, fully acknowledged, transactional producers whose transactional ids
     * keyflow derives, and the job reads only committed records.
     */
    private static void checkGuarantee(String name, String value) {
        String key = "kafka.properties." + name;
        switch (name) {
            case "isolation.level" -> {
                if (!"read_committed".equals(value)) {
                    throw fail(
                            key,
                            value
                                    + " would read records of aborted transactions; keyflow reads"
                                    + " with read_committed");
                }
            }
            case "transactional.id" ->
                    throw fail(key, "is set by keyflow for each sink (from job.name); remove it");
            case "enable.idempotence" -> {
                if (!"true".equalsIgnoreCase(value)) {
                    throw fail(key, value + " would break exactly-once outputs; remove it");
                }
            }
            case "acks" -> {
                if (!"all".equalsIgnoreCase(value) && !"-1".equals(value)) {
                    throw fail(
                            key,
                            value
                                    + " would lose acknowledged records on a broker failure; use all");
                }
            }
            default -> {}
        }
    }

    @JsonCreator
    static KafkaConfig fromYaml(
            @JsonProperty("bootstrap-servers") @Nullable String bootstrapServers,
            @JsonProperty("group-id") @Nullable String groupId,
            @JsonProperty("transaction-timeout") @Nullable Duration transactionTimeout,
            @JsonProperty("properties") @Nullable Map<String, String> properties) {
        return new KafkaConfig(
                bootstrapServers,
                groupId,
                orDefault(transactionTimeout, DEFAULT_TRANSACTION_TIMEOUT),
                orDefault(properties, Map.of()));
    }

    /** This configuration with {@code groupId} in place of the current group id. */
    public KafkaConfig withGroupId(String groupId) {
        return new KafkaConfig(bootstrapServers, groupId, transactionTimeout, properties);
    }
}
