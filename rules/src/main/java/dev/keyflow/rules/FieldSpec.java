package dev.keyflow.rules;

import dev.keyflow.core.Checks;
import java.io.Serializable;
import java.util.Objects;

/**
 * Where a field is found in the payload and what type it has.
 *
 * @param path the field's path in the payload, interpreted by the part compiler that extracts
 *     fields (for XML: an element path such as {@code /Order/Amount})
 * @param type the type CEL rules see
 */
public record FieldSpec(String path, FieldType type) implements Serializable {

    public FieldSpec {
        Checks.requireText(path, "path");
        Objects.requireNonNull(type, "type");
    }
}
