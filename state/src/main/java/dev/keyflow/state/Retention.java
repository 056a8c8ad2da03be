package dev.keyflow.state;

import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import javax.annotation.Nullable;

/**
 * Which mutations an {@link EventLog} keeps after a snapshot covers them.
 *
 * <pre>{@code
 * Retention.keepLast(1_000)                                  // the last 1000 mutations
 * Retention.keepFor(Duration.ofDays(7))                      // the last 7 days
 * Retention.keepLastOrYounger(1_000, Duration.ofDays(7))     // whichever keeps more
 * Retention.keepAll()                                        // unbounded: on purpose only
 * }</pre>
 *
 * <p>A mutation is removed only when all of these hold: a snapshot covers it (its sequence is at or
 * below the latest snapshot's), it is not among the last {@code count} mutations of its key, and it
 * is older than {@code age}. A rule that is not set does not protect anything, so {@code
 * keepLast(n)} alone removes by count only. Removal always takes a prefix of the log, so what is
 * kept is contiguous. Retention runs when a snapshot is written, so a key holds at most {@code
 * count + snapshotEvery} mutations under a count rule.
 */
public final class Retention implements Serializable {

    private static final long serialVersionUID = 1L;

    private static final Retention ALL = new Retention(null, null);

    @Nullable private final Long count;
    @Nullable private final Duration age;

    private Retention(@Nullable Long count, @Nullable Duration age) {
        this.count = count;
        this.age = age;
    }

    /** Keeps the last {@code count} mutations of each key. */
    public static Retention keepLast(long count) {
        return new Retention(requireCount(count), null);
    }

    /** Keeps the mutations appended less than {@code age} ago. */
    public static Retention keepFor(Duration age) {
        return new Retention(null, requireAge(age));
    }

    /** Keeps a mutation if it is among the last {@code count} or younger than {@code age}. */
    public static Retention keepLastOrYounger(long count, Duration age) {
        return new Retention(requireCount(count), requireAge(age));
    }

    /** Keeps every mutation: the log grows without bound. */
    public static Retention keepAll() {
        return ALL;
    }

    /** The count rule, if set. */
    public OptionalLong count() {
        return count == null ? OptionalLong.empty() : OptionalLong.of(count);
    }

    /** The age rule, if set. */
    public Optional<Duration> age() {
        return Optional.ofNullable(age);
    }

    /** True for {@link #keepAll()}. */
    public boolean keepsAll() {
        return count == null && age == null;
    }

    private static long requireCount(long count) {
        if (count < 0) {
            throw new IllegalArgumentException("count must not be negative, was " + count);
        }
        return count;
    }

    private static Duration requireAge(Duration age) {
        Objects.requireNonNull(age, "age");
        if (age.isNegative() || age.isZero()) {
            throw new IllegalArgumentException("age must be positive, was " + age);
        }
        return age;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Retention r
                && Objects.equals(count, r.count)
                && Objects.equals(age, r.age);
    }

    @Override
    public int hashCode() {
        return Objects.hash(count, age);
    }

    @Override
    public String toString() {
        return keepsAll() ? "Retention[all]" : "Retention[count=" + count + ", age=" + age + "]";
    }
}
