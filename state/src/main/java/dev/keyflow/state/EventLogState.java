package dev.keyflow.state;

import java.util.List;
import java.util.Optional;

/**
 * The event log of the current key, opened by {@link EventLog#open}. Every method works on the key
 * the operator has set (the element's key in {@code processElement}, {@code onTimer} or the keyed
 * async operator's {@code readState} and {@code apply}); call it on the operator thread only.
 *
 * @param <S> the folded state type
 * @param <M> the mutation type
 */
public interface EventLogState<S, M> {

    /** The last sequence number of the key; 0 when it has no mutations. */
    long currentSequence() throws Exception;

    /** The first sequence number still kept; 1 until retention has removed something. */
    long firstRetainedSequence() throws Exception;

    /** Appends one mutation and returns its sequence number. */
    long append(M mutation) throws Exception;

    /**
     * Appends mutations in order and returns their sequence numbers, consecutive and following the
     * key's current sequence. An empty list appends nothing.
     */
    List<Long> append(List<M> mutations) throws Exception;

    /**
     * The kept entries with sequence numbers in {@code [from, to]}, in order; sequence numbers
     * outside what is kept are left out (so the result may be shorter than the range).
     *
     * @throws IllegalArgumentException if {@code from < 1} or {@code to < from}
     */
    List<LogEntry<M>> read(long from, long to) throws Exception;

    /** The last {@code count} kept entries, in order (fewer if fewer are kept). */
    List<LogEntry<M>> tail(int count) throws Exception;

    /** The current folded state: the latest snapshot plus the mutations after it. */
    S load() throws Exception;

    /** The latest snapshot, if one was written. */
    Optional<LogSnapshot<S>> snapshot() throws Exception;

    /** Removes the key's log, counter and snapshot; the next append gets sequence number 1. */
    void clear();
}
