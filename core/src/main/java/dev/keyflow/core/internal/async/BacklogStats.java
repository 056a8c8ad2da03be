package dev.keyflow.core.internal.async;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Backlog figures for the metrics, kept up to date on the operator thread in constant time per
 * element and published in volatile fields for the metric reporter's thread.
 */
final class BacklogStats {

    static final long NONE = Long.MAX_VALUE;

    /** Backlog size -> number of keys with that size (sizes above zero only). */
    private final Map<Integer, Integer> keysBySize = new HashMap<>();

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
            int left = keysBySize.merge(from, -1, Integer::sum);
            if (left == 0) {
                keysBySize.remove(from);
            }
        } else {
            keys++;
        }
        if (to > 0) {
            keysBySize.merge(to, 1, Integer::sum);
        } else {
            keys--;
        }
        if (to > largest) {
            largest = to;
        } else if (from == largest && !keysBySize.containsKey(from)) {
            // Sizes move by one, so the new largest is usually `to`; a restore may jump.
            largest =
                    to == from - 1
                            ? to
                            : keysBySize.keySet().stream().mapToInt(i -> i).max().orElse(0);
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
