package dev.keyflow.rules;

import java.util.Map;
import java.util.Objects;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * An output together with the rule bundle version that produced it.
 *
 * @param bundle the bundle's label, {@code name@version}
 * @param version the bundle version
 * @param value the output
 */
public record Versioned<T>(String bundle, long version, T value) {

    public Versioned {
        Objects.requireNonNull(bundle, "bundle");
        Objects.requireNonNull(value, "value");
    }

    /** The POJO type information of {@code Versioned<T>} (no Kryo fallback). */
    public static <T> TypeInformation<Versioned<T>> typeInfo(TypeInformation<T> valueType) {
        Objects.requireNonNull(valueType, "valueType");
        @SuppressWarnings({"unchecked", "rawtypes"})
        TypeInformation<Versioned<T>> type =
                (TypeInformation)
                        Types.POJO(
                                Versioned.class,
                                Map.of(
                                        "bundle", Types.STRING,
                                        "version", Types.LONG,
                                        "value", valueType));
        return type;
    }
}
