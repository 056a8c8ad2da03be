package dev.keyflow.core.async;

import dev.keyflow.core.ErrorRecord;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.MapStateDescriptor;

/**
 * A {@link KeyedAsyncFunction} that also receives a broadcast stream, for example versioned rule
 * bundles: broadcast elements update broadcast state, which {@link #readState} and {@link #apply}
 * can read through their context.
 *
 * <p>A broadcast element is handled on the operator thread as it arrives; elements already in
 * flight keep the view they read before it. To know which version an element used, read it in
 * {@link #readState} and carry it in the state view.
 *
 * @param <B> broadcast element type
 */
public abstract class KeyedBroadcastAsyncFunction<K, IN, B, S, R, OUT>
        extends KeyedAsyncFunction<K, IN, S, R, OUT> {

    private static final long serialVersionUID = 1L;

    /** Handles a broadcast element; runs on the operator thread of every parallel instance. */
    public abstract void processBroadcast(B value, BroadcastContext ctx) throws Exception;

    /** Writable access to the broadcast state while a broadcast element is handled. */
    public interface BroadcastContext {
        <BK, BV> BroadcastState<BK, BV> broadcastState(MapStateDescriptor<BK, BV> descriptor)
                throws Exception;

        /**
         * Emits an error record about the broadcast element (for example a rejected rule bundle) on
         * {@link dev.keyflow.core.KeyflowOutputs#ERRORS}; every parallel instance sees the same
         * broadcast elements, so report from one instance only.
         */
        void error(ErrorRecord error);
    }
}
