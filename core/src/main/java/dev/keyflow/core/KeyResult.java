package dev.keyflow.core;

import java.util.Objects;
import java.util.OptionalLong;
import javax.annotation.Nullable;

/**
 * The result of a {@link KeyExtractor}: a key (and optionally the event time found next to it), or
 * a typed failure.
 */
public final class KeyResult {

    @Nullable private final String key;
    private final long eventTime;
    private final boolean hasEventTime;
    @Nullable private final ErrorReason reason;
    @Nullable private final String message;

    private KeyResult(
            @Nullable String key,
            long eventTime,
            boolean hasEventTime,
            @Nullable ErrorReason reason,
            @Nullable String message) {
        this.key = key;
        this.eventTime = eventTime;
        this.hasEventTime = hasEventTime;
        this.reason = reason;
        this.message = message;
    }

    /** A key; the event time stays the record's timestamp. Blank keys become {@code KEY_EMPTY}. */
    public static KeyResult of(String key) {
        Objects.requireNonNull(key, "key");
        return key.isBlank()
                ? failure(ErrorReason.KEY_EMPTY, "the key is empty")
                : new KeyResult(key, 0L, false, null, null);
    }

    /** A key and the event time (epoch milliseconds) read from the payload. */
    public static KeyResult of(String key, long eventTimeMillis) {
        KeyResult result = of(key);
        return result.isSuccess() ? new KeyResult(key, eventTimeMillis, true, null, null) : result;
    }

    /** A failure with a documented reason and a message that says what was wrong. */
    public static KeyResult failure(ErrorReason reason, String message) {
        return new KeyResult(
                null,
                0L,
                false,
                Objects.requireNonNull(reason, "reason"),
                Objects.requireNonNull(message, "message"));
    }

    public boolean isSuccess() {
        return reason == null;
    }

    /** The key; only for a success. */
    public String key() {
        if (key == null) {
            throw new IllegalStateException("no key in a failed result: " + reason);
        }
        return key;
    }

    /** The event time found by the extractor, if it found one. */
    public OptionalLong eventTime() {
        return hasEventTime ? OptionalLong.of(eventTime) : OptionalLong.empty();
    }

    /** The failure reason; only for a failure. */
    public ErrorReason reason() {
        if (reason == null) {
            throw new IllegalStateException("a successful result has no reason");
        }
        return reason;
    }

    /** The failure message; empty for a success. */
    public String message() {
        return message == null ? "" : message;
    }

    @Override
    public String toString() {
        return isSuccess()
                ? "KeyResult{key=" + key + "}"
                : "KeyResult{" + reason + ": " + message + "}";
    }
}
