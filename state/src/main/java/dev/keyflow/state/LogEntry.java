package dev.keyflow.state;

import java.util.Map;
import java.util.Objects;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * One mutation in a key's event log, as stored in the log's {@code MapState} under its sequence
 * number.
 *
 * @param sequence the mutation's sequence number within its key: 1, 2, 3, ... without gaps
 * @param appendedAt when it was appended (epoch milliseconds of the log's clock); retention by age
 *     uses it
 * @param mutation the mutation
 * @param <M> the mutation type
 */
public record LogEntry<M>(long sequence, long appendedAt, M mutation) {

    public LogEntry {
        Objects.requireNonNull(mutation, "mutation");
    }

    /** The Flink type of {@code LogEntry<M>}: a POJO type, never a Kryo fallback. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static <M> TypeInformation<LogEntry<M>> typeInfo(TypeInformation<M> mutationType) {
        Objects.requireNonNull(mutationType, "mutationType");
        return (TypeInformation)
                Types.POJO(
                        LogEntry.class,
                        Map.of(
                                "sequence",
                                Types.LONG,
                                "appendedAt",
                                Types.LONG,
                                "mutation",
                                mutationType));
    }
}
