package dev.keyflow.core.internal;

import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * An event held by the resequencer, with the processing time it arrived at (for the release-delay
 * histogram).
 */
public record Buffered<T>(T value, long arrivalTime) {

    /** The POJO type of a list of buffered events, for the buffer's map state. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static <T> TypeInformation<List<Buffered<T>>> listType(TypeInformation<T> valueType) {
        TypeInformation<Buffered<T>> type =
                (TypeInformation)
                        Types.POJO(
                                Buffered.class,
                                Map.of("value", valueType, "arrivalTime", Types.LONG));
        return Types.LIST(type);
    }
}
