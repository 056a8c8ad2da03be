package dev.keyflow.reference.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class LocalOptionsTest {

    @Test
    void defaultsWithoutPropertiesOrArguments() {
        LocalOptions options = LocalOptions.from(new String[0], new Properties());

        assertThat(options.events()).isEqualTo(20_000);
        assertThat(options.orders()).isZero();
        assertThat(options.rate()).isEqualTo(5_000.0);
        assertThat(options.lateShare()).isEqualTo(0.01);
        assertThat(options.duration()).isZero();
        assertThat(options.timeout()).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void blankPropertiesAsMavenPassesThemMeanTheDefault() {
        Properties system = new Properties();
        system.setProperty("keyflow.demo.events", "");
        system.setProperty("keyflow.demo.rate", " ");

        LocalOptions options = LocalOptions.from(new String[0], system);

        assertThat(options.events()).isEqualTo(20_000);
        assertThat(options.rate()).isEqualTo(5_000.0);
    }

    @Test
    void argumentsWinOverProperties() {
        Properties system = new Properties();
        system.setProperty("keyflow.demo.events", "100000");
        system.setProperty("keyflow.demo.rate", "0");
        system.setProperty("keyflow.demo.duration", "2min");

        LocalOptions options =
                LocalOptions.from(new String[] {"--events", "500", "--latency=5ms"}, system);

        assertThat(options.events()).isEqualTo(500);
        assertThat(options.rate()).isZero();
        assertThat(options.duration()).isEqualTo(Duration.ofMinutes(2));
        assertThat(options.latency()).isEqualTo(Duration.ofMillis(5));
    }

    @Test
    void rejectsUnknownNamesAndBadValuesNamingThem() {
        Properties typo = new Properties();
        typo.setProperty("keyflow.demo.records", "10");
        assertThatThrownBy(() -> LocalOptions.from(new String[0], typo))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("keyflow.demo.records: unknown option")
                .hasMessageContaining("keyflow.demo.events (20000)");
        assertThatThrownBy(
                        () ->
                                LocalOptions.from(
                                        new String[] {"--events", "many"}, new Properties()))
                .hasMessageContaining("keyflow.demo.events: 'many' is not a whole number");
        assertThatThrownBy(() -> LocalOptions.from(new String[] {"--rate", "-1"}, new Properties()))
                .hasMessageContaining("rate must not be negative");
        assertThatThrownBy(() -> LocalOptions.from(new String[] {"--timeout"}, new Properties()))
                .hasMessageContaining("--timeout needs a value");
    }
}
