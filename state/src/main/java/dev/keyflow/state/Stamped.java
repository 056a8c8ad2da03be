package dev.keyflow.state;

import java.util.Map;
import java.util.Objects;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * A mutation or command stamped with its key and a per-key sequence number by the {@link
 * StateAppender}: {@code (key, sequence)} is a deterministic idempotency key, the same every time
 * the same input is processed, also after a restore from a checkpoint.
 *
 * <p>Mutations carry their event log sequence number; commands carry the number of the key's
 * command sequence (a separate counter, also starting at 1 without gaps). Use them in separate
 * namespaces downstream, for example {@code idempotencyKey()} as the outbox message id of a
 * command.
 *
 * @param key the key, as text
 * @param sequence the per-key sequence number
 * @param value the mutation or command
 * @param <T> the value type
 */
public record Stamped<T>(String key, long sequence, T value) {

    public Stamped {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        if (sequence < 1) {
            throw new IllegalArgumentException("sequence must be at least 1, was " + sequence);
        }
    }

    /** {@code <key>/<sequence>}: the same for the same key and sequence, on every run. */
    public String idempotencyKey() {
        return key + "/" + sequence;
    }

    /** The Flink type of {@code Stamped<T>}: a POJO type, never a Kryo fallback. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static <T> TypeInformation<Stamped<T>> typeInfo(TypeInformation<T> valueType) {
        Objects.requireNonNull(valueType, "valueType");
        return (TypeInformation)
                Types.POJO(
                        Stamped.class,
                        Map.of("key", Types.STRING, "sequence", Types.LONG, "value", valueType));
    }
}
