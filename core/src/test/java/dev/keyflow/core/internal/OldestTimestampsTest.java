package dev.keyflow.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The cache of a key's oldest timestamps keeps its invariant through adds and removals. */
class OldestTimestampsTest {

    @Test
    void aTimestampAddedToAnEmptyBufferIsTheWholeCache() {
        assertThat(OldestTimestamps.added(OldestTimestamps.UNKNOWN, 50, true, 4))
                .containsExactly(50);
        assertThat(OldestTimestamps.added(new long[] {1, 2}, 50, true, 4)).containsExactly(50);
    }

    @Test
    void unknownStaysUnknownWhileTheBufferIsNotEmpty() {
        assertThat(OldestTimestamps.added(OldestTimestamps.UNKNOWN, 5, false, 4)).isEmpty();
    }

    @Test
    void olderTimestampsAreInsertedInOrderAndTheNewestFallsOffAtTheLimit() {
        long[] cache = {10, 20, 30};
        assertThat(OldestTimestamps.added(cache, 15, false, 4)).containsExactly(10, 15, 20, 30);
        assertThat(OldestTimestamps.added(cache, 5, false, 3)).containsExactly(5, 10, 20);
        assertThat(cache).containsExactly(10, 20, 30);
    }

    @Test
    void timestampsBeyondTheCachedPrefixAreLeftOut() {
        // 40 may not be the fourth-oldest: newer timestamps that are not cached may exist.
        assertThat(OldestTimestamps.added(new long[] {10, 20, 30}, 40, false, 8))
                .containsExactly(10, 20, 30);
    }

    @Test
    void removalKeepsTheRestAndIgnoresUnknownTimestamps() {
        long[] cache = {10, 20, 30};
        assertThat(OldestTimestamps.removed(cache, 10)).containsExactly(20, 30);
        assertThat(OldestTimestamps.removed(cache, 20)).containsExactly(10, 30);
        assertThat(OldestTimestamps.removed(cache, 99)).isSameAs(cache);
        assertThat(OldestTimestamps.removed(new long[] {10}, 10)).isEmpty();
    }

    @Test
    void aRebuildTakesTheSmallestSorted() {
        assertThat(OldestTimestamps.smallest(List.of(50L, -3L, 20L, 90L, 10L), 3))
                .containsExactly(-3, 10, 20);
        assertThat(OldestTimestamps.smallest(List.of(7L), 3)).containsExactly(7);
        assertThat(OldestTimestamps.smallest(List.of(), 3)).isEmpty();
    }
}
