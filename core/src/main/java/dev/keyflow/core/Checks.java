package dev.keyflow.core;

import java.time.Duration;
import java.util.Objects;

/**
 * The argument checks of keyflow's builders, shared by every module so that all of them reject bad
 * arguments the same way: at once, with a message that names the argument.
 */
public final class Checks {

    private Checks() {}

    /** {@code value}, which must not be null or blank. */
    public static String requireText(String value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank");
        }
        return value;
    }

    /**
     * {@code value}, which must be at least 1 ms: Flink's timers and timestamps are milliseconds,
     * so anything shorter would round down to zero.
     */
    public static Duration requirePositive(Duration value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + value);
        }
        if (value.toMillis() < 1) {
            throw new IllegalArgumentException(name + " must be at least 1 ms, was " + value);
        }
        return value;
    }

    /** {@code value}, which must not be negative (zero is allowed). */
    public static Duration requireNotNegative(Duration value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative, was " + value);
        }
        return value;
    }

    /** {@code value}, which must be at least 1. */
    public static int requireAtLeastOne(int value, String name) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be at least 1, was " + value);
        }
        return value;
    }
}
