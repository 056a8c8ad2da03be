package dev.keyflow.core;

import java.util.Objects;
import javax.annotation.Nullable;

/**
 * A key of a {@link PauseGate} changed status; emitted on {@link PauseGate#STATUS_CHANGES}, so that
 * a dashboard (or a compacted status topic) always knows which keys are paused.
 *
 * @param key the business key
 * @param status the key's new status
 * @param time when the change happened, epoch milliseconds (processing time)
 * @param cause what made it change
 * @param reason the command's reason, or why the gate changed it by itself; may be null
 * @param issuedBy who issued the command; null when the gate changed it by itself
 * @param heldEvents for {@code PAUSED}: events already held; for {@code ACTIVE}: events released by
 *     this change
 */
public record PauseStatusChange(
        String key,
        Status status,
        long time,
        Cause cause,
        @Nullable String reason,
        @Nullable String issuedBy,
        int heldEvents) {

    /** The status of a key at the gate. */
    public enum Status {
        /** Events pass. */
        ACTIVE,
        /** Events are held. */
        PAUSED
    }

    /** What changed a key's status. */
    public enum Cause {
        /** A {@link PauseCommand}. */
        COMMAND,
        /** The key was paused for the gate's maximum pause duration. */
        MAX_PAUSE,
        /** The key's buffer was full and the overflow policy resumes it. */
        OVERFLOW
    }

    public PauseStatusChange {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(cause, "cause");
    }
}
