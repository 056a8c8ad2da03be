package dev.keyflow.reference.config;

import static dev.keyflow.reference.config.ConfigCheck.notNull;
import static dev.keyflow.reference.config.ConfigCheck.optionalText;
import static dev.keyflow.reference.config.ConfigCheck.orDefault;
import static dev.keyflow.reference.config.ConfigCheck.required;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.Serializable;
import java.util.Optional;
import javax.annotation.Nullable;

/**
 * The {@code rules} section: where the rule bundle comes from.
 *
 * @param source where the bundle is read; default {@link Source#CLASSPATH}
 * @param directory the bundle directory; required when {@code source} is {@link Source#DIRECTORY}
 *     (the loader checks that it exists), ignored otherwise
 * @param bundleName the bundle's name; default {@value #DEFAULT_BUNDLE_NAME}
 */
public record RulesConfig(Source source, @Nullable String directory, String bundleName)
        implements Serializable {

    public static final String DEFAULT_BUNDLE_NAME = "orders";

    /** Where the rule bundle is read from. */
    public enum Source {
        /** The bundle built into the job jar. */
        CLASSPATH,
        /** A bundle directory on the machines that run the job ({@code rules.directory}). */
        DIRECTORY,
        /** The compacted bundle topic ({@code topics.rules}); bundles change while the job runs. */
        TOPIC
    }

    public RulesConfig {
        notNull(source, "rules.source");
        optionalText(directory, "rules.directory");
        required(bundleName, "rules.bundle-name", DEFAULT_BUNDLE_NAME);
        if (source == Source.DIRECTORY && directory == null) {
            throw ConfigCheck.fail(
                    "rules.directory",
                    "required when rules.source is directory (e.g. /etc/keyflow/rules)");
        }
    }

    @JsonCreator
    static RulesConfig fromYaml(
            @JsonProperty("source") @Nullable Source source,
            @JsonProperty("directory") @Nullable String directory,
            @JsonProperty("bundle-name") @Nullable String bundleName) {
        return new RulesConfig(
                orDefault(source, Source.CLASSPATH),
                directory,
                orDefault(bundleName, DEFAULT_BUNDLE_NAME));
    }

    /** The defaults: the bundle {@value #DEFAULT_BUNDLE_NAME} from the classpath. */
    public static RulesConfig defaults() {
        return fromYaml(null, null, null);
    }

    /** The bundle directory, if one is configured. */
    public Optional<String> directoryIfSet() {
        return Optional.ofNullable(directory);
    }
}
