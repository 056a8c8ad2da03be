package dev.keyflow.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyflow.core.KeyflowConfigException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class DemoJobTest {

    @Test
    void optionsAreRead() {
        DemoJob.Settings settings =
                DemoJob.parse(
                        new String[] {
                            "--bootstrap-servers", "broker:9092",
                            "--input", "orders",
                            "--outbox", "orders.outbox",
                            "--dlq", "orders.dlq",
                            "--checkpoint-interval-ms", "5000"
                        });

        assertThat(settings.bootstrapServers()).isEqualTo("broker:9092");
        assertThat(settings.groupId()).isEqualTo(DemoJob.JOB_NAME);
        assertThat(settings.checkpointInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(settings.stopAtCurrentEnd()).isFalse();
    }

    @Test
    void unknownOptionsAreNamed() {
        assertThatThrownBy(
                        () ->
                                DemoJob.parse(
                                        new String[] {
                                            "--bootstrap-servers", "b:9092", "--inptu", "orders"
                                        }))
                .isInstanceOf(KeyflowConfigException.class)
                .hasMessageContaining("[inptu]");
    }

    @Test
    void missingOptionsAreNamed() {
        assertThatThrownBy(() -> DemoJob.parse(new String[] {"--bootstrap-servers", "b:9092"}))
                .isInstanceOf(KeyflowConfigException.class)
                .hasMessageContaining("--input");
    }
}
