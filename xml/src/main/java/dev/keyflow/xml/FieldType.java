package dev.keyflow.xml;

/**
 * The type a field's text is converted to, and the Java type it then has in {@link XmlFields}.
 *
 * <p>Text is trimmed (XML whitespace) before conversion. A value that does not convert is a {@code
 * FIELD_INVALID} failure naming the field.
 */
public enum FieldType {
    /** The text as is (not trimmed): {@link String}. */
    STRING,
    /** A signed 64-bit integer ({@code xs:long}, no fraction, no exponent): {@link Long}. */
    LONG,
    /** An exact decimal ({@code xs:decimal}, optional exponent): {@link java.math.BigDecimal}. */
    DECIMAL,
    /**
     * {@code true}, {@code false}, {@code 1} or {@code 0} ({@code xs:boolean}): {@link Boolean}.
     */
    BOOLEAN,
    /**
     * An {@code xs:dateTime} such as {@code 2026-11-23T10:15:30.123+01:00}; without an offset the
     * time is taken as UTC: {@link java.time.Instant}.
     */
    TIMESTAMP
}
