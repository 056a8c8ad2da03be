package dev.keyflow.core.internal.async;

import java.util.ArrayDeque;
import javax.annotation.Nullable;

/**
 * One key that has an element started: that element (in memory), and the bounds of the key's
 * backlog, the elements waiting behind it in keyed state under the sequence numbers {@code [head,
 * tail)}.
 */
final class KeyQueue<K, IN> {
    final K key;

    /** The element in flight or waiting for a retry; null only briefly during a restore. */
    @Nullable Entry<K, IN> current;

    long head;
    long tail;

    /** The backlog overflowed: the key's new elements go to the errors until it is idle. */
    boolean diverting;

    /** The backlog in arrival order as runs of elements of one epoch (and about one second). */
    final ArrayDeque<Run> runs = new ArrayDeque<>();

    KeyQueue(K key) {
        this.key = key;
    }

    int backlog() {
        return (int) (tail - head);
    }

    /** Consecutive backlog elements of one epoch that arrived within about a second. */
    static final class Run {
        final Epoch epoch;

        /** Processing time at which the run's first element arrived. */
        final long firstArrival;

        int count;

        Run(Epoch epoch, long firstArrival) {
            this.epoch = epoch;
            this.firstArrival = firstArrival;
        }
    }
}
