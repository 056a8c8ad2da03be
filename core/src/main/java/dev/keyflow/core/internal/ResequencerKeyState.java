package dev.keyflow.core.internal;

import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * The resequencer's small per-key value next to its buffer.
 *
 * @param count events buffered for the key
 * @param releasedUpTo the newest timestamp released early, or {@link Long#MIN_VALUE}: events older
 *     than it can no longer be emitted in order; cleared once the watermark passes it
 * @param oldest the key's oldest buffered timestamps (see {@link OldestTimestamps})
 * @param run the run of the operator that last touched the key, for the buffered gauge
 */
public record ResequencerKeyState(int count, long releasedUpTo, long[] oldest, long run) {

    public static final long NONE = Long.MIN_VALUE;

    public static final TypeInformation<ResequencerKeyState> TYPE =
            TypeInformation.of(ResequencerKeyState.class);

    static ResequencerKeyState empty(long run) {
        return new ResequencerKeyState(0, NONE, OldestTimestamps.UNKNOWN, run);
    }

    boolean isEmpty() {
        return count == 0 && releasedUpTo == NONE;
    }
}
