package dev.keyflow.core;

import dev.keyflow.core.internal.ResequencerFunction;
import java.io.Serializable;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import javax.annotation.Nullable;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

/**
 * Puts each key's events back into event-time order: events are held per key and released in
 * timestamp order once the watermark passes their timestamp.
 *
 * <pre>{@code
 * Resequencer<Envelope> resequencer = Resequencer.forEnvelopes()
 *         .maxBufferedPerKey(10_000)
 *         .build();
 * SingleOutputStreamOperator<Envelope> ordered =
 *         resequencer.resequence(envelopes.keyBy(Envelope::key));
 * DataStream<ErrorRecord> errors = ordered.getSideOutput(KeyflowOutputs.ERRORS);
 * }</pre>
 *
 * <p><b>Ordering.</b> Per key, the output is sorted by timestamp; events with the same timestamp
 * keep their arrival order. The timestamp is the one the {@link Builder#eventTime eventTime}
 * extractor reads, else the record's timestamp; every output record carries it as its record
 * timestamp. The only exception is {@link LatePolicy#EMIT}, which emits late events at once, out of
 * order.
 *
 * <p><b>Release.</b> An event is released when the watermark reaches its timestamp, before that
 * watermark is forwarded, so nothing the resequencer releases is late downstream. How long events
 * wait is set by the watermark, not by this operator: with {@link KeyflowWatermarks}' bounded
 * out-of-orderness of 5 s, an event waits until an event 5 s newer has been seen (or the source
 * goes idle). Keys that receive nothing more are released all the same: each distinct timestamp has
 * its own event-time timer. At the end of a bounded input everything is released.
 *
 * <p><b>Late events.</b> An event whose timestamp is at or below the current watermark when it
 * arrives can no longer be put in order. {@link LatePolicy#TO_ERRORS} (the default) sends it to
 * {@link KeyflowOutputs#ERRORS} as an {@link ErrorReason#LATE} error record; {@link
 * LatePolicy#EMIT} emits it at once.
 *
 * <p><b>Buffer cap.</b> A key holds at most {@link Builder#maxBufferedPerKey} events (default
 * {@value #DEFAULT_MAX_BUFFERED_PER_KEY}). When a full key receives one more, {@link
 * OverflowPolicy#RELEASE_OLDEST} (the default) emits the events of the key's oldest timestamp at
 * once, before the watermark reaches them (marked {@link Resequenced.Release#EARLY} by {@link
 * #resequenceMarked}); output order is still kept: an event of that key that arrives later with an
 * older timestamp than one released early is treated as late. {@link OverflowPolicy#TO_ERRORS}
 * sends the new event to the errors as {@link ErrorReason#BUFFER_OVERFLOW} instead.
 *
 * <p><b>Other failures.</b> An event without a timestamp becomes {@link
 * ErrorReason#EVENT_TIME_INVALID}; an extractor that throws, {@link ErrorReason#PROCESSING_FAILED}.
 * Nothing is dropped: every input is emitted once or becomes one error record (stage {@link
 * ErrorStage#RESEQUENCING}), whose payload the {@link Builder#errorDetails errorDetails} supply.
 *
 * <p><b>Restore.</b> Buffered events and their timers are keyed state: they are part of every
 * checkpoint and savepoint, move with their key group when the job is rescaled, and are released
 * after a restore once the watermark passes them.
 *
 * <p><b>Cost.</b> Per key, events are kept in a {@code MapState} from timestamp to the events with
 * that timestamp, with one event-time timer per distinct timestamp, plus one small value (count,
 * early-release mark, a short sorted list of the oldest timestamps). An event costs a value read
 * and write, one map read and write (the events sharing its timestamp are rewritten, usually one)
 * and, for a new timestamp, one timer; a release costs the same. The buffer is never scanned per
 * event. Finding the oldest timestamp for an early release uses the cached list; when that list
 * runs out, the key's timestamps are scanned once (keys only) and the {@value #OLDEST_CACHE_SIZE}
 * oldest are cached again, so a key that stays full pays one scan per {@value #OLDEST_CACHE_SIZE}
 * early releases.
 *
 * <p><b>Metrics</b> (operator scope): {@code keyflow.resequencer.buffered} (gauge: events held by
 * this subtask; after a restore, a key's restored events are counted from the first time the key is
 * touched again), {@code keyflow.resequencer.late}, {@code keyflow.resequencer.overflow} (events
 * that found their key full), {@code keyflow.resequencer.earlyReleased}, {@code
 * keyflow.resequencer.releaseDelay} (histogram: processing-time milliseconds from arrival to an
 * on-time release), and {@code keyflow.errors.count} per stage and reason.
 *
 * @param <T> the event type
 */
