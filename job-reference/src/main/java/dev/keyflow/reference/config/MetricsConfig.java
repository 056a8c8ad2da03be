package dev.keyflow.reference.config;

import static dev.keyflow.reference.config.ConfigCheck.fail;
import static dev.keyflow.reference.config.ConfigCheck.notNull;
import static dev.keyflow.reference.config.ConfigCheck.orDefault;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.Serializable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.annotation.Nullable;

/**
 * The {@code metrics} section.
 *
 * @param prometheus {@code metrics.prometheus}
 */
public record MetricsConfig(PrometheusConfig prometheus) implements Serializable {

    public MetricsConfig {
        notNull(prometheus, "metrics.prometheus");
    }

    @JsonCreator
    static MetricsConfig fromYaml(
            @JsonProperty("prometheus") @Nullable PrometheusConfig prometheus) {
        return new MetricsConfig(orDefault(prometheus, PrometheusConfig.defaults()));
    }

    public static MetricsConfig defaults() {
        return fromYaml(null);
    }

    /**
     * {@code metrics.prometheus}: Flink's Prometheus reporter, which serves the metrics of every
     * JobManager and TaskManager over HTTP. The cluster needs {@code flink-metrics-prometheus} in
     * its {@code plugins} (the distribution ships it in {@code opt}).
     *
     * @param enabled default false
     * @param port the port, or a range {@code 9249-9260} when several processes share a machine
     *     (each takes the first free one); default {@value #DEFAULT_PORT}
     */
    public record PrometheusConfig(boolean enabled, String port) implements Serializable {

        public static final String DEFAULT_PORT = "9249";

        private static final Pattern PORTS = Pattern.compile("(\\d{1,5})(?:-(\\d{1,5}))?");

        public PrometheusConfig {
            notNull(port, "metrics.prometheus.port");
            port = port.trim();
            Matcher m = PORTS.matcher(port);
            if (!m.matches()) {
                throw fail(
                        "metrics.prometheus.port",
                        "'" + port + "' is not a port or a port range (e.g. 9249 or 9249-9260)");
            }
            int low = Integer.parseInt(m.group(1));
            int high = m.group(2) == null ? low : Integer.parseInt(m.group(2));
            if (low < 1 || high > 65535 || low > high) {
                throw fail(
                        "metrics.prometheus.port",
                        "'" + port + "' is not a port or a port range within 1-65535");
            }
        }

        @JsonCreator
        static PrometheusConfig fromYaml(
                @JsonProperty("enabled") @Nullable Boolean enabled,
                @JsonProperty("port") @Nullable String port) {
            return new PrometheusConfig(orDefault(enabled, false), orDefault(port, DEFAULT_PORT));
        }

        public static PrometheusConfig defaults() {
            return fromYaml(null, null);
        }
    }
}
