package dev.keyflow.reference.config;

import dev.keyflow.core.KeyflowConfigException;
import java.time.Duration;
import javax.annotation.Nullable;

/**
 * The value checks of the configuration records. Every failure names the full dotted key, so that a
 * record built from YAML, from an override or from code fails the same way.
 */
final class ConfigCheck {

    private ConfigCheck() {}

    static KeyflowConfigException fail(String key, String problem) {
        return new KeyflowConfigException(key + ": " + problem);
    }

    static <T> T orDefault(@Nullable T value, T defaultValue) {
        return value == null ? defaultValue : value;
    }

    static <T> T notNull(@Nullable T value, String key) {
        if (value == null) {
            throw fail(key, "required");
        }
        return value;
    }

    /** A required, non-blank string; {@code example} shows what would work. */
    static String required(@Nullable String value, String key, String example) {
        if (value == null) {
            throw fail(key, "required (e.g. " + example + ")");
        }
        return text(value, key);
    }

    /** A string that may be absent but, when given, is not blank. */
    @Nullable
    static String optionalText(@Nullable String value, String key) {
        return value == null ? null : text(value, key);
    }

    private static String text(String value, String key) {
        if (value.isBlank()) {
            throw fail(key, "must not be blank");
        }
        for (int i = 0; i < value.length(); i++) {
            if (Character.isISOControl(value.charAt(i))) {
                throw fail(
                        key,
                        "contains a control character (U+"
                                + String.format("%04X", (int) value.charAt(i))
                                + ") at index "
                                + i);
            }
        }
        return value;
    }

    static int atLeast(int value, int min, String key) {
        if (value < min) {
            throw fail(key, value + " is too small; must be >= " + min);
        }
        return value;
    }

    /** The longest duration any setting takes: Flink and Kafka keep durations as long millis. */
    private static final Duration LONGEST = Duration.ofMillis(Long.MAX_VALUE);

    static Duration positive(@Nullable Duration value, String key) {
        notNull(value, key);
        notTooLong(value, key);
        if (value.isNegative() || value.isZero() || value.toMillis() < 1) {
            throw fail(key, Durations.format(value) + " is too small; must be at least 1ms");
        }
        return value;
    }

    static Duration notNegative(@Nullable Duration value, String key) {
        notNull(value, key);
        notTooLong(value, key);
        if (value.isNegative()) {
            throw fail(key, Durations.format(value) + " is negative; must be >= 0s");
        }
        return value;
    }

    private static void notTooLong(Duration value, String key) {
        if (value.compareTo(LONGEST) > 0) {
            throw fail(key, value + " is too long; must be at most " + LONGEST.toDays() + "d");
        }
    }
}
