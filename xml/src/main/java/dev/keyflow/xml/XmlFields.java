package dev.keyflow.xml;

import dev.keyflow.xml.internal.XmlFieldsTypeInfo;
import java.io.Serializable;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import javax.annotation.Nullable;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * The typed fields extracted from one document, by name, in declaration order.
 *
 * <p>A value is a {@link String}, {@link Long}, {@link BigDecimal}, {@link Boolean} or {@link
 * Instant} as its {@link FieldType} says; a repeated field is an unmodifiable {@link List} of them
 * (empty when absent); an absent single field is null. Immutable.
 *
 * <p>Flink: the type carries its own {@code TypeInformation} and serializer (tagged values, no
 * Kryo), so it can cross operator boundaries and live in state with generic types disabled.
 */
@TypeInfo(XmlFieldsTypeInfo.Factory.class)
public final class XmlFields implements Serializable {

    private static final long serialVersionUID = 1L;

    private final Map<String, Object> values;

    XmlFields(Map<String, Object> values) {
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /**
     * Fields from a map (order kept). Values must be null, {@link String}, {@link Long}, {@link
     * BigDecimal}, {@link Boolean}, {@link Instant}, or a list of non-null such values.
     *
     * @throws IllegalArgumentException for any other value
     */
    public static XmlFields of(Map<String, Object> values) {
        Objects.requireNonNull(values, "values");
        Map<String, Object> copy = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : values.entrySet()) {
            Object value = e.getValue();
            if (value instanceof List<?> list) {
                for (Object element : list) {
                    if (element == null || !scalar(element)) {
                        throw new IllegalArgumentException(
                                "field "
                                        + e.getKey()
                                        + " holds an unsupported list element "
                                        + element);
                    }
                }
                value = List.copyOf(list);
            } else if (value != null && !scalar(value)) {
                throw new IllegalArgumentException(
                        "field "
                                + e.getKey()
                                + " holds an unsupported "
                                + value.getClass().getName());
            }
            copy.put(Objects.requireNonNull(e.getKey(), "field name"), value);
        }
        return new XmlFields(copy);
    }

    private static boolean scalar(Object value) {
        return value instanceof String
                || value instanceof Long
                || value instanceof BigDecimal
                || value instanceof Boolean
                || value instanceof Instant;
    }

    /** The field names, declared or not found alike, in declaration order. */
    public Set<String> names() {
        return values.keySet();
    }

    /** A read-only map view (values may be null). */
    public Map<String, Object> asMap() {
        return values;
    }

    /** The raw value (null if absent). */
    @Nullable
    public Object get(String name) {
        check(name);
        return values.get(name);
    }

    /** A {@code STRING} field. */
    @Nullable
    public String string(String name) {
        return typed(name, String.class);
    }

    /** A {@code LONG} field. */
    @Nullable
    public Long longValue(String name) {
        return typed(name, Long.class);
    }

    /** A {@code DECIMAL} field. */
    @Nullable
    public BigDecimal decimal(String name) {
        return typed(name, BigDecimal.class);
    }

    /** A {@code BOOLEAN} field. */
    @Nullable
    public Boolean bool(String name) {
        return typed(name, Boolean.class);
    }

    /** A {@code TIMESTAMP} field. */
    @Nullable
    public Instant timestamp(String name) {
        return typed(name, Instant.class);
    }

    /** A repeated field. */
    @SuppressWarnings("unchecked")
    public <T> List<T> list(String name, Class<T> elementType) {
        Object value = get(name);
        if (!(value instanceof List)) {
            throw new IllegalArgumentException("field " + name + " is not repeated");
        }
        for (Object element : (List<?>) value) {
            elementType.cast(element);
        }
        return (List<T>) value;
    }

    private <T> T typed(String name, Class<T> type) {
        Object value = get(name);
        if (value != null && !type.isInstance(value)) {
            throw new IllegalArgumentException(
                    "field "
                            + name
                            + " is a "
                            + value.getClass().getSimpleName()
                            + ", not a "
                            + type.getSimpleName());
        }
        return type.cast(value);
    }

    private void check(String name) {
        if (!values.containsKey(Objects.requireNonNull(name, "name"))) {
            throw new IllegalArgumentException(
                    "no field called " + name + "; fields: " + values.keySet());
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof XmlFields other && values.equals(other.values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
