package dev.keyflow.reference.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as the configuration writes them: a whole number with a unit ({@code 500ms}, {@code
 * 5s}, {@code 2m}, {@code 1h}, {@code 1d}), ISO-8601 ({@code PT5S}), or a bare {@code 0}.
 */
final class Durations {

    /** What the error messages suggest. */
    static final String EXPECTED = "use 500ms, 5s, 2m or PT5S";

    private static final Pattern SHORT = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

    private Durations() {}

    /** The duration {@code text} denotes, or empty if it is not one. */
    static Optional<Duration> parse(String text) {
        String trimmed = text.trim();
        if (trimmed.equals("0")) {
            return Optional.of(Duration.ZERO);
        }
        Matcher m = SHORT.matcher(trimmed.toLowerCase(Locale.ROOT));
        if (m.matches()) {
            try {
                long amount = Long.parseLong(m.group(1));
                return Optional.of(
                        switch (m.group(2)) {
                            case "ms" -> Duration.ofMillis(amount);
                            case "s" -> Duration.ofSeconds(amount);
                            case "m" -> Duration.ofMinutes(amount);
                            case "h" -> Duration.ofHours(amount);
                            default -> Duration.ofDays(amount);
                        });
            } catch (ArithmeticException | NumberFormatException e) {
                return Optional.empty(); // too large to be a duration
            }
        }
        if (trimmed.regionMatches(true, 0, "P", 0, 1)
                || trimmed.regionMatches(true, 0, "-P", 0, 2)) {
            try {
                return Optional.of(Duration.parse(trimmed));
            } catch (DateTimeParseException e) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    /** {@code d} in the largest unit that writes it exactly: {@code 2m}, {@code 130s}, ... */
    static String format(Duration d) {
        if (d.isZero()) {
            return "0s";
        }
        if (d.isNegative() || d.getNano() % 1_000_000 != 0) {
            return d.toString();
        }
        long ms = d.toMillis();
        if (ms % 86_400_000L == 0) {
            return ms / 86_400_000L + "d";
        }
        if (ms % 3_600_000L == 0) {
            return ms / 3_600_000L + "h";
        }
        if (ms % 60_000L == 0) {
            return ms / 60_000L + "m";
        }
        if (ms % 1_000L == 0) {
            return ms / 1_000L + "s";
        }
        return ms + "ms";
    }
}
