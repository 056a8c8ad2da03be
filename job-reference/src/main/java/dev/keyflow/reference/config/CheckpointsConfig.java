package dev.keyflow.reference.config;

import static dev.keyflow.reference.config.ConfigCheck.atLeast;
import static dev.keyflow.reference.config.ConfigCheck.notNegative;
import static dev.keyflow.reference.config.ConfigCheck.orDefault;
import static dev.keyflow.reference.config.ConfigCheck.positive;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.Serializable;
import java.time.Duration;
import javax.annotation.Nullable;

/**
 * The {@code checkpoints} section; checkpoints are always exactly-once, since the outbox is
 * transactional.
 *
 * @param interval time between checkpoint starts, also how often the outbox commits; default 10s
 * @param timeout how long a checkpoint may take before it is declared failed; default 2m
 * @param minPause the least time between the end of one checkpoint and the start of the next;
 *     default 0s
 * @param unaligned unaligned checkpoints; default false
 * @param tolerableFailures failed checkpoints in a row that the job tolerates before it fails over,
 *     at least 0; default 0
 */
public record CheckpointsConfig(
        Duration interval,
        Duration timeout,
        Duration minPause,
        boolean unaligned,
        int tolerableFailures)
        implements Serializable {

    public CheckpointsConfig {
        positive(interval, "checkpoints.interval");
        positive(timeout, "checkpoints.timeout");
        notNegative(minPause, "checkpoints.min-pause");
        atLeast(tolerableFailures, 0, "checkpoints.tolerable-failures");
    }

    @JsonCreator
    static CheckpointsConfig fromYaml(
            @JsonProperty("interval") @Nullable Duration interval,
            @JsonProperty("timeout") @Nullable Duration timeout,
            @JsonProperty("min-pause") @Nullable Duration minPause,
            @JsonProperty("unaligned") @Nullable Boolean unaligned,
            @JsonProperty("tolerable-failures") @Nullable Integer tolerableFailures) {
        return new CheckpointsConfig(
                orDefault(interval, Duration.ofSeconds(10)),
                orDefault(timeout, Duration.ofMinutes(2)),
                orDefault(minPause, Duration.ZERO),
                orDefault(unaligned, false),
                orDefault(tolerableFailures, 0));
    }

    public static CheckpointsConfig defaults() {
        return fromYaml(null, null, null, null, null);
    }
}
