package dev.keyflow.core;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import javax.annotation.Nullable;

/**
 * One Kafka record header: a name and its raw value.
 *
 * <p>Kafka allows the same name more than once and keeps the order, so keyflow keeps headers as an
 * ordered list of these, not as a map.
 *
 * @param name header name, never null
 * @param value raw header value; null is allowed because Kafka allows it
 */
public record Header(String name, @Nullable byte[] value) {

    public Header {
        Objects.requireNonNull(name, "name");
    }

    /** A header whose value is the UTF-8 encoding of {@code value}. */
    public static Header ofString(String name, String value) {
        return new Header(name, value.getBytes(StandardCharsets.UTF_8));
    }

    /** The value decoded as UTF-8, or null when the value is null. */
    @Nullable
    public String valueAsString() {
        return value == null ? null : new String(value, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Header other
                && name.equals(other.name)
                && Arrays.equals(value, other.value);
    }

    @Override
    public int hashCode() {
        return 31 * name.hashCode() + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return name + "=" + (value == null ? "null" : value.length + " bytes");
    }
}
