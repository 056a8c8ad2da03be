package dev.keyflow.state.internal;

import dev.keyflow.state.EventLog;
import dev.keyflow.state.EventLogState;
import dev.keyflow.state.Fold;
import dev.keyflow.state.LogEntry;
import dev.keyflow.state.LogSnapshot;
import dev.keyflow.state.Retention;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;

/** {@link EventLogState} over a {@code MapState} of entries, a counter and a snapshot. */
public final class KeyedEventLog<S, M> implements EventLogState<S, M> {

    private final Fold<S, M> fold;
    private final int snapshotEvery;
    private final Retention retention;
    private final InstantSource clock;
    private final MapState<Long, LogEntry<M>> log;
    private final ValueState<Long> sequence;
    private final ValueState<LogSnapshot<S>> snapshot;

    public KeyedEventLog(EventLog<S, M> spec, RuntimeContext context, InstantSource clock) {
        this.fold = spec.fold();
        this.snapshotEvery = spec.snapshotEvery();
        this.retention = spec.retention();
        this.clock = clock;
        this.log = context.getMapState(logDescriptor(spec));
        this.sequence = context.getState(sequenceDescriptor(spec));
        this.snapshot = context.getState(snapshotDescriptor(spec));
    }

    /** The descriptor of the entries: sequence number to entry. */
    public static <M> MapStateDescriptor<Long, LogEntry<M>> logDescriptor(EventLog<?, M> spec) {
        return new MapStateDescriptor<>(
                spec.name() + ".log", Types.LONG, LogEntry.typeInfo(spec.mutationType()));
    }

    /** The descriptor of the last sequence number. */
    public static ValueStateDescriptor<Long> sequenceDescriptor(EventLog<?, ?> spec) {
        return new ValueStateDescriptor<>(spec.name() + ".sequence", Types.LONG);
    }

    /** The descriptor of the latest snapshot. */
    public static <S> ValueStateDescriptor<LogSnapshot<S>> snapshotDescriptor(EventLog<S, ?> spec) {
        return new ValueStateDescriptor<>(
                spec.name() + ".snapshot", LogSnapshot.typeInfo(spec.stateType()));
    }

    @Override
    public long currentSequence() throws Exception {
        Long current = sequence.value();
        return current == null ? 0 : current;
    }

    @Override
    public long firstRetainedSequence() throws Exception {
        LogSnapshot<S> latest = snapshot.value();
        return latest == null ? 1 : latest.firstRetained();
    }

    @Override
    public long append(M mutation) throws Exception {
        return append(List.of(mutation)).get(0);
    }

    @Override
    public List<Long> append(List<M> mutations) throws Exception {
        Objects.requireNonNull(mutations, "mutations");
        if (mutations.isEmpty()) {
            return List.of();
        }
        long before = currentSequence();
        long now = clock.millis();
        long next = before;
        List<Long> sequences = new ArrayList<>(mutations.size());
        for (M mutation : mutations) {
            next++;
            log.put(next, new LogEntry<>(next, now, Objects.requireNonNull(mutation, "mutation")));
            sequences.add(next);
        }
        sequence.update(next);

        // A snapshot is due when the append crosses a multiple of snapshotEvery; deciding that
        // from the counter alone spares every other append a read (and, on RocksDB, the
        // deserialization) of the snapshot.
        if (next / snapshotEvery > before / snapshotEvery) {
            LogSnapshot<S> latest = snapshot.value();
            S state = replay(latest, before);
            for (M mutation : mutations) {
                state = fold.evolve(state, mutation);
            }
            long first = latest == null ? 1 : latest.firstRetained();
            long firstKept = removeExpired(first, next, now);
            snapshot.update(new LogSnapshot<>(next, firstKept, now, state));
        }
        return sequences;
    }

    @Override
    public List<LogEntry<M>> read(long from, long to) throws Exception {
        if (from < 1) {
            throw new IllegalArgumentException("from must be at least 1, was " + from);
        }
        if (to < from) {
            throw new IllegalArgumentException(
                    "to must not be below from, was " + to + " < " + from);
        }
        long start = Math.max(from, firstRetainedSequence());
        long end = Math.min(to, currentSequence());
        List<LogEntry<M>> entries =
                new ArrayList<>((int) Math.max(0, Math.min(end - start + 1, 1024)));
        for (long s = start; s <= end; s++) {
            entries.add(entry(s));
        }
        return entries;
    }

    @Override
    public List<LogEntry<M>> tail(int count) throws Exception {
        if (count < 0) {
            throw new IllegalArgumentException("count must not be negative, was " + count);
        }
        long current = currentSequence();
        if (count == 0 || current == 0) {
            return List.of();
        }
        return read(Math.max(1, current - count + 1), current);
    }

    @Override
    public S load() throws Exception {
        return replay(snapshot.value(), currentSequence());
    }

    @Override
    public Optional<LogSnapshot<S>> snapshot() throws Exception {
        return Optional.ofNullable(snapshot.value());
    }

    @Override
    public void clear() {
        log.clear();
        sequence.clear();
        snapshot.clear();
    }

    /** The state at {@code upTo}: the snapshot's state plus the entries after it. */
    private S replay(LogSnapshot<S> latest, long upTo) throws Exception {
        S state = latest == null ? fold.initial() : latest.state();
        long from = latest == null ? 1 : latest.sequence() + 1;
        for (long s = from; s <= upTo; s++) {
            state = fold.evolve(state, entry(s).mutation());
        }
        return state;
    }

    private LogEntry<M> entry(long s) throws Exception {
        LogEntry<M> entry = log.get(s);
        if (entry == null) {
            throw new IllegalStateException(
                    "event log entry "
                            + s
                            + " is missing although the log runs to "
                            + currentSequence()
                            + ": the state is corrupt");
        }
        return entry;
    }

    /**
     * Removes the prefix of {@code [first, covered]} that no retention rule keeps; returns the new
     * first kept sequence number.
     */
    private long removeExpired(long first, long covered, long now) throws Exception {
        if (retention.keepsAll()) {
            return first;
        }
        long last = covered;
        if (retention.count().isPresent()) {
            last = Math.min(last, covered - retention.count().getAsLong());
        }
        long cutoff = retention.age().map(age -> now - age.toMillis()).orElse(Long.MAX_VALUE);
        long s = first;
        while (s <= last) {
            if (cutoff != Long.MAX_VALUE && entry(s).appendedAt() >= cutoff) {
                break;
            }
            log.remove(s);
            s++;
        }
        return s;
    }
}
