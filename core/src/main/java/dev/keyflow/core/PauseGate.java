package dev.keyflow.core;

import dev.keyflow.core.internal.CommandWatermarks;
import dev.keyflow.core.internal.PauseGateFunction;
import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import javax.annotation.Nullable;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.util.OutputTag;

/**
 * Pauses and resumes single keys: while a key is paused its events are held in keyed state, and
 * when it is resumed they are released in their arrival order before any later event of the key.
 *
 * <pre>{@code
 * PauseGate<Envelope> gate = PauseGate.forEnvelopes()
 *         .maxBufferedPerKey(50_000)
 *         .maxPause(Duration.ofHours(4))
 *         .build();
 * SingleOutputStreamOperator<Envelope> gated =
 *         gate.gate(envelopes.keyBy(Envelope::key), commands);   // commands: DataStream<PauseCommand>
 * DataStream<PauseStatusChange> statuses = gated.getSideOutput(PauseGate.STATUS_CHANGES);
 * DataStream<ErrorRecord> errors = gated.getSideOutput(KeyflowOutputs.ERRORS);
 * }</pre>
 *
 * <p><b>How it works.</b> The events and the {@link PauseCommand}s, keyed the same way, meet in one
 * keyed two-input operator, so a key's status and its held events live together in the key's state.
 * A key nobody paused is {@code ACTIVE} and costs no state.
 *
 * <ul>
 *   <li>{@code PAUSE}: the key becomes {@code PAUSED}; its events are appended to its buffer.
 *   <li>{@code RESUME}: the buffer is emitted in arrival order, then the key is {@code ACTIVE}
 *       again; nothing of the key that arrives later can overtake what was held.
 *   <li>An {@code ACTIVE} key that still holds events (for example state restored from an older
 *       snapshot) releases them first, before its next event, command or timer does anything else.
 *   <li>A {@code PAUSE} of a paused key or a {@code RESUME} of an active key changes nothing (a
 *       repeated {@code PAUSE} restarts the maximum pause duration).
 * </ul>
 *
 * <p><b>Ordering.</b> Per key, events leave in arrival order, whatever the pauses. Between an event
 * and a command the order is the order in which they reach the operator; Flink does not order two
 * inputs, so an event sent "just before" a pause may pass. Released events keep their record
 * timestamps. The gate forwards the events' watermark and never holds it back (the command stream
 * is given a watermark that never holds the operator back; keep the auto-watermark interval above
 * zero), so events released after a long pause are usually late for event-time operators
 * downstream.
 *
 * <p><b>Buffer cap.</b> A key holds at most {@link Builder#maxBufferedPerKey} events (default
 * {@value #DEFAULT_MAX_BUFFERED_PER_KEY}). When a full key receives another, {@link
 * OverflowPolicy#TO_ERRORS} (the default) sends it to {@link KeyflowOutputs#ERRORS} as {@link
 * ErrorReason#BUFFER_OVERFLOW} (stage {@link ErrorStage#PAUSE_GATE}), from where it can be
 * replayed; {@link OverflowPolicy#RESUME} resumes the key instead (cause {@code OVERFLOW}). Nothing
 * is ever dropped.
 *
 * <p><b>Maximum pause.</b> With {@link Builder#maxPause} a key resumes by itself that long after
 * the {@code PAUSE} command's {@link PauseCommand#time() time} (a processing-time timer; cause
 * {@code MAX_PAUSE}). A replayed old {@code PAUSE} therefore resumes at once.
 *
 * <p><b>Status for dashboards.</b> Every change of a key's status is emitted on {@link
 * #STATUS_CHANGES}; written to a compacted topic ({@link
 * dev.keyflow.core.kafka.PauseCommandTopic#statusSerializer}) it is the latest status per key.
 *
 * <p><b>Seeding from a compacted topic.</b> When the commands come from a compacted Kafka topic
 * read from the earliest offset, a fresh start replays the latest command of every key. The replay
 * races the events; {@link Builder#seedGrace} closes that gap: on a fresh start (not restored from
 * a checkpoint or savepoint) no event passes the gate during the grace period, which starts with
 * the first event or command a parallel instance handles; commands are applied as they come, and
 * when the period ends every key that is not paused is released in order (a key whose buffer fills
 * up follows the overflow policy; {@code RESUME} releases it early). After a restore the statuses
 * are in the restored state and the source continues from its checkpointed offsets, so there is no
 * grace period.
 *
 * <p><b>Restore.</b> Statuses, held events and timers are keyed state: checkpointed, restored and
 * rescaled with their key group. A key that is paused in the snapshot is paused after the restore.
 * In a bounded job, events still held when the input ends are not emitted (Flink does not fire
 * pending processing-time timers at the end of input, and the gate does not break a pause): resume
 * every key before the end, or use the gate in unbounded jobs only.
 *
 * <p><b>Metrics</b> (operator scope): {@code keyflow.pausegate.pausedKeys} and {@code
 * keyflow.pausegate.heldEvents} (gauges for this subtask; after a restore, a key is counted from
 * the first time it is touched again), counters {@code paused}, {@code resumed}, {@code
 * autoResumed} (maximum pause or overflow), {@code held}, {@code released}, {@code overflow}, and
 * {@code keyflow.errors.count} per stage and reason.
 *
 * @param <T> the event type
 */
