package dev.keyflow.core.internal;

import dev.keyflow.core.ErrorReason;
import dev.keyflow.core.ErrorStage;
import dev.keyflow.core.PauseCommand;
import dev.keyflow.core.PauseGate;
import dev.keyflow.core.PauseStatusChange;
import dev.keyflow.core.PauseStatusChange.Cause;
import dev.keyflow.core.PauseStatusChange.Status;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import javax.annotation.Nullable;
import org.apache.flink.annotation.VisibleForTesting;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The pause gate (see {@link PauseGate} for the contract). Input 1: events; input 2: commands.
 *
 * <p>State per key: {@code status}, a {@link GateKeyState} (only for keys that are paused or hold
 * events), and {@code held}, the held events in arrival order. Processing-time timers: one per
 * paused key with a maximum pause (deleted on resume), and during a fresh start's seed grace one
 * per key that holds events, at the end of the grace.
 */
public final class PauseGateFunction<T> extends KeyedCoProcessFunction<String, T, PauseCommand, T>
        implements CheckpointedFunction {

    private static final long serialVersionUID = 1L;

    /** The name of the status state, also read by tests that write older snapshots. */
    public static final String STATUS_STATE = "status";

    /** The name of the held-events state. */
    public static final String HELD_STATE = "held";

    private final PauseGate<T> spec;
    private final TypeInformation<T> eventType;
    @Nullable private final Long maxPauseMillis;
    private final long seedGraceMillis;

    private transient ValueState<GateKeyState> status;
    private transient ListState<Held<T>> held;
    private transient ElementErrors<T> errors;
    private transient PauseGateMetrics metrics;
    private transient long run;

    /** True when restored from a snapshot taken after the seed grace had ended. */
    private transient boolean seededBeforeRestore;

    private transient boolean seedWindowKnown;
    private transient long seedUntil;
    private transient long lastNow;

    /** Whether each subtask's seed grace had ended, in union operator state. */
    private transient ListState<Boolean> seedDone;

    public PauseGateFunction(PauseGate<T> spec, TypeInformation<T> eventType) {
        this.spec = spec;
        this.eventType = eventType;
        this.maxPauseMillis = spec.maxPause().map(Duration::toMillis).orElse(null);
        this.seedGraceMillis = spec.seedGrace().toMillis();
    }

    /** The descriptor of the status state. */
    public static ValueStateDescriptor<GateKeyState> statusDescriptor() {
        return new ValueStateDescriptor<>(STATUS_STATE, GateKeyState.TYPE);
    }

    /** The descriptor of the held-events state for events of {@code eventType}. */
    public static <T> ListStateDescriptor<Held<T>> heldDescriptor(TypeInformation<T> eventType) {
        return new ListStateDescriptor<>(HELD_STATE, Held.type(eventType));
    }

    /**
     * A restore skips the seed grace only if every subtask's grace had ended before the snapshot;
     * after a restore in the middle of seeding (or of an older snapshot, or of a gate new to the
     * job) the grace starts again, because the replay of the command topic is not complete yet.
     */
    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        seedDone =
                context.getOperatorStateStore()
                        .getUnionListState(new ListStateDescriptor<>("seed-done", Types.BOOLEAN));
        boolean any = false;
        boolean all = true;
        if (context.isRestored()) {
            for (Boolean done : seedDone.get()) {
                any = true;
                all &= done;
            }
        }
        seededBeforeRestore = context.isRestored() && any && all;
        lastNow = Long.MIN_VALUE; // field initializers do not run for a deserialized function
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        boolean done =
                seedGraceMillis == 0
                        || seededBeforeRestore
                        || (seedWindowKnown
                                && (seedUntil == GateKeyState.NONE || lastNow >= seedUntil));
        seedDone.update(List.of(done));
    }

    @Override
    public void open(OpenContext openContext) {
        status = getRuntimeContext().getState(statusDescriptor());
        held = getRuntimeContext().getListState(heldDescriptor(eventType));
        errors =
                new ElementErrors<>(
                        ErrorStage.PAUSE_GATE,
                        spec.errorDetails(),
                        getRuntimeContext().getMetricGroup());
        metrics = new PauseGateMetrics(getRuntimeContext().getMetricGroup());
        run = ThreadLocalRandom.current().nextLong();
    }

    @Override
    public void processElement1(T event, Context ctx, Collector<T> out) throws Exception {
        long now = ctx.timerService().currentProcessingTime();
        boolean seeding = inSeedGrace(now);
        GateKeyState state = releaseIfActive(load(), out, now);
        if (state.paused() || seeding) {
            state = hold(event, ctx, out, state, now, seeding);
        } else {
            Emit.at(out, event, timestampOf(ctx.timestamp()));
        }
        store(state);
    }

    @Override
    public void processElement2(PauseCommand command, Context ctx, Collector<T> out)
            throws Exception {
        long now = ctx.timerService().currentProcessingTime();
        GateKeyState state = releaseIfActive(load(), out, now);
        if (command.action() == PauseCommand.Action.PAUSE) {
            state = pause(command, ctx, state, now);
        } else if (state.paused()) {
            state =
                    resume(
                            state,
                            ctx,
                            out,
                            Cause.COMMAND,
                            command.reason(),
                            command.issuedBy(),
                            now);
        }
        store(state);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<T> out) throws Exception {
        // The timer's own time: a timer may fire a little before the clock reads it.
        long now = Math.max(ctx.timerService().currentProcessingTime(), timestamp);
        GateKeyState state = releaseIfActive(load(), out, now);
        if (state.paused()
                && state.resumeAt() != GateKeyState.NONE
                && state.resumeAt() <= timestamp) {
            state =
                    resume(
                            state,
                            ctx,
                            out,
                            Cause.MAX_PAUSE,
                            "paused for longer than " + spec.maxPause().orElseThrow(),
                            null,
                            now);
        }
        store(state);
    }

    private GateKeyState hold(
            T event, Context ctx, Collector<T> out, GateKeyState state, long now, boolean seeding)
            throws Exception {
        if (state.held() >= spec.maxBufferedPerKey()) {
            metrics.overflow.inc();
            if (spec.overflowPolicy() == PauseGate.OverflowPolicy.TO_ERRORS) {
                errors.emit(
                        ErrorReason.BUFFER_OVERFLOW,
                        "the key is "
                                + (state.paused() ? "paused" : "held while seeding")
                                + " and already holds "
                                + state.held()
                                + " events (maxBufferedPerKey)",
                        event,
                        ctx.getCurrentKey(),
                        now,
                        ctx::output);
                return state;
            }
            if (state.paused()) {
                state =
                        resume(
                                state,
                                ctx,
                                out,
                                Cause.OVERFLOW,
                                "the key holds " + state.held() + " events (maxBufferedPerKey)",
                                null,
                                now);
            }
            if (state.held() > 0) {
                state = release(state, out); // a key held while seeding, not paused
            }
            Emit.at(out, event, timestampOf(ctx.timestamp()));
            return state;
        }
        held.add(new Held<>(event, timestampOf(ctx.timestamp())));
        metrics.held.inc();
        metrics.heldEvents(1);
        if (seeding && !state.paused()) {
            ctx.timerService().registerProcessingTimeTimer(seedUntil);
        }
        return state.withHeld(state.held() + 1);
    }

    private GateKeyState pause(PauseCommand command, Context ctx, GateKeyState state, long now) {
        long resumeAt = GateKeyState.NONE;
        if (state.resumeAt() != GateKeyState.NONE) {
            ctx.timerService().deleteProcessingTimeTimer(state.resumeAt());
        }
        if (maxPauseMillis != null) {
            resumeAt = saturatedAdd(command.time(), maxPauseMillis);
            ctx.timerService().registerProcessingTimeTimer(resumeAt);
        }
        if (state.paused()) {
            // Already paused: keep it so, with the newer command's reason and deadline.
            return new GateKeyState(
                    true,
                    state.since(),
                    command.reason(),
                    command.issuedBy(),
                    resumeAt,
                    state.held(),
                    run);
        }
        metrics.paused.inc();
        metrics.pausedKeys(1);
        ctx.output(
                PauseGate.STATUS_CHANGES,
                new PauseStatusChange(
                        ctx.getCurrentKey(),
                        Status.PAUSED,
                        now,
                        Cause.COMMAND,
                        command.reason(),
                        command.issuedBy(),
                        state.held()));
        return new GateKeyState(
                true, now, command.reason(), command.issuedBy(), resumeAt, state.held(), run);
    }

    /** Makes a paused key active and releases what it holds (not while seeding, unless forced). */
    private GateKeyState resume(
            GateKeyState state,
            Context ctx,
            Collector<T> out,
            Cause cause,
            @Nullable String reason,
            @Nullable String issuedBy,
            long now)
            throws Exception {
        if (state.resumeAt() != GateKeyState.NONE) {
            ctx.timerService().deleteProcessingTimeTimer(state.resumeAt());
        }
        if (cause == Cause.COMMAND) {
            metrics.resumed.inc();
        } else {
            metrics.autoResumed.inc();
        }
        metrics.pausedKeys(-1);
        // An overflow releases at once even while seeding: the event must not be lost.
        boolean releaseNow = cause == Cause.OVERFLOW || !inSeedGrace(now);
        ctx.output(
                PauseGate.STATUS_CHANGES,
                new PauseStatusChange(
                        ctx.getCurrentKey(),
                        Status.ACTIVE,
                        now,
                        cause,
                        reason,
                        issuedBy,
                        releaseNow ? state.held() : 0));
        GateKeyState active = GateKeyState.active(run).withHeld(state.held());
        if (!releaseNow) {
            ctx.timerService().registerProcessingTimeTimer(seedUntil);
            return active;
        }
        return active.held() > 0 ? release(active, out) : active;
    }

    /**
     * Drain first: an active key that holds events (a seed grace that ended, state from an older
     * snapshot) releases them before anything else happens to it.
     */
    private GateKeyState releaseIfActive(GateKeyState state, Collector<T> out, long now)
            throws Exception {
        return !state.paused() && state.held() > 0 && !inSeedGrace(now)
                ? release(state, out)
                : state;
    }

    /** Emits every held event in arrival order, with its own timestamp. */
    private GateKeyState release(GateKeyState state, Collector<T> out) throws Exception {
        int released = 0;
        Iterable<Held<T>> events = held.get();
        if (events != null) {
            for (Held<T> event : events) {
                Emit.at(out, event.value(), event.timestamp());
                released++;
            }
        }
        held.clear();
        metrics.released.inc(released);
        metrics.heldEvents(-state.held());
        return state.withHeld(0);
    }

    private boolean inSeedGrace(long now) {
        lastNow = Math.max(lastNow, now);
        if (!seedWindowKnown) {
            seedWindowKnown = true;
            seedUntil =
                    seededBeforeRestore || seedGraceMillis == 0
                            ? GateKeyState.NONE
                            : saturatedAdd(now, seedGraceMillis);
        }
        return seedUntil != GateKeyState.NONE && now < seedUntil;
    }

    /**
     * The key's state; a key last touched by an earlier run (a restore) is added to the gauges now,
     * once.
     */
    private GateKeyState load() throws Exception {
        GateKeyState state = status.value();
        if (state == null) {
            return GateKeyState.active(run);
        }
        if (state.run() != run) {
            metrics.pausedKeys(state.paused() ? 1 : 0);
            metrics.heldEvents(state.held());
            state = state.withRun(run);
            status.update(state);
        }
        return state;
    }

    private void store(GateKeyState state) throws Exception {
        if (state.isEmpty()) {
            status.clear();
        } else {
            status.update(state);
        }
    }

    private static long timestampOf(@Nullable Long recordTimestamp) {
        return recordTimestamp == null ? Emit.NO_TIMESTAMP : recordTimestamp;
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
    }

    /** The metrics of this instance (opened), for tests of the values they report. */
    @VisibleForTesting
    public Optional<PauseGateMetrics> metrics() {
        return Optional.ofNullable(metrics);
    }
}
