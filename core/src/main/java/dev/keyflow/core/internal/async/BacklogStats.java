package dev.keyflow.core.internal.async;

import java.util.Arrays;
import java.util.TreeMap;

/**
 * Backlog figures for the metrics, kept up to date on the operator thread in constant time per
 * element and published in volatile fields for the metric reporter's thread.
 */
final class BacklogStats {

    static final long NONE = Long.MAX_VALUE;

    /** Backlog size -> number of keys with that size; grows with the largest size seen. */
    private int[] keysBySize = new int[64];

    /** Arrival time of each key's oldest waiting element (to the run) -> number of keys. */
    private final TreeMap<Long, Integer> oldestPerKey = new TreeMap<>();

    private volatile long total;
    private volatile int keys;
    private volatile int largest;
    private volatile long oldestArrival = NONE;

    /** A key's backlog went from {@code from} to {@code to} elements. */
    void resized(int from, int to) {
        if (from == to) {
            return;
        }
        total += to - from;
        if (from > 0) {
            keysBySize[from]--;
        } else {
            keys++;
        }
        if (to > 0) {
            if (to >= keysBySize.length) {
                keysBySize = Arrays.copyOf(keysBySize, Math.max(to + 1, keysBySize.length * 2));
            }
            keysBySize[to]++;
        } else {
            keys--;
        }
        int top = largest;
        if (to > top) {
            largest = to;
        } else if (from == top && keysBySize[from] == 0) {
            // Sizes move by one, so the new largest is usually `to`; a restore may jump.
            int next = to == from - 1 ? to : from - 1;
            while (next > 0 && keysBySize[next] == 0) {
                next--;
            }
            largest = next;
        }
    }

    /** A key's oldest waiting element changed; either side may be {@link #NONE}. */
    void oldestMoved(long from, long to) {
        if (from == to) {
            return;
        }
        if (from != NONE) {
            oldestPerKey.merge(from, -1, Integer::sum);
            if (oldestPerKey.get(from) == 0) {
                oldestPerKey.remove(from);
            }
        }
        if (to != NONE) {
            oldestPerKey.merge(to, 1, Integer::sum);
        }
        oldestArrival = oldestPerKey.isEmpty() ? NONE : oldestPerKey.firstKey();
    }

    long total() {
        return total;
    }

    int keys() {
        return keys;
    }

    int largest() {
        return largest;
    }

    /** How long the oldest waiting element has waited at {@code now}; 0 without a backlog. */
    long oldestWaitMillis(long now) {
        long arrival = oldestArrival;
        return arrival == NONE ? 0 : Math.max(0, now - arrival);
    }
}
