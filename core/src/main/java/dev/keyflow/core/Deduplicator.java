package dev.keyflow.core;

import dev.keyflow.core.internal.DeduplicatorFunction;
import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import javax.annotation.Nullable;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

/**
 * Drops repeats of the same dedup key within a time window, per stream key: the same alert within 5
 * minutes, the same message id within 24 hours.
 *
 * <pre>{@code
 * Deduplicator<Alert> deduplicator = Deduplicator.<Alert>builder()
 *         .dedupKey(Alert::fingerprint)
 *         .processingTimeWindow(Duration.ofMinutes(5))
 *         .errorDetails((alert, error) -> error.payload(alert.toJsonBytes()))
 *         .build();
 * SingleOutputStreamOperator<Alert> alerts =
 *         deduplicator.deduplicate(rawAlerts.keyBy(Alert::service));
 *
 * // message ids within 24 h of event time, repeats reported as DUPLICATE error records
 * Deduplicator<Envelope> byMessageId = Deduplicator.forEnvelopes()
 *         .dedupKey(e -> messageIdOf(e))                    // a function of your own
 *         .eventTimeWindow(Duration.ofHours(24))
 *         .reportDuplicates(true)
 *         .build();
 * }</pre>
 *
 * <p><b>What is a duplicate.</b> The first element of a dedup key passes and opens a window of the
 * configured length at its time; every later element of the same stream key and dedup key whose
 * time is before the window's end is a duplicate. Repeats do not extend the window; the first
 * element after the window passes and opens a new one. The dedup key is scoped to the stream key
 * (keying by the dedup key itself makes it global).
 *
 * <p><b>Time.</b> With a {@link Builder#processingTimeWindow processing-time window} the time is
 * the machine's clock when the element arrives. With an {@link Builder#eventTimeWindow event-time
 * window} it is the element's event time (the {@link Builder#eventTime eventTime} extractor, else
 * the record timestamp), so results do not depend on how fast a backlog is replayed; elements that
 * arrive out of order are duplicates of an earlier-arrived one if they fall before its window's
 * end. An element without an event time becomes an {@link ErrorReason#EVENT_TIME_INVALID} error
 * record.
 *
 * <p><b>Expiry and late data.</b> Flink's state TTL only knows processing time, so expiry uses
 * timers in both domains: what is remembered for a dedup key is removed when the clock (or the
 * watermark) passes its window's end, rounded up to the {@link Builder#cleanupGranularity cleanup
 * granularity} so that the keys expiring in the same slot share one timer. Duplicate decisions use
 * the exact window end, never the rounded one. In event time, an element that arrives after the
 * watermark has passed the end of its original's window can no longer be recognised and passes;
 * such elements (event time at or below the watermark) are counted as {@code late}.
 *
 * <p><b>Duplicates</b> are dropped and counted; with {@link Builder#reportDuplicates} each one is
 * also sent to {@link KeyflowOutputs#ERRORS} as an {@link ErrorReason#DUPLICATE} error record
 * (stage {@link ErrorStage#DEDUPLICATION}). A dedup key function that throws or returns null sends
 * the element to the errors as {@link ErrorReason#PROCESSING_FAILED}.
 *
 * <p><b>Restore.</b> Remembered keys and their timers are keyed state: they survive restarts and
 * rescaling; after a restore, expiry continues where it stopped (processing-time timers that fell
 * due while the job was down fire at once).
 *
 * <p><b>Cost.</b> Per key, {@code seen} maps each dedup key to its window end, and {@code expiring}
 * maps each cleanup slot to the dedup keys to check then. An element costs one map read, and for a
 * first occurrence two map writes and one timer (shared per slot); a timer reads only its slot.
 *
 * <p><b>Metrics</b> (operator scope): {@code keyflow.dedup.passed}, {@code
 * keyflow.dedup.duplicates}, {@code keyflow.dedup.late} (event time only), and {@code
 * keyflow.errors.count} per stage and reason.
 *
 * @param <T> the element type
 */
