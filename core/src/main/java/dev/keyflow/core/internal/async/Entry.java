package dev.keyflow.core.internal.async;

import java.util.concurrent.ScheduledFuture;
import javax.annotation.Nullable;

/** One pending element: queued behind its key, in flight, or waiting for a retry. */
final class Entry<K, IN> {
    final K key;
    final IN element;
    final long timestamp;
    final boolean hasTimestamp;
    final String idempotencyKey;
    final Epoch epoch;
    final long arrivedNanos;

    /** Attempts started so far. */
    int attempts;

    /** Identifies the running attempt; 0 when none runs (queued, or waiting for a retry). */
    long activeToken;

    /** When the running attempt times out (processing time, ms); 0 without a timeout. */
    long deadline;

    /** The retry timer, while the element waits for its next attempt. */
    @Nullable ScheduledFuture<?> timer;

    boolean done;

    Entry(
            K key,
            IN element,
            long timestamp,
            boolean hasTimestamp,
            String idempotencyKey,
            Epoch epoch,
            long arrivedNanos) {
        this.key = key;
        this.element = element;
        this.timestamp = timestamp;
        this.hasTimestamp = hasTimestamp;
        this.idempotencyKey = idempotencyKey;
        this.epoch = epoch;
        this.arrivedNanos = arrivedNanos;
    }

    void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
