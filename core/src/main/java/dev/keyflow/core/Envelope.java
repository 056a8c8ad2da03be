package dev.keyflow.core;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import javax.annotation.Nullable;

/**
 * A record whose key has been found: the unit that flows through keyflow's keyed operators.
 *
 * <p>The payload is kept as the original bytes; later stages (validation, field extraction) read it
 * without the envelope ever holding a parsed document.
 *
 * @param key the business key; never null or empty
 * @param eventTime event time in epoch milliseconds
 * @param payload the original record value
 * @param headers the original Kafka headers, kept so that errors can be replayed as they came
 * @param origin where the record came from; null only for records not read from Kafka
 */
public record Envelope(
        String key, long eventTime, byte[] payload, List<Header> headers, @Nullable Origin origin) {

    public Envelope {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(payload, "payload");
        headers = headers == null ? List.of() : List.copyOf(headers);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Envelope other
                && eventTime == other.eventTime
                && key.equals(other.key)
                && Arrays.equals(payload, other.payload)
                && headers.equals(other.headers)
                && Objects.equals(origin, other.origin);
    }

    @Override
    public int hashCode() {
        return 31 * Objects.hash(key, eventTime, headers, origin) + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        return "Envelope{key="
                + key
                + ", eventTime="
                + eventTime
                + ", payload="
                + payload.length
                + " bytes, origin="
                + origin
                + '}';
    }
}
