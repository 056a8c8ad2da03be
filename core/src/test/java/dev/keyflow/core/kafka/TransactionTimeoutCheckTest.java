package dev.keyflow.core.kafka;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyflow.core.KeyflowConfigException;
import java.time.Duration;
import org.apache.flink.streaming.api.environment.CheckpointConfig;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

class TransactionTimeoutCheckTest {

    private static final Duration RESTART = Duration.ofMinutes(1);
    private static final Duration BROKER_MAX = Duration.ofMinutes(15);

    @Test
    void checkpointingOffIsRefused() {
        CheckpointConfig checkpoints = checkpoints(0, 0);

        assertThatThrownBy(() -> check(Duration.ofMinutes(10), checkpoints))
                .isInstanceOf(KeyflowConfigException.class)
                .hasMessageContaining("needs checkpointing")
                .hasMessageContaining("execution.checkpointing.interval");
    }

    @Test
    void timeoutShorterThanIntervalPlusCheckpointTimeoutPlusRestartIsRefused() {
        CheckpointConfig checkpoints = checkpoints(60_000, Duration.ofMinutes(10).toMillis());

        assertThatThrownBy(() -> check(Duration.ofMinutes(11), checkpoints))
                .isInstanceOf(KeyflowConfigException.class)
                .hasMessageContaining("orders-outbox")
                .hasMessageContaining("= 720000 ms")
                .hasMessageContaining("at least PT12M")
                .hasMessageContaining("execution.checkpointing.timeout");
    }

    @Test
    void timeoutAboveTheBrokerMaximumIsRefused() {
        CheckpointConfig checkpoints = checkpoints(10_000, 60_000);

        assertThatThrownBy(() -> check(Duration.ofMinutes(20), checkpoints))
                .isInstanceOf(KeyflowConfigException.class)
                .hasMessageContaining("transaction.max.timeout.ms")
                .hasMessageContaining("at most PT15M");
    }

    @Test
    void timeoutThatFitsIsAccepted() {
        CheckpointConfig checkpoints = checkpoints(10_000, Duration.ofMinutes(10).toMillis());

        assertThatCode(() -> check(Duration.ofMinutes(15), checkpoints)).doesNotThrowAnyException();
        assertThatCode(() -> check(Duration.ofMillis(10_000 + 600_000 + 60_000), checkpoints))
                .doesNotThrowAnyException();
    }

    private static void check(Duration timeout, CheckpointConfig checkpoints) {
        TransactionTimeoutCheck.check("orders-outbox", timeout, checkpoints, RESTART, BROKER_MAX);
    }

    private static CheckpointConfig checkpoints(long intervalMillis, long timeoutMillis) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        if (intervalMillis > 0) {
            env.enableCheckpointing(intervalMillis);
            env.getCheckpointConfig().setCheckpointTimeout(timeoutMillis);
        }
        return env.getCheckpointConfig();
    }
}
