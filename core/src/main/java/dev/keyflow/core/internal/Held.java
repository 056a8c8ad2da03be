package dev.keyflow.core.internal;

import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * An event held by the pause gate, with its record timestamp ({@link Emit#NO_TIMESTAMP} if it had
 * none) so that it leaves with the timestamp it came with.
 */
public record Held<T>(T value, long timestamp) {

    /** The POJO type of a held event, for the gate's list state. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static <T> TypeInformation<Held<T>> type(TypeInformation<T> valueType) {
        return (TypeInformation)
                Types.POJO(Held.class, Map.of("value", valueType, "timestamp", Types.LONG));
    }
}
