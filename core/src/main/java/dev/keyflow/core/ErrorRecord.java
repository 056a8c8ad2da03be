package dev.keyflow.core;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import javax.annotation.Nullable;

/**
 * A failure, as data: what failed, why, and everything needed to understand and replay it.
 *
 * <p>Every keyflow operator turns its failures into error records on the {@link
 * KeyflowOutputs#ERRORS} side output instead of throwing or dropping input. The {@link
 * dev.keyflow.core.kafka.ErrorSink} writes them to a dead letter topic (fatal reasons) or a retry
 * topic (transient reasons), keeping the original payload and headers so that the input can be
 * replayed.
 *
 * <pre>{@code
 * ErrorRecord error = ErrorRecord.builder(ErrorStage.KEY_EXTRACTION, ErrorReason.KEY_MISSING)
 *         .message("no element at /Order/Id")
 *         .fromRaw(raw)
 *         .build();
 * }</pre>
 *
 * @param stage where it failed
 * @param reason why it failed, from the documented vocabulary
 * @param message a human-readable explanation, at most {@value #MAX_MESSAGE_LENGTH} characters
 * @param key the business key, if it was known when the failure happened
 * @param payload the original payload bytes, if any
 * @param headers the original Kafka headers
 * @param origin where the input came from, if known
 * @param attempt how many times this input has been tried (1 for the first try)
 * @param ruleVersion the rule bundle version in force, if any
 * @param time when the failure happened, epoch milliseconds (processing time)
 */
public record ErrorRecord(
        ErrorStage stage,
        ErrorReason reason,
        String message,
        @Nullable String key,
        @Nullable byte[] payload,
        List<Header> headers,
        @Nullable Origin origin,
        int attempt,
        @Nullable String ruleVersion,
        long time) {

    /** Messages longer than this are cut, so that one hostile input cannot bloat the DLQ. */
    public static final int MAX_MESSAGE_LENGTH = 2000;

    public ErrorRecord {
        Objects.requireNonNull(stage, "stage");
        Objects.requireNonNull(reason, "reason");
        message = message == null ? "" : truncate(message);
        headers = headers == null ? List.of() : List.copyOf(headers);
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt must be at least 1, was " + attempt);
        }
    }

    /** Starts an error record for a failure at {@code stage} for {@code reason}. */
    public static Builder builder(ErrorStage stage, ErrorReason reason) {
        return new Builder(stage, reason);
    }

    /** True if retrying the same input later may succeed (see {@link ErrorReason}). */
    public boolean isTransient() {
        return reason.isTransient();
    }

    private static String truncate(String message) {
        return message.length() <= MAX_MESSAGE_LENGTH
                ? message
                : message.substring(0, MAX_MESSAGE_LENGTH - 3) + "...";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ErrorRecord other
                && stage == other.stage
                && reason == other.reason
                && attempt == other.attempt
                && time == other.time
                && message.equals(other.message)
                && Objects.equals(key, other.key)
                && Arrays.equals(payload, other.payload)
                && headers.equals(other.headers)
                && Objects.equals(origin, other.origin)
                && Objects.equals(ruleVersion, other.ruleVersion);
    }

    @Override
    public int hashCode() {
        int h = Objects.hash(stage, reason, message, key, headers, origin, attempt, ruleVersion);
        h = 31 * h + Long.hashCode(time);
        return 31 * h + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        return "ErrorRecord{"
                + stage
                + "/"
                + reason
                + ", key="
                + key
                + ", origin="
                + origin
                + ", attempt="
                + attempt
                + ", message="
                + message
                + '}';
    }

    /** Builds an {@link ErrorRecord}; the time defaults to now and the attempt to 1. */
    public static final class Builder {
        private final ErrorStage stage;
        private final ErrorReason reason;
        private String message = "";
        @Nullable private String key;
        @Nullable private byte[] payload;
        private List<Header> headers = List.of();
        @Nullable private Origin origin;
        private int attempt = 1;
        @Nullable private String ruleVersion;
        private long time = -1;

        private Builder(ErrorStage stage, ErrorReason reason) {
            this.stage = Objects.requireNonNull(stage, "stage");
            this.reason = Objects.requireNonNull(reason, "reason");
        }

        /** A human-readable explanation; cut to {@value #MAX_MESSAGE_LENGTH} characters. */
        public Builder message(String message) {
            this.message = Objects.requireNonNull(message, "message");
            return this;
        }

        /** The business key, if known. */
        public Builder key(@Nullable String key) {
            this.key = key;
            return this;
        }

        /** The original payload bytes. */
        public Builder payload(@Nullable byte[] payload) {
            this.payload = payload;
            return this;
        }

        /** The original Kafka headers. */
        public Builder headers(List<Header> headers) {
            this.headers = Objects.requireNonNull(headers, "headers");
            return this;
        }

        /** Where the input came from. */
        public Builder origin(@Nullable Origin origin) {
            this.origin = origin;
            return this;
        }

        /** Payload, headers and origin of a raw record (the key stays unknown). */
        public Builder fromRaw(RawRecord raw) {
            return payload(raw.value()).headers(raw.headers()).origin(raw.origin());
        }

        /** Key, payload, headers and origin of an envelope. */
        public Builder fromEnvelope(Envelope envelope) {
            return key(envelope.key())
                    .payload(envelope.payload())
                    .headers(envelope.headers())
                    .origin(envelope.origin());
        }

        /** How many times this input has been tried; at least 1. */
        public Builder attempt(int attempt) {
            if (attempt < 1) {
                throw new IllegalArgumentException("attempt must be at least 1, was " + attempt);
            }
            this.attempt = attempt;
            return this;
        }

        /** The rule bundle version in force, if any. */
        public Builder ruleVersion(@Nullable String ruleVersion) {
            this.ruleVersion = ruleVersion;
            return this;
        }

        /** When the failure happened, epoch milliseconds; defaults to now. */
        public Builder time(long epochMillis) {
            this.time = epochMillis;
            return this;
        }

        public ErrorRecord build() {
            return new ErrorRecord(
                    stage,
                    reason,
                    message,
                    key,
                    payload,
                    headers,
                    origin,
                    attempt,
                    ruleVersion,
                    time >= 0 ? time : System.currentTimeMillis());
        }
    }
}
