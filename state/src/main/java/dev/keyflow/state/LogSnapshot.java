package dev.keyflow.state;

import java.util.Map;
import java.util.Objects;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * The folded state of a key at a sequence number, kept so that loading the state replays only the
 * mutations after it; also records where the retained part of the log starts.
 *
 * @param sequence the last mutation folded into {@code state}
 * @param firstRetained the first sequence number still in the log (entries before it were removed
 *     by retention, which only removes what a snapshot covers)
 * @param takenAt when the snapshot was written (epoch milliseconds of the log's clock)
 * @param state the folded state after mutation {@code sequence}
 * @param <S> the folded state type
 */
public record LogSnapshot<S>(long sequence, long firstRetained, long takenAt, S state) {

    public LogSnapshot {
        Objects.requireNonNull(state, "state");
    }

    /** The Flink type of {@code LogSnapshot<S>}: a POJO type, never a Kryo fallback. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static <S> TypeInformation<LogSnapshot<S>> typeInfo(TypeInformation<S> stateType) {
        Objects.requireNonNull(stateType, "stateType");
        return (TypeInformation)
                Types.POJO(
                        LogSnapshot.class,
                        Map.of(
                                "sequence",
                                Types.LONG,
                                "firstRetained",
                                Types.LONG,
                                "takenAt",
                                Types.LONG,
                                "state",
                                stateType));
    }
}