public final class Resequencer<T> implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The default cap on events held per key. */
    public static final int DEFAULT_MAX_BUFFERED_PER_KEY = 10_000;

    /** How many of a key's oldest timestamps are remembered for early releases. */
    public static final int OLDEST_CACHE_SIZE = 32;

    /** The uid given to the operator unless another is asked for. */
    public static final String DEFAULT_UID = "keyflow-resequencer";

    /** What happens to an event that arrives at or behind the watermark. */
    public enum LatePolicy {
        /** It becomes an {@link ErrorReason#LATE} error record (the default). */
        TO_ERRORS,
        /** It is emitted at once, out of order. */
        EMIT
    }

    /** What happens when an event arrives for a key whose buffer is full. */
    public enum OverflowPolicy {
        /** The events of the key's oldest timestamp are emitted early (the default). */
        RELEASE_OLDEST,
        /** The new event becomes an {@link ErrorReason#BUFFER_OVERFLOW} error record. */
        TO_ERRORS
    }

    @Nullable private final EventTimeExtractor<T> eventTime;
    private final ErrorDetails<T> errorDetails;
    private final int maxBufferedPerKey;
    private final LatePolicy latePolicy;
    private final OverflowPolicy overflowPolicy;
    private final String uid;
    private final String name;

    private Resequencer(Builder<T> builder) {
        this.eventTime = builder.eventTime;
        this.errorDetails = Objects.requireNonNull(builder.errorDetails);
        this.maxBufferedPerKey = builder.maxBufferedPerKey;
        this.latePolicy = builder.latePolicy;
        this.overflowPolicy = builder.overflowPolicy;
        this.uid = builder.uid;
        this.name = builder.name;
    }

    /** Starts a resequencer for events of type {@code T}. */
    public static <T> Builder<T> builder() {
        return new Builder<>();
    }

    /**
     * Starts a resequencer for {@link Envelope}s: ordered by {@link Envelope#eventTime()}, errors
     * carry the envelope's key, payload, headers and origin.
     */
    public static Builder<Envelope> forEnvelopes() {
        return Resequencer.<Envelope>builder()
                .eventTime(e -> OptionalLong.of(e.eventTime()))
                .errorDetails(ErrorDetails.envelope());
    }

    /**
     * Adds the resequencer to {@code input} with its uid and name; late and failed events go to
     * {@link KeyflowOutputs#ERRORS}.
     *
     * <p>To resequence the output of another keyed operator without a second shuffle, pass {@code
     * DataStreamUtils.reinterpretAsKeyedStream(stream, keySelector)}.
     */
    public <K> SingleOutputStreamOperator<T> resequence(KeyedStream<T, K> input) {
        Objects.requireNonNull(input, "input");
        return input.process(ResequencerFunction.plain(this, input.getType()), input.getType())
                .uid(uid)
                .name(name);
    }

    /**
     * Like {@link #resequence}, but every event comes wrapped with its timestamp and how it was
     * released, so that early releases and late emits can be told apart.
     */
    public <K> SingleOutputStreamOperator<Resequenced<T>> resequenceMarked(
            KeyedStream<T, K> input) {
        Objects.requireNonNull(input, "input");
        return input.process(
                        ResequencerFunction.marked(this, input.getType()),
                        Resequenced.typeInfo(input.getType()))
                .uid(uid)
                .name(name);
    }

    /** The event-time extractor; empty means the record's timestamp. */
    public Optional<EventTimeExtractor<T>> eventTime() {
        return Optional.ofNullable(eventTime);
    }

    public ErrorDetails<T> errorDetails() {
        return errorDetails;
    }

    public int maxBufferedPerKey() {
        return maxBufferedPerKey;
    }

    public LatePolicy latePolicy() {
        return latePolicy;
    }

    public OverflowPolicy overflowPolicy() {
        return overflowPolicy;
    }

    public String uid() {
        return uid;
    }

    public String name() {
        return name;
    }

    /** Builds a {@link Resequencer}; see there for what each setting means. */
    public static final class Builder<T> {
        @Nullable private EventTimeExtractor<T> eventTime;
        @Nullable private ErrorDetails<T> errorDetails;
        private int maxBufferedPerKey = DEFAULT_MAX_BUFFERED_PER_KEY;
        private LatePolicy latePolicy = LatePolicy.TO_ERRORS;
        private OverflowPolicy overflowPolicy = OverflowPolicy.RELEASE_OLDEST;
        private String uid = DEFAULT_UID;
        private String name = "resequencer";

        private Builder() {}

        /**
         * Reads the timestamp to order by from the event; default: the record's timestamp. When it
         * returns empty, the record's timestamp is used.
         */
        public Builder<T> eventTime(EventTimeExtractor<T> eventTime) {
            this.eventTime = Objects.requireNonNull(eventTime, "eventTime");
            return this;
        }

        /** Adds the event's payload to its error records; required (preset for envelopes). */
        public Builder<T> errorDetails(ErrorDetails<T> errorDetails) {
            this.errorDetails = Objects.requireNonNull(errorDetails, "errorDetails");
            return this;
        }

        /** The most events held per key; default {@value #DEFAULT_MAX_BUFFERED_PER_KEY}. */
        public Builder<T> maxBufferedPerKey(int maxBufferedPerKey) {
            this.maxBufferedPerKey =
                    Checks.requireAtLeastOne(maxBufferedPerKey, "maxBufferedPerKey");
            return this;
        }

        /** What to do with late events; default {@link LatePolicy#TO_ERRORS}. */
        public Builder<T> latePolicy(LatePolicy latePolicy) {
            this.latePolicy = Objects.requireNonNull(latePolicy, "latePolicy");
            return this;
        }

        /** What to do when a key is full; default {@link OverflowPolicy#RELEASE_OLDEST}. */
        public Builder<T> overflowPolicy(OverflowPolicy overflowPolicy) {
            this.overflowPolicy = Objects.requireNonNull(overflowPolicy, "overflowPolicy");
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

        /** The operator name shown in the web UI and metrics; default {@code resequencer}. */
        public Builder<T> name(String name) {
            this.name = Checks.requireText(name, "name");
            return this;
        }

        public Resequencer<T> build() {
            if (errorDetails == null) {
                throw new IllegalStateException(
                        "errorDetails must be set: error records need the event's payload to be"
                                + " replayable (Resequencer.forEnvelopes() sets it for envelopes)");
            }
            return new Resequencer<>(this);
        }
    }
}
