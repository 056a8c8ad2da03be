package dev.keyflow.reference.demo;

import dev.keyflow.core.ErrorReason;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.annotation.Nullable;

/**
 * What the {@link ExpectedOutcome} model says becomes of one generated event: accepted, with the
 * commands it sends to the outbox (possibly none: a cancelled order without items or payment), or
 * rejected, with the reason of its DLQ record.
 *
 * @param reason the rejection reason; null if accepted
 * @param commands the expected outbox commands, in sequence order; empty if rejected
 */
public record Fate(@Nullable ErrorReason reason, List<ExpectedCommand> commands) {

    public Fate {
        commands = List.copyOf(commands);
        if (reason != null && !commands.isEmpty()) {
            throw new IllegalArgumentException("a rejected event sends no commands");
        }
    }

    /** Accepted, sending {@code commands}. */
    public static Fate accepted(List<ExpectedCommand> commands) {
        return new Fate(null, commands);
    }

    /** Rejected with {@code reason}. */
    public static Fate rejected(ErrorReason reason) {
        return new Fate(Objects.requireNonNull(reason, "reason"), List.of());
    }

    /** Whether the event is accepted. */
    public boolean isAccepted() {
        return reason == null;
    }

    /** The rejection reason, if rejected. */
    public Optional<ErrorReason> rejection() {
        return Optional.ofNullable(reason);
    }

    @Override
    public String toString() {
        return reason == null ? "accepted " + commands : "rejected " + reason;
    }
}
