package dev.keyflow.core.internal;

import java.util.Arrays;
import java.util.PriorityQueue;

/**
 * A key's oldest buffered timestamps, so that the resequencer can release the oldest early without
 * scanning the buffer on every overflow.
 *
 * <p>The cache is a sorted array of distinct timestamps with this invariant: when it is not empty,
 * it holds exactly the buffered timestamps that are not greater than its last element. An empty
 * cache means "unknown". All methods return new arrays: values in heap state must not be mutated.
 */
public final class OldestTimestamps {

    public static final long[] UNKNOWN = new long[0];

    private OldestTimestamps() {}

    /**
     * The cache after {@code timestamp} was added to the buffer as a new (not yet buffered)
     * timestamp; {@code bufferWasEmpty} says whether the buffer held nothing before.
     */
    public static long[] added(long[] cache, long timestamp, boolean bufferWasEmpty, int limit) {
        if (bufferWasEmpty) {
            return new long[] {timestamp};
        }
        if (cache.length == 0 || timestamp > cache[cache.length - 1]) {
            // Unknown stays unknown; a timestamp beyond the cached prefix does not belong in it.
            return cache;
        }
        int at = Arrays.binarySearch(cache, timestamp);
        if (at >= 0) {
            return cache;
        }
        int insert = -at - 1;
        int length = Math.min(cache.length + 1, limit);
        long[] result = new long[length];
        System.arraycopy(cache, 0, result, 0, insert);
        result[insert] = timestamp;
        System.arraycopy(cache, insert, result, insert + 1, length - insert - 1);
        return result;
    }

    /** The cache after every event of {@code timestamp} left the buffer. */
    public static long[] removed(long[] cache, long timestamp) {
        int at = Arrays.binarySearch(cache, timestamp);
        if (at < 0) {
            return cache;
        }
        long[] result = new long[cache.length - 1];
        System.arraycopy(cache, 0, result, 0, at);
        System.arraycopy(cache, at + 1, result, at, cache.length - at - 1);
        return result;
    }

    /** The {@code limit} smallest of {@code timestamps} (distinct), sorted: a full rebuild. */
    public static long[] smallest(Iterable<Long> timestamps, int limit) {
        PriorityQueue<Long> largestFirst = new PriorityQueue<>(limit + 1, (a, b) -> b.compareTo(a));
        for (Long timestamp : timestamps) {
            if (largestFirst.size() < limit) {
                largestFirst.add(timestamp);
            } else if (timestamp < largestFirst.peek()) {
                largestFirst.poll();
                largestFirst.add(timestamp);
            }
        }
        long[] result = new long[largestFirst.size()];
        for (int i = result.length - 1; i >= 0; i--) {
            result[i] = largestFirst.poll();
        }
        return result;
    }
}
