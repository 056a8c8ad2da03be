package dev.keyflow.core;

import java.time.Duration;
import java.util.Objects;

/** Argument checks shared by the builders of this package; messages name the argument. */
final class Checks {

    private Checks() {}

    static String requireText(String value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank");
        }
        return value;
    }

    static Duration requirePositive(Duration value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + value);
        }
        if (value.toMillis() < 1) {
            // Flink's timers and timestamps are milliseconds: less would round down to zero.
            throw new IllegalArgumentException(name + " must be at least 1 ms, was " + value);
        }
        return value;
    }

    static int requireAtLeastOne(int value, String name) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be at least 1, was " + value);
        }
        return value;
    }
}