public final class PauseGate<T> implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The side output of status changes. */
    public static final OutputTag<PauseStatusChange> STATUS_CHANGES =
            new OutputTag<>("keyflow-pause-status", KeyflowTypes.PAUSE_STATUS_CHANGE);

    /** The default cap on events held per key. */
    public static final int DEFAULT_MAX_BUFFERED_PER_KEY = 10_000;

    /** The uid given to the operator unless another is asked for. */
    public static final String DEFAULT_UID = "keyflow-pause-gate";

    /** What happens when an event arrives for a paused key whose buffer is full. */
    public enum OverflowPolicy {
        /** The event becomes a {@link ErrorReason#BUFFER_OVERFLOW} error record (the default). */
        TO_ERRORS,
        /** The key is resumed: what it holds is released, then the event. */
        RESUME
    }

    private final ErrorDetails<T> errorDetails;
    private final int maxBufferedPerKey;
    private final OverflowPolicy overflowPolicy;
    @Nullable private final Duration maxPause;
    private final Duration seedGrace;
    private final String uid;
    private final String name;

    private PauseGate(Builder<T> builder) {
        this.errorDetails = Objects.requireNonNull(builder.errorDetails);
        this.maxBufferedPerKey = builder.maxBufferedPerKey;
        this.overflowPolicy = builder.overflowPolicy;
        this.maxPause = builder.maxPause;
        this.seedGrace = builder.seedGrace;
        this.uid = builder.uid;
        this.name = builder.name;
    }

    /** Starts a pause gate for events of type {@code T}. */
    public static <T> Builder<T> builder() {
        return new Builder<>();
    }

    /** Starts a pause gate for {@link Envelope}s: errors carry the envelope's key and payload. */
    public static Builder<Envelope> forEnvelopes() {
        return PauseGate.<Envelope>builder().errorDetails(ErrorDetails.envelope());
    }

    /**
     * Adds the gate between {@code events} and their consumers, controlled by {@code commands},
     * with its uid and name.
     *
     * @param events the events, keyed by the business key the commands name
     * @param commands the commands; any stream (see {@link
     *     dev.keyflow.core.kafka.PauseCommandTopic} for a compacted Kafka topic)
     */
    public SingleOutputStreamOperator<T> gate(
            KeyedStream<T, String> events, DataStream<PauseCommand> commands) {
        Objects.requireNonNull(events, "events");
        Objects.requireNonNull(commands, "commands");
        KeyedStream<PauseCommand, String> keyedCommands =
                commands.assignTimestampsAndWatermarks(new CommandWatermarks())
                        .uid(uid + "-commands")
                        .name(name + " commands")
                        .keyBy(PauseCommand::key, Types.STRING);
        return events.connect(keyedCommands)
                .process(new PauseGateFunction<>(this, events.getType()), events.getType())
                .uid(uid)
                .name(name);
    }

    public ErrorDetails<T> errorDetails() {
        return errorDetails;
    }

    public int maxBufferedPerKey() {
        return maxBufferedPerKey;
    }

    public OverflowPolicy overflowPolicy() {
        return overflowPolicy;
    }

    /** How long a key may stay paused, if limited. */
    public Optional<Duration> maxPause() {
        return Optional.ofNullable(maxPause);
    }

    public Duration seedGrace() {
        return seedGrace;
    }

    public String uid() {
        return uid;
    }

    public String name() {
        return name;
    }

    /** Builds a {@link PauseGate}; see there for what each setting means. */
    public static final class Builder<T> {
        @Nullable private ErrorDetails<T> errorDetails;
        private int maxBufferedPerKey = DEFAULT_MAX_BUFFERED_PER_KEY;
        private OverflowPolicy overflowPolicy = OverflowPolicy.TO_ERRORS;
        @Nullable private Duration maxPause;
        private Duration seedGrace = Duration.ZERO;
        private String uid = DEFAULT_UID;
        private String name = "pause gate";

        private Builder() {}

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

        /** What to do when a paused key is full; default {@link OverflowPolicy#TO_ERRORS}. */
        public Builder<T> overflowPolicy(OverflowPolicy overflowPolicy) {
            this.overflowPolicy = Objects.requireNonNull(overflowPolicy, "overflowPolicy");
            return this;
        }

        /** Resume a key by itself this long after its {@code PAUSE}; default: never. */
        public Builder<T> maxPause(Duration maxPause) {
            this.maxPause = Checks.requirePositive(maxPause, "maxPause");
            return this;
        }

        /**
         * On a fresh start, hold every event this long so that commands replayed from a compacted
         * topic apply first; default {@link Duration#ZERO} (no hold).
         */
        public Builder<T> seedGrace(Duration seedGrace) {
            Objects.requireNonNull(seedGrace, "seedGrace");
            if (seedGrace.isNegative()) {
                throw new IllegalArgumentException(
                        "seedGrace must not be negative, was " + seedGrace);
            }
            this.seedGrace = seedGrace;
            return this;
        }

        /**
         * The operator uid (default {@value #DEFAULT_UID}); must be stable across versions of the
         * job and unique within it. The command stream's watermark operator gets this uid plus
         * {@code -commands}.
         */
        public Builder<T> uid(String uid) {
            this.uid = Checks.requireText(uid, "uid");
            return this;
        }

        /** The operator name shown in the web UI and metrics; default {@code pause gate}. */
        public Builder<T> name(String name) {
            this.name = Checks.requireText(name, "name");
            return this;
        }

        public PauseGate<T> build() {
            if (errorDetails == null) {
                throw new IllegalStateException(
                        "errorDetails must be set: error records need the event's payload to be"
                                + " replayable (PauseGate.forEnvelopes() sets it for envelopes)");
            }
            return new PauseGate<>(this);
        }
    }
}
