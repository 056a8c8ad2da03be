package dev.keyflow.state;

import dev.keyflow.state.internal.KeyedEventLog;
import java.io.Serializable;
import java.time.InstantSource;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * An event-sourced log of mutations per key, kept in Flink keyed state, with periodic snapshots of
 * the folded state and bounded retention. This is the immutable, serializable description; {@link
 * #open} gives the {@link EventLogState} a function uses on its keyed state.
 *
 * <pre>{@code
 * static final EventLog<Balance, Booking> LOG = EventLog.<Balance, Booking>builder()
 *         .name("account")
 *         .mutationType(TypeInformation.of(Booking.class))
 *         .stateType(TypeInformation.of(Balance.class))
 *         .fold(Fold.of(() -> new Balance(0), (b, m) -> new Balance(b.amount() + m.amount())))
 *         .snapshotEvery(100)
 *         .retention(Retention.keepLast(1_000))
 *         .build();
 *
 * // in a keyed function
 * public void open(OpenContext ctx) { log = LOG.open(getRuntimeContext()); }
 * public void processElement(Booking b, Context ctx, Collector<Long> out) throws Exception {
 *     long sequence = log.append(b);          // 1, 2, 3, ... per key
 *     Balance balance = log.load();           // snapshot + at most snapshotEvery mutations
 * }
 * }</pre>
 *
 * <p><b>State layout</b> (per key, names prefixed with {@link #name()}): {@code <name>.log}, a
 * {@code MapState<Long, LogEntry<M>>} from sequence number to mutation; {@code <name>.sequence}, a
 * {@code ValueState<Long>} with the last sequence number; {@code <name>.snapshot}, a {@code
 * ValueState<LogSnapshot<S>>}. Appending one mutation writes one map entry and the counter, so with
 * RocksDB and incremental checkpoints a checkpoint carries the new entries, not the whole log.
 *
 * <p><b>Guarantees.</b> Sequence numbers of a key start at 1 and have no gaps; appends are atomic
 * with respect to checkpoints (they happen on the operator thread), so after a restore every key's
 * log is exactly what it was at the checkpoint. An append that reaches or passes a multiple of
 * {@link Builder#snapshotEvery} writes a new snapshot at its last sequence number, so {@link
 * EventLogState#load()} replays fewer than {@code snapshotEvery} plus one append's mutations.
 * {@link Retention} then removes old mutations that the snapshot covers; it is bounded by default.
 *
 * <p><b>Failure modes.</b> A missing entry between the snapshot and the counter (which only a
 * corrupted or hand-edited state can produce) fails {@code load()} with an {@link
 * IllegalStateException}, failing the job rather than folding a wrong state. Exceptions from the
 * {@link Fold} propagate to the caller. Mutation and state types must have a Flink type without a
 * Kryo fallback, and they evolve like any Flink POJO (add or remove fields).
 *
 * @param <S> the folded state type
 * @param <M> the mutation type
 */
public final class EventLog<S, M> implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The default number of mutations between snapshots. */
    public static final int DEFAULT_SNAPSHOT_EVERY = 100;

    /** The default retention: the last 1000 mutations of each key. */
    public static final Retention DEFAULT_RETENTION = Retention.keepLast(1_000);

    private final String name;
    private final TypeInformation<M> mutationType;
    private final TypeInformation<S> stateType;
    private final Fold<S, M> fold;
    private final int snapshotEvery;
    private final Retention retention;

    private EventLog(Builder<S, M> b) {
        this.name = b.name;
        this.mutationType = Objects.requireNonNull(b.mutationType);
        this.stateType = Objects.requireNonNull(b.stateType);
        this.fold = Objects.requireNonNull(b.fold);
        this.snapshotEvery = b.snapshotEvery;
        this.retention = b.retention;
    }

    /** Starts an event log of mutations {@code M} folded into states {@code S}. */
    public static <S, M> Builder<S, M> builder() {
        return new Builder<>();
    }

    /**
     * Opens the log on the keyed state of {@code context}, with the system clock for {@link
     * LogEntry#appendedAt()}. Call it in {@code open(OpenContext)} of a keyed function.
     */
    public EventLogState<S, M> open(RuntimeContext context) {
        return open(context, InstantSource.system());
    }

    /** Opens the log with the given clock (tests drive retention by age through it). */
    public EventLogState<S, M> open(RuntimeContext context, InstantSource clock) {
        return new KeyedEventLog<>(
                this,
                Objects.requireNonNull(context, "context"),
                Objects.requireNonNull(clock, "clock"));
    }

    /** The prefix of the state names; unique among the event logs of one operator. */
    public String name() {
        return name;
    }

    public TypeInformation<M> mutationType() {
        return mutationType;
    }

    public TypeInformation<S> stateType() {
        return stateType;
    }

    public Fold<S, M> fold() {
        return fold;
    }

    public int snapshotEvery() {
        return snapshotEvery;
    }

    public Retention retention() {
        return retention;
    }

    /** Builds an {@link EventLog}; see there for what each setting means. */
    public static final class Builder<S, M> {
        private String name = "eventlog";
        @Nullable private TypeInformation<M> mutationType;
        @Nullable private TypeInformation<S> stateType;
        @Nullable private Fold<S, M> fold;
        private int snapshotEvery = DEFAULT_SNAPSHOT_EVERY;
        private Retention retention = DEFAULT_RETENTION;

        private Builder() {}

        /**
         * The prefix of the state names (default {@code eventlog}); part of the savepoint format,
         * so keep it stable across versions of the job.
         */
        public Builder<S, M> name(String name) {
            Objects.requireNonNull(name, "name");
            if (name.isBlank()) {
                throw new IllegalArgumentException("name must not be blank");
            }
            this.name = name;
            return this;
        }

        /** The Flink type of the mutations; required. */
        public Builder<S, M> mutationType(TypeInformation<M> mutationType) {
            this.mutationType = Objects.requireNonNull(mutationType, "mutationType");
            return this;
        }

        /** The Flink type of the folded state; required. */
        public Builder<S, M> stateType(TypeInformation<S> stateType) {
            this.stateType = Objects.requireNonNull(stateType, "stateType");
            return this;
        }

        /** How mutations fold into the state; required. */
        public Builder<S, M> fold(Fold<S, M> fold) {
            this.fold = Objects.requireNonNull(fold, "fold");
            return this;
        }

        /**
         * Writes a snapshot of the folded state at every multiple of this many mutations (default
         * {@value #DEFAULT_SNAPSHOT_EVERY}); loading replays fewer mutations than this plus one
         * append's.
         */
        public Builder<S, M> snapshotEvery(int snapshotEvery) {
            if (snapshotEvery < 1) {
                throw new IllegalArgumentException(
                        "snapshotEvery must be at least 1, was " + snapshotEvery);
            }
            this.snapshotEvery = snapshotEvery;
            return this;
        }

        /** Which mutations are kept once a snapshot covers them; default the last 1000. */
        public Builder<S, M> retention(Retention retention) {
            this.retention = Objects.requireNonNull(retention, "retention");
            return this;
        }

        public EventLog<S, M> build() {
            if (mutationType == null) {
                throw new IllegalStateException("mutationType must be set");
            }
            if (stateType == null) {
                throw new IllegalStateException("stateType must be set");
            }
            if (fold == null) {
                throw new IllegalStateException("fold must be set");
            }
            return new EventLog<>(this);
        }
    }
}
