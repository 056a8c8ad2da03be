package dev.keyflow.core.async;

import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;

/** The operator-thread context in which an element's state view is read. */
public interface ReadContext<K> {

    /** The key of the element; keyed state reads and writes use it. */
    K currentKey();

    /** See {@link AsyncContext#idempotencyKey()}. */
    String idempotencyKey();

    /**
     * Read-only access to broadcast state; only in the broadcast variant of the operator.
     *
     * @throws UnsupportedOperationException in the one-input variant
     */
    <BK, BV> ReadOnlyBroadcastState<BK, BV> broadcastState(MapStateDescriptor<BK, BV> descriptor)
            throws Exception;
}
