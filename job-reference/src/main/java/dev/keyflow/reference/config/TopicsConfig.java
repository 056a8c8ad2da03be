package dev.keyflow.reference.config;

import static dev.keyflow.reference.config.ConfigCheck.optionalText;
import static dev.keyflow.reference.config.ConfigCheck.required;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.Serializable;
import java.util.Optional;
import javax.annotation.Nullable;

/**
 * The {@code topics} section: the Kafka topics the job reads and writes.
 *
 * @param input the orders the job reads; required
 * @param outbox where the commands go (exactly once); required
 * @param dlq the dead letter topic for error records; required
 * @param retry the retry topic for transient failures; null sends them to the DLQ
 * @param rules the compacted topic of rule bundles; required when {@code rules.source} is {@code
 *     topic}
 */
public record TopicsConfig(
        String input, String outbox, String dlq, @Nullable String retry, @Nullable String rules)
        implements Serializable {

    public TopicsConfig {
        required(input, "topics.input", "orders");
        required(outbox, "topics.outbox", "orders.commands");
        required(dlq, "topics.dlq", "orders.dlq");
        optionalText(retry, "topics.retry");
        optionalText(rules, "topics.rules");
    }

    @JsonCreator
    static TopicsConfig fromYaml(
            @JsonProperty("input") @Nullable String input,
            @JsonProperty("outbox") @Nullable String outbox,
            @JsonProperty("dlq") @Nullable String dlq,
            @JsonProperty("retry") @Nullable String retry,
            @JsonProperty("rules") @Nullable String rules) {
        return new TopicsConfig(input, outbox, dlq, retry, rules);
    }

    /** The retry topic, if transient failures are retried through Kafka. */
    public Optional<String> retryTopic() {
        return Optional.ofNullable(retry);
    }

    /** The rule bundle topic, if one is configured. */
    public Optional<String> rulesTopic() {
        return Optional.ofNullable(rules);
    }
}
