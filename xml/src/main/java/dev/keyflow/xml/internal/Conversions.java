package dev.keyflow.xml.internal;

import dev.keyflow.xml.FieldType;
import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoField;
import java.time.temporal.TemporalAccessor;

/** Converts field text to the declared {@link FieldType}; a failure is an exception here only. */
public final class Conversions {

    /** Scales beyond this are refused: arithmetic on them could take unbounded time later. */
    private static final int MAX_DECIMAL_SCALE = 1000;

    private Conversions() {}

    /**
     * Converts {@code text}.
     *
     * @throws IllegalArgumentException with a message saying what was expected
     */
    public static Object convert(String text, FieldType type) {
        switch (type) {
            case STRING:
                return text;
            case LONG:
                return parseLong(text.strip());
            case DECIMAL:
                return parseDecimal(text.strip());
            case BOOLEAN:
                return parseBoolean(text.strip());
            case TIMESTAMP:
                return parseTimestamp(text.strip());
            default:
                throw new IllegalArgumentException("unknown field type " + type);
        }
    }

    private static Long parseLong(String text) {
        try {
            return Long.valueOf(text.startsWith("+") ? text.substring(1) : text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "expected a 64-bit integer, got '" + clip(text) + "'");
        }
    }

    private static BigDecimal parseDecimal(String text) {
        BigDecimal value;
        try {
            value = new BigDecimal(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected a decimal, got '" + clip(text) + "'");
        }
        if (Math.abs(value.scale()) > MAX_DECIMAL_SCALE) {
            throw new IllegalArgumentException(
                    "decimal scale " + value.scale() + " is beyond +-" + MAX_DECIMAL_SCALE);
        }
        return value;
    }

    private static Boolean parseBoolean(String text) {
        switch (text) {
            case "true":
            case "1":
                return Boolean.TRUE;
            case "false":
            case "0":
                return Boolean.FALSE;
            default:
                throw new IllegalArgumentException(
                        "expected true, false, 1 or 0, got '" + clip(text) + "'");
        }
    }

    /** An xs:dateTime (offset optional, UTC if absent) as an instant. */
    public static Instant parseTimestamp(String text) {
        try {
            TemporalAccessor parsed = DateTimeFormatter.ISO_DATE_TIME.parse(text);
            if (parsed.isSupported(ChronoField.OFFSET_SECONDS)) {
                return Instant.from(parsed);
            }
            return LocalDateTime.from(parsed).toInstant(ZoneOffset.UTC);
        } catch (DateTimeException e) {
            throw new IllegalArgumentException(
                    "expected an xs:dateTime like 2026-11-23T10:15:30Z, got '" + clip(text) + "'");
        }
    }

    static String clip(String text) {
        return text.length() <= 64 ? text : text.substring(0, 64) + "...";
    }
}
