package dev.keyflow.state;

import dev.keyflow.core.ErrorRecord;
import dev.keyflow.core.async.ApplyContext;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * The operator-thread side of the per-key ("CEP") state: appends an {@link Outcome}'s mutations to
 * the key's {@link EventLog} and stamps each mutation and each command with {@code (key,
 * sequence)}, the idempotency key used downstream. Called from the keyed async operator's {@code
 * apply}, or from any keyed function.
 *
 * <pre>{@code
 * class Decide extends KeyedAsyncFunction<String, Envelope, Account, Outcome<Booking, Command>,
 *         Stamped<Command>> {
 *     private transient StateAppender<Account, Booking> state;
 *
 *     public void open(OpenContext ctx) { state = StateAppender.open(LOG, getRuntimeContext()); }
 *     public Account readState(Envelope e, ReadContext<String> ctx) throws Exception {
 *         return state.log().load();                          // snapshot + bounded replay
 *     }
 *     public CompletionStage<Outcome<Booking, Command>> process(Envelope e, Account a, AsyncContext c) {
 *         return enrich(e).thenApply(x -> decide(a, e, x));     // pure business logic
 *     }
 *     public void apply(Envelope e, Outcome<Booking, Command> o,
 *                       ApplyContext<String, Stamped<Command>> ctx) throws Exception {
 *         state.appendAndEmit(ctx, o);                         // append, stamp, emit
 *     }
 * }
 * }</pre>
 *
 * <p><b>What is stamped.</b> Each mutation gets its event log sequence number (1, 2, 3, ... per
 * key). Each command gets the next number of the key's command counter, a {@code ValueState<Long>}
 * named {@code <log name>.commands}, also 1, 2, 3, ... per key, so that an outcome with commands
 * but no mutations still gets fresh stamps. Both counters live in keyed state next to the log, so
 * after a restore an input that is processed again (the keyed async operator re-runs pending
 * elements) gets exactly the stamps it would have got the first time: downstream can drop repeats
 * by {@link Stamped#idempotencyKey()}.
 *
 * <p>Must run on the operator thread with the key set (never in the async part). Not thread-safe.
 *
 * @param <S> the folded state type
 * @param <M> the mutation type
 */
public final class StateAppender<S, M> {

    private final EventLogState<S, M> log;
    private final ValueState<Long> commands;

    private StateAppender(EventLogState<S, M> log, ValueState<Long> commands) {
        this.log = log;
        this.commands = commands;
    }

    /** Opens the appender on the keyed state of {@code context}; call it in {@code open}. */
    public static <S, M> StateAppender<S, M> open(EventLog<S, M> log, RuntimeContext context) {
        return open(log, context, InstantSource.system());
    }

    /** Opens the appender with the given clock for the log's entries. */
    public static <S, M> StateAppender<S, M> open(
            EventLog<S, M> log, RuntimeContext context, InstantSource clock) {
        Objects.requireNonNull(log, "log");
        Objects.requireNonNull(context, "context");
        return new StateAppender<>(
                log.open(context, clock),
                context.getState(new ValueStateDescriptor<>(log.name() + ".commands", Types.LONG)));
    }

    /** The event log of the current key: for {@code readState}, reads and {@code load()}. */
    public EventLogState<S, M> log() {
        return log;
    }

    /**
     * Appends the outcome's mutations to the current key's log and stamps them and its commands
     * with {@code key}. Errors are not touched (see {@link #appendAndEmit}).
     */
    public <C> Appended<M, C> append(Object key, Outcome<M, C> outcome) throws Exception {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(outcome, "outcome");
        String text = String.valueOf(key);
        List<Long> sequences = log.append(outcome.mutations());
        List<Stamped<M>> mutations = new ArrayList<>(sequences.size());
        for (int i = 0; i < sequences.size(); i++) {
            mutations.add(new Stamped<>(text, sequences.get(i), outcome.mutations().get(i)));
        }
        List<Stamped<C>> stampedCommands = new ArrayList<>(outcome.commands().size());
        if (!outcome.commands().isEmpty()) {
            Long last = commands.value();
            long next = last == null ? 0 : last;
            for (C command : outcome.commands()) {
                stampedCommands.add(new Stamped<>(text, ++next, command));
            }
            commands.update(next);
        }
        return new Appended<>(mutations, stampedCommands);
    }

    /**
     * Appends the outcome for the context's key, emits its stamped commands with {@code
     * ctx.collect} and its errors with {@code ctx.error}, and returns what was appended.
     */
    public <K, C> Appended<M, C> appendAndEmit(
            ApplyContext<K, Stamped<C>> ctx, Outcome<M, C> outcome) throws Exception {
        Objects.requireNonNull(ctx, "ctx");
        Appended<M, C> appended = append(ctx.currentKey(), outcome);
        for (Stamped<C> command : appended.commands()) {
            ctx.collect(command);
        }
        for (ErrorRecord error : outcome.errors()) {
            ctx.error(error);
        }
        return appended;
    }

    /** The last command sequence number of the current key; 0 if none. */
    public long currentCommandSequence() throws Exception {
        Long last = commands.value();
        return last == null ? 0 : last;
    }
}
