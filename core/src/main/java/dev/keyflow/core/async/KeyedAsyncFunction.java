package dev.keyflow.core.async;

import dev.keyflow.core.Envelope;
import dev.keyflow.core.ErrorRecord;
import dev.keyflow.core.ErrorStage;
import java.util.concurrent.CompletionStage;
import javax.annotation.Nullable;
import org.apache.flink.api.common.functions.AbstractRichFunction;

/**
 * The user logic of the keyed async operator: per element, read a view of the key's state, do async
 * work off the operator thread, then apply the result to keyed state and emit.
 *
 * <pre>{@code
 * class Enrich extends KeyedAsyncFunction<String, Envelope, Long, Customer, Command> {
 *     private transient ValueState<Long> count;
 *
 *     public void open(OpenContext ctx) {
 *         count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Types.LONG));
 *     }
 *     public Long readState(Envelope e, ReadContext<String> ctx) throws Exception {
 *         return count.value();                              // operator thread, key set
 *     }
 *     public CompletionStage<Customer> process(Envelope e, Long seen, AsyncContext ctx) {
 *         return customers.fetch(e.key(), ctx.idempotencyKey()); // any thread
 *     }
 *     public void apply(Envelope e, Customer c, ApplyContext<String, Command> ctx) throws Exception {
 *         count.update(count.value() == null ? 1 : count.value() + 1);  // operator thread
 *         ctx.collect(new Command(e.key(), c));
 *     }
 * }
 * }</pre>
 *
 * <p>Guarantees (see {@link KeyedAsync}): per key one element at a time, in input order, each
 * {@code readState} seeing what the previous element's {@code apply} wrote; keys run concurrently.
 * Keyed state may be used in {@link #readState} and {@link #apply} only, never in {@link #process}
 * or in the callbacks of the future it returns. The state view should be an immutable value; the
 * async work must be idempotent, because after a restore the work of elements that were pending is
 * run again with the same {@link AsyncContext#idempotencyKey()}.
 *
 * @param <K> key type
 * @param <IN> input type
 * @param <S> the state view handed to the async work
 * @param <R> the result of the async work
 * @param <OUT> output type
 */
public abstract class KeyedAsyncFunction<K, IN, S, R, OUT> extends AbstractRichFunction {

    private static final long serialVersionUID = 1L;

    /**
     * Reads what the async work needs from keyed state. Runs on the operator thread with the
     * element's key set, right before {@link #process}. The default reads nothing.
     */
    @Nullable
    public S readState(IN element, ReadContext<K> ctx) throws Exception {
        return null;
    }

    /**
     * Starts the element's async work; must not block and must not touch keyed state. Throwing is
     * the same as returning a failed future.
     */
    public abstract CompletionStage<R> process(IN element, @Nullable S state, AsyncContext ctx)
            throws Exception;

    /** Applies a successful result: runs on the operator thread with the element's key set. */
    public abstract void apply(IN element, R result, ApplyContext<K, OUT> ctx) throws Exception;

    /**
     * Handles an element whose async work finally failed (no retry left, or not retryable). Runs on
     * the operator thread with the element's key set. The default emits an error record at stage
     * {@code PROCESSING} with the failure's reason, the attempts, the key and, for an {@link
     * Envelope}, its payload, headers and origin. Override it to compensate in state or to describe
     * other element types.
     */
    public void onFailure(IN element, AsyncFailure failure, ApplyContext<K, OUT> ctx)
            throws Exception {
        ErrorRecord.Builder error =
                ErrorRecord.builder(ErrorStage.PROCESSING, failure.reason())
                        .message(failure.message())
                        .attempt(failure.attempts())
                        .key(String.valueOf(ctx.currentKey()));
        if (element instanceof Envelope envelope) {
            error.fromEnvelope(envelope);
        }
        ctx.error(error.build());
    }
}
