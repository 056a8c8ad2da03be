package dev.keyflow.reference;

import dev.keyflow.core.Origin;
import dev.keyflow.reference.orders.CommandType;
import java.util.Objects;
import javax.annotation.Nullable;

/**
 * A command on its way to the outbox: what the order logic decided plus where it came from. Stamped
 * with the order key and a per-key sequence by the event log ({@code Stamped}).
 *
 * @param payload the command's fields as a JSON object
 * @param eventTime the event time of the input that caused it, epoch milliseconds
 * @param origin where that input was read (topic, partition, offset)
 * @param bundleVersion the rule bundle that validated it, {@code name@version}
 */
public record OrderCommand(
        CommandType type,
        String payload,
        String eventId,
        long eventTime,
        @Nullable Origin origin,
        String bundleVersion) {

    public OrderCommand {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(bundleVersion, "bundleVersion");
    }
}
