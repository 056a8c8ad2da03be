package dev.keyflow.reference.config;

import static dev.keyflow.reference.config.ConfigCheck.atLeast;
import static dev.keyflow.reference.config.ConfigCheck.orDefault;
import static dev.keyflow.reference.config.ConfigCheck.required;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.Serializable;
import java.util.OptionalInt;
import javax.annotation.Nullable;

/**
 * The {@code job} section: the job's name and parallelism.
 *
 * @param name the job name, also the base of the sinks' transactional id prefixes; default {@value
 *     #DEFAULT_NAME}
 * @param parallelism the default parallelism, at least 1; null leaves it to the environment
 */
public record JobConfig(String name, @Nullable Integer parallelism) implements Serializable {

    public static final String DEFAULT_NAME = "keyflow-orders";

    public JobConfig {
        required(name, "job.name", DEFAULT_NAME);
        if (parallelism != null) {
            atLeast(parallelism, 1, "job.parallelism");
        }
    }

    @JsonCreator
    static JobConfig fromYaml(
            @JsonProperty("name") @Nullable String name,
            @JsonProperty("parallelism") @Nullable Integer parallelism) {
        return new JobConfig(orDefault(name, DEFAULT_NAME), parallelism);
    }

    /** The defaults: {@value #DEFAULT_NAME}, the environment's parallelism. */
    public static JobConfig defaults() {
        return fromYaml(null, null);
    }

    /** The parallelism, if the configuration sets one. */
    public OptionalInt parallelismIfSet() {
        return parallelism == null ? OptionalInt.empty() : OptionalInt.of(parallelism);
    }
}