public final class Deduplicator<T> implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The default cleanup granularity. */
    public static final Duration DEFAULT_CLEANUP_GRANULARITY = Duration.ofSeconds(1);

    /** The uid given to the operator unless another is asked for. */
    public static final String DEFAULT_UID = "keyflow-deduplicator";

    /** Which clock a window is measured with. */
    public enum TimeDomain {
        /** The machine's clock when the element arrives. */
        PROCESSING_TIME,
        /** The element's event time; windows end when the watermark passes them. */
        EVENT_TIME
    }

    private final KeySelector<T, String> dedupKey;
    private final Duration window;
    private final TimeDomain timeDomain;
    @Nullable private final EventTimeExtractor<T> eventTime;
    private final ErrorDetails<T> errorDetails;
    private final boolean reportDuplicates;
    private final Duration cleanupGranularity;
    private final String uid;
    private final String name;

    private Deduplicator(Builder<T> builder) {
        this.dedupKey = Objects.requireNonNull(builder.dedupKey);
        this.window = Objects.requireNonNull(builder.window);
        this.timeDomain = Objects.requireNonNull(builder.timeDomain);
        this.eventTime = builder.eventTime;
        this.errorDetails = Objects.requireNonNull(builder.errorDetails);
        this.reportDuplicates = builder.reportDuplicates;
        this.cleanupGranularity = builder.cleanupGranularity;
        this.uid = builder.uid;
        this.name = builder.name;
    }

    /** Starts a deduplicator for elements of type {@code T}. */
    public static <T> Builder<T> builder() {
        return new Builder<>();
    }

    /**
     * Starts a deduplicator for {@link Envelope}s: event time from {@link Envelope#eventTime()},
     * errors carry the envelope's key, payload, headers and origin. The dedup key must still be
     * set.
     */
    public static Builder<Envelope> forEnvelopes() {
        return Deduplicator.<Envelope>builder()
                .eventTime(e -> OptionalLong.of(e.eventTime()))
                .errorDetails(ErrorDetails.envelope());
    }

    /** Adds the deduplicator to {@code input} with its uid and name. */
    public <K> SingleOutputStreamOperator<T> deduplicate(KeyedStream<T, K> input) {
        Objects.requireNonNull(input, "input");
        return input.process(new DeduplicatorFunction<K, T>(this), input.getType())
                .uid(uid)
                .name(name);
    }

    public KeySelector<T, String> dedupKey() {
        return dedupKey;
    }

    public Duration window() {
        return window;
    }

    public TimeDomain timeDomain() {
        return timeDomain;
    }

    /** The event-time extractor; empty means the record's timestamp. */
    public Optional<EventTimeExtractor<T>> eventTime() {
        return Optional.ofNullable(eventTime);
    }

    public ErrorDetails<T> errorDetails() {
        return errorDetails;
    }

    public boolean reportDuplicates() {
        return reportDuplicates;
    }

    public Duration cleanupGranularity() {
        return cleanupGranularity;
    }

    public String uid() {
        return uid;
    }

    public String name() {
        return name;
    }

    /** Builds a {@link Deduplicator}; see there for what each setting means. */
    public static final class Builder<T> {
        @Nullable private KeySelector<T, String> dedupKey;
        @Nullable private Duration window;
        @Nullable private TimeDomain timeDomain;
        @Nullable private EventTimeExtractor<T> eventTime;
        @Nullable private ErrorDetails<T> errorDetails;
        private boolean reportDuplicates;
        private Duration cleanupGranularity = DEFAULT_CLEANUP_GRANULARITY;
        private String uid = DEFAULT_UID;
        private String name = "deduplicator";

        private Builder() {}

        /** What makes two elements the same (a message id, an alert fingerprint); required. */
        public Builder<T> dedupKey(KeySelector<T, String> dedupKey) {
            this.dedupKey = Objects.requireNonNull(dedupKey, "dedupKey");
            return this;
        }

        /** Windows measured with the machine's clock; this or an event-time window is required. */
        public Builder<T> processingTimeWindow(Duration window) {
            return window(window, TimeDomain.PROCESSING_TIME);
        }

        /** Windows measured in event time; this or a processing-time window is required. */
        public Builder<T> eventTimeWindow(Duration window) {
            return window(window, TimeDomain.EVENT_TIME);
        }

        private Builder<T> window(Duration window, TimeDomain timeDomain) {
            this.window = Checks.requirePositive(window, "window");
            this.timeDomain = timeDomain;
            return this;
        }

        /**
         * Reads the event time from the element (event-time windows); default: the record's
         * timestamp, which is also used when the extractor returns empty.
         */
        public Builder<T> eventTime(EventTimeExtractor<T> eventTime) {
            this.eventTime = Objects.requireNonNull(eventTime, "eventTime");
            return this;
        }

        /** Adds the element's payload to its error records; required (preset for envelopes). */
        public Builder<T> errorDetails(ErrorDetails<T> errorDetails) {
            this.errorDetails = Objects.requireNonNull(errorDetails, "errorDetails");
            return this;
        }

        /** Also send every duplicate to the errors as {@code DUPLICATE}; default false. */
        public Builder<T> reportDuplicates(boolean reportDuplicates) {
            this.reportDuplicates = reportDuplicates;
            return this;
        }

        /**
         * How far expiry timers are rounded up so that keys share them; default 1 s. State for a
         * dedup key lives at most this much longer than its window.
         */
        public Builder<T> cleanupGranularity(Duration cleanupGranularity) {
            this.cleanupGranularity =
                    Checks.requirePositive(cleanupGranularity, "cleanupGranularity");
            return this;
        }

        /**
         * The operator uid (default {@value #DEFAULT_UID}); must be stable across versions of the
         * job and unique within it.
         */
        public Builder<T> uid(String uid) {
            this.uid = Checks.requireText(uid, "uid");
            return this;
        }

        /** The operator name shown in the web UI and metrics; default {@code deduplicator}. */
        public Builder<T> name(String name) {
            this.name = Checks.requireText(name, "name");
            return this;
        }

        public Deduplicator<T> build() {
            if (dedupKey == null) {
                throw new IllegalStateException("dedupKey must be set");
            }
            if (window == null) {
                throw new IllegalStateException(
                        "a window must be set: processingTimeWindow(..) or eventTimeWindow(..)"
                                + " (event time gives the same result when a backlog is replayed)");
            }
            if (errorDetails == null) {
                throw new IllegalStateException(
                        "errorDetails must be set: error records need the element's payload to be"
                                + " replayable (Deduplicator.forEnvelopes() sets it for envelopes)");
            }
            return new Deduplicator<>(this);
        }
    }
}
