package dev.keyflow.xml;

import java.io.Serializable;
import java.util.Objects;

/**
 * One field to extract: its name in {@link XmlFields}, the path of its element or attribute, its
 * type, and whether it repeats.
 *
 * @param name the field name
 * @param path where its value is
 * @param type what its text converts to
 * @param repeated true if every occurrence is collected into a list; false if it may occur at most
 *     once (a second occurrence is {@code FIELD_INVALID})
 */
public record FieldSpec(String name, XmlPath path, FieldType type, boolean repeated)
        implements Serializable {

    public FieldSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(type, "type");
        if (name.isBlank()) {
            throw new IllegalArgumentException("name must not be blank");
        }
    }
}
