package dev.keyflow.reference.orders;

import dev.keyflow.core.ErrorReason;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.annotation.Nullable;

/**
 * What {@link OrderLogic#decide} made of one event: either accepted (mutations to append and
 * commands to send) or rejected (a reason and a message, nothing changes).
 */
public record Decision(
        List<OrderMutation> mutations,
        List<Command> commands,
        @Nullable ErrorReason rejection,
        @Nullable String message) {

    public Decision {
        mutations = List.copyOf(mutations);
        commands = List.copyOf(commands);
        if ((rejection == null) != (message == null)) {
            throw new IllegalArgumentException("a rejection needs a reason and a message");
        }
    }

    /** A side effect to send: its type and payload fields (written as a JSON object). */
    public record Command(CommandType type, Map<String, String> payload) {
        public Command {
            Objects.requireNonNull(type, "type");
            // Sorted, so that the same command always serializes to the same bytes.
            payload = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(payload));
        }
    }

    static Decision accept(OrderMutation mutation, List<Command> commands) {
        return new Decision(List.of(mutation), commands, null, null);
    }

    static Decision reject(ErrorReason reason, String message) {
        return new Decision(List.of(), List.of(), reason, message);
    }

    /** Whether the event was rejected. */
    public boolean rejected() {
        return rejection != null;
    }
}
