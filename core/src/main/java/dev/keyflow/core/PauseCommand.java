package dev.keyflow.core;

import java.util.Objects;
import javax.annotation.Nullable;

/**
 * An order to pause or resume one key at a {@link PauseGate}.
 *
 * <pre>{@code
 * PauseCommand pause = PauseCommand.pause("order-17", Instant.now().toEpochMilli())
 *         .withReason("customer migration")
 *         .withIssuedBy("ops/alice");
 * }</pre>
 *
 * <p>Commands usually come from a compacted Kafka topic keyed by the business key, so that the
 * latest command per key is the key's wanted status ({@link
 * dev.keyflow.core.kafka.PauseCommandTopic}).
 *
 * @param key the business key to pause or resume; never empty
 * @param action what to do
 * @param time when the command was issued, epoch milliseconds; a gate with a maximum pause duration
 *     resumes the key that long after this time
 * @param reason why, for people and dashboards; may be null
 * @param issuedBy who or what issued it; may be null
 */
public record PauseCommand(
        String key, Action action, long time, @Nullable String reason, @Nullable String issuedBy) {

    /** What a command asks for. */
    public enum Action {
        /** Hold the key's events until it is resumed. */
        PAUSE,
        /** Release what is held, in order, and let the key's events pass again. */
        RESUME
    }

    public PauseCommand {
        Objects.requireNonNull(key, "key");
        if (key.isEmpty()) {
            throw new IllegalArgumentException("key must not be empty");
        }
        Objects.requireNonNull(action, "action");
    }

    /** Pause {@code key}, issued at {@code time} (epoch milliseconds). */
    public static PauseCommand pause(String key, long time) {
        return new PauseCommand(key, Action.PAUSE, time, null, null);
    }

    /** Resume {@code key}, issued at {@code time} (epoch milliseconds). */
    public static PauseCommand resume(String key, long time) {
        return new PauseCommand(key, Action.RESUME, time, null, null);
    }

    public PauseCommand withReason(@Nullable String reason) {
        return new PauseCommand(key, action, time, reason, issuedBy);
    }

    public PauseCommand withIssuedBy(@Nullable String issuedBy) {
        return new PauseCommand(key, action, time, reason, issuedBy);
    }
}
