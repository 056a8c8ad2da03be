package dev.keyflow.rules;

/**
 * The declared type of an extracted field, as CEL rules see it.
 *
 * <p>Values handed to a rule set are converted once per message: {@code Integer}, {@code Short} and
 * {@code Byte} become {@code long} for {@link #INT}; {@code Float} and {@code BigDecimal} become
 * {@code double} for {@link #DOUBLE} and {@link #DECIMAL} (CEL has no decimal type); {@code
 * java.time.Instant} becomes a CEL timestamp. A value of the wrong type is treated as missing, so
 * every rule that reads it reports {@link dev.keyflow.core.ErrorReason#RULE_ERROR}.
 */
public enum FieldType {
    /** CEL {@code string}; Java {@code String}. */
    STRING,
    /** CEL {@code int}; Java {@code Long} (or a smaller integral type). */
    INT,
    /** CEL {@code double}; Java {@code Double} or {@code Float}. */
    DOUBLE,
    /** CEL {@code double} (CEL has no decimal); Java {@code BigDecimal} or any {@code Number}. */
    DECIMAL,
    /** CEL {@code bool}; Java {@code Boolean}. */
    BOOL,
    /** CEL {@code google.protobuf.Timestamp}; Java {@code Instant}. */
    TIMESTAMP,
    /** CEL {@code list(dyn)}; Java {@code List} of CEL-native values. */
    LIST,
    /** CEL {@code map(string, dyn)}; Java {@code Map<String, ?>} of CEL-native values. */
    MAP
}
