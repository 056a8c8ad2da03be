package dev.keyflow.core.async;

import dev.keyflow.core.testutils.ControlledFutures;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * Records what it sees: per key it keeps the sequence numbers applied so far in keyed state, hands
 * that history to the async work, and emits {@code <id>=<result>|saw:<history>}.
 */
final class KeyedAsyncTestFunction
        extends KeyedAsyncFunction<String, Item, String, String, String> {

    private static final long serialVersionUID = 1L;
    static final TypeInformation<Item> ITEM = TypeInformation.of(Item.class);

    final transient ControlledFutures<String> calls;
    final transient Map<String, String> idempotencyKeys = new ConcurrentHashMap<>();
    final transient Map<String, Integer> attempts = new ConcurrentHashMap<>();
    private transient ValueState<String> history;
    private final boolean throwInProcess;
    private final boolean throwInApply;

    KeyedAsyncTestFunction(ControlledFutures<String> calls) {
        this(calls, false, false);
    }

    KeyedAsyncTestFunction(
            ControlledFutures<String> calls, boolean throwInProcess, boolean throwInApply) {
        this.calls = calls;
        this.throwInProcess = throwInProcess;
        this.throwInApply = throwInApply;
    }

    @Override
    public void open(OpenContext openContext) {
        history = getRuntimeContext().getState(new ValueStateDescriptor<>("history", Types.STRING));
    }

    @Override
    public String readState(Item item, ReadContext<String> ctx) throws Exception {
        String h = history.value();
        return h == null ? "" : h;
    }

    @Override
    public CompletionStage<String> process(Item item, String seen, AsyncContext ctx) {
        idempotencyKeys.put(item.id(), ctx.idempotencyKey());
        attempts.put(item.id(), ctx.attempt());
        if (throwInProcess && item.seq() == 1) {
            throw new IllegalStateException("process failed for " + item.id());
        }
        return calls.start(item.id()).thenApply(r -> r + "|saw:" + seen);
    }

    @Override
    public void apply(Item item, String result, ApplyContext<String, String> ctx) throws Exception {
        if (throwInApply && item.seq() == 1) {
            throw new IllegalArgumentException("apply failed for " + item.id());
        }
        String h = history.value();
        history.update(h == null ? String.valueOf(item.seq()) : h + "," + item.seq());
        ctx.collect(item.id() + "=" + result);
    }
}
