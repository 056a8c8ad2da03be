package dev.keyflow.core.internal;

import dev.keyflow.core.ErrorReason;
import dev.keyflow.core.ErrorStage;
import dev.keyflow.core.EventTimeExtractor;
import dev.keyflow.core.Resequenced;
import dev.keyflow.core.Resequenced.Release;
import dev.keyflow.core.Resequencer;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.ThreadLocalRandom;
import javax.annotation.Nullable;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The resequencer (see {@link Resequencer} for the contract).
 *
 * <p>State per key: {@code buffer}, a map from timestamp to the events with that timestamp in
 * arrival order, and {@code key-state}, a {@link ResequencerKeyState}. Each distinct buffered
 * timestamp has one event-time timer, registered when the timestamp is first buffered; when it
 * fires, that timestamp's events are emitted and its entry removed. A key whose buffer is empty has
 * no state and no timers left.
 *
 * @param <OUT> the output: the event itself or a {@link Resequenced} wrapper
 */
public final class ResequencerFunction<K, T, OUT> extends KeyedProcessFunction<K, T, OUT>
        implements CheckpointedFunction {

    /**
     * Flink does not restore watermarks: after a failover the watermark starts again from the
     * beginning, and without this a straggler older than events already released would be buffered
     * and emitted out of order. The last watermark each subtask saw is kept in union operator
     * state; after a restore the smallest of them (safe after rescaling) is the floor of the late
     * check until the real watermark passes it.
     */
    private transient ListState<Long> watermarks;

    private transient long watermarkFloor;
    private transient long lastWatermark;

    private static final long serialVersionUID = 1L;

    /** Turns a released event into the operator's output. */
    @FunctionalInterface
    interface Wrapper<T, OUT> extends Serializable {
        OUT wrap(T value, long timestamp, Release release);
    }

    private final Resequencer<T> spec;
    @Nullable private final EventTimeExtractor<T> extractor;
    private final TypeInformation<T> eventType;
    private final Wrapper<T, OUT> wrapper;

    private transient MapState<Long, List<Buffered<T>>> buffer;
    private transient ValueState<ResequencerKeyState> keyState;
    private transient ElementErrors<T> errors;
    private transient ResequencerMetrics metrics;
    private transient long run;

    private ResequencerFunction(
            Resequencer<T> spec, TypeInformation<T> eventType, Wrapper<T, OUT> wrapper) {
        this.spec = spec;
        this.extractor = spec.eventTime().orElse(null);
        this.eventType = eventType;
        this.wrapper = wrapper;
    }

    /** Emits the events themselves. */
    public static <K, T> ResequencerFunction<K, T, T> plain(
            Resequencer<T> spec, TypeInformation<T> eventType) {
        return new ResequencerFunction<>(spec, eventType, (value, timestamp, release) -> value);
    }

    /** Emits each event wrapped with its timestamp and how it was released. */
    public static <K, T> ResequencerFunction<K, T, Resequenced<T>> marked(
            Resequencer<T> spec, TypeInformation<T> eventType) {
        return new ResequencerFunction<>(spec, eventType, Resequenced::new);
    }

    @Override
    public void open(OpenContext openContext) {
        buffer =
                getRuntimeContext()
                        .getMapState(
                                new MapStateDescriptor<>(
                                        "buffer", Types.LONG, Buffered.listType(eventType)));
        keyState =
                getRuntimeContext()
                        .getState(
                                new ValueStateDescriptor<>("key-state", ResequencerKeyState.TYPE));
        errors =
                new ElementErrors<>(
                        ErrorStage.RESEQUENCING,
                        spec.errorDetails(),
                        getRuntimeContext().getMetricGroup());
        metrics = new ResequencerMetrics(getRuntimeContext().getMetricGroup());
        run = ThreadLocalRandom.current().nextLong();
    }

    @Override
    public void processElement(T event, Context ctx, Collector<OUT> out) throws Exception {
        long now = ctx.timerService().currentProcessingTime();
        long timestamp;
        try {
            timestamp = timestampOf(event, ctx.timestamp());
        } catch (RuntimeException e) {
            fail(
                    event,
                    ctx,
                    ErrorReason.PROCESSING_FAILED,
                    "eventTime extractor " + extractor.getClass().getName() + " threw " + e,
                    now);
            return;
        }
        if (timestamp == Emit.NO_TIMESTAMP) {
            fail(
                    event,
                    ctx,
                    ErrorReason.EVENT_TIME_INVALID,
                    "the event has no timestamp: neither the eventTime extractor nor the record"
                            + " gives one",
                    now);
            return;
        }
        ResequencerKeyState state = load();
        long watermark = seen(ctx.timerService().currentWatermark());
        if (timestamp <= watermark) {
            late(
                    event,
                    timestamp,
                    ctx,
                    out,
                    "event time " + timestamp + " is at or below the watermark " + watermark,
                    now);
            return;
        }
        if (timestamp < state.releasedUpTo()) {
            late(
                    event,
                    timestamp,
                    ctx,
                    out,
                    "event time "
                            + timestamp
                            + " is older than "
                            + state.releasedUpTo()
                            + ", which this key released early because its buffer was full",
                    now);
            return;
        }
        if (state.count() >= spec.maxBufferedPerKey()) {
            metrics.overflow.inc();
            if (spec.overflowPolicy() == Resequencer.OverflowPolicy.TO_ERRORS) {
                fail(
                        event,
                        ctx,
                        ErrorReason.BUFFER_OVERFLOW,
                        "the key already holds " + state.count() + " events (maxBufferedPerKey)",
                        now);
                return;
            }
            state = add(state, event, timestamp, now, ctx);
            while (state.count() > spec.maxBufferedPerKey()) {
                state = releaseOldest(state, out);
            }
        } else {
            state = add(state, event, timestamp, now, ctx);
        }
        store(state);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<OUT> out) throws Exception {
        seen(ctx.timerService().currentWatermark());
        ResequencerKeyState state = load();
        List<Buffered<T>> events = buffer.get(timestamp);
        long releasedUpTo = state.releasedUpTo();
        if (releasedUpTo != ResequencerKeyState.NONE && releasedUpTo <= timestamp) {
            // The watermark has passed everything released early: lateness is the watermark's now.
            releasedUpTo = ResequencerKeyState.NONE;
        }
        int count = state.count();
        long[] oldest = state.oldest();
        if (events != null) {
            // null when the events of this timestamp were released early; the timer was kept.
            buffer.remove(timestamp);
            long now = ctx.timerService().currentProcessingTime();
            for (Buffered<T> event : events) {
                Emit.at(out, wrapper.wrap(event.value(), timestamp, Release.ON_TIME), timestamp);
                metrics.releaseDelay.update(Math.max(0, now - event.arrivalTime()));
            }
            metrics.buffered(-events.size());
            count -= events.size();
            oldest = OldestTimestamps.removed(oldest, timestamp);
        }
        store(new ResequencerKeyState(count, releasedUpTo, oldest, run));
    }

    private ResequencerKeyState add(
            ResequencerKeyState state, T event, long timestamp, long now, Context ctx)
            throws Exception {
        List<Buffered<T>> events = buffer.get(timestamp);
        long[] oldest = state.oldest();
        if (events == null) {
            events = new ArrayList<>(1);
            ctx.timerService().registerEventTimeTimer(timestamp);
            oldest =
                    OldestTimestamps.added(
                            oldest, timestamp, state.count() == 0, Resequencer.OLDEST_CACHE_SIZE);
        }
        events.add(new Buffered<>(event, now));
        buffer.put(timestamp, events);
        metrics.buffered(1);
        return new ResequencerKeyState(state.count() + 1, state.releasedUpTo(), oldest, run);
    }

    /**
     * Emits the events of the key's oldest timestamp before the watermark reaches them. Their timer
     * stays registered: it fires as a no-op and clears the early-release mark.
     */
    private ResequencerKeyState releaseOldest(ResequencerKeyState state, Collector<OUT> out)
            throws Exception {
        long[] oldest = state.oldest();
        if (oldest.length == 0) {
            oldest = OldestTimestamps.smallest(buffer.keys(), Resequencer.OLDEST_CACHE_SIZE);
        }
        long timestamp = oldest[0];
        List<Buffered<T>> events = buffer.get(timestamp);
        buffer.remove(timestamp);
        for (Buffered<T> event : events) {
            Emit.at(out, wrapper.wrap(event.value(), timestamp, Release.EARLY), timestamp);
        }
        metrics.earlyReleased.inc(events.size());
        metrics.buffered(-events.size());
        return new ResequencerKeyState(
                state.count() - events.size(),
                Math.max(state.releasedUpTo(), timestamp),
                OldestTimestamps.removed(oldest, timestamp),
                run);
    }

    private void late(
            T event, long timestamp, Context ctx, Collector<OUT> out, String message, long now) {
        metrics.late.inc();
        if (spec.latePolicy() == Resequencer.LatePolicy.EMIT) {
            Emit.at(out, wrapper.wrap(event, timestamp, Release.LATE), timestamp);
        } else {
            fail(event, ctx, ErrorReason.LATE, message, now);
        }
    }

    private void fail(T event, Context ctx, ErrorReason reason, String message, long now) {
        errors.emit(reason, message, event, ctx.getCurrentKey(), now, ctx::output);
    }

    /** The effective watermark: the current one, but never below the restored floor. */
    private long seen(long currentWatermark) {
        long watermark = Math.max(currentWatermark, watermarkFloor);
        lastWatermark = Math.max(lastWatermark, watermark);
        return watermark;
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        watermarks =
                context.getOperatorStateStore()
                        .getUnionListState(
                                new ListStateDescriptor<>("resequencer-watermark", Types.LONG));
        // Set here, not by field initializers: those do not run for a deserialized function.
        watermarkFloor = Long.MIN_VALUE;
        lastWatermark = Long.MIN_VALUE;
        if (context.isRestored()) {
            long floor = Long.MAX_VALUE;
            for (Long watermark : watermarks.get()) {
                floor = Math.min(floor, watermark);
            }
            watermarkFloor = floor == Long.MAX_VALUE ? Long.MIN_VALUE : floor;
            lastWatermark = watermarkFloor;
        }
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        watermarks.update(List.of(lastWatermark));
    }

    private long timestampOf(T event, @Nullable Long recordTimestamp) {
        if (extractor != null) {
            OptionalLong eventTime = extractor.eventTime(event);
            if (eventTime.isPresent()) {
                return eventTime.getAsLong();
            }
        }
        return recordTimestamp == null ? Emit.NO_TIMESTAMP : recordTimestamp;
    }

    /**
     * The key's value; a key last touched by an earlier run (a restore) has its events added to the
     * buffered gauge now, once.
     */
    private ResequencerKeyState load() throws Exception {
        ResequencerKeyState state = keyState.value();
        if (state == null) {
            return ResequencerKeyState.empty(run);
        }
        if (state.run() != run) {
            metrics.buffered(state.count());
            state =
                    new ResequencerKeyState(
                            state.count(), state.releasedUpTo(), state.oldest(), run);
            keyState.update(state);
        }
        return state;
    }

    private void store(ResequencerKeyState state) throws Exception {
        if (state.isEmpty()) {
            keyState.clear();
        } else {
            keyState.update(state);
        }
    }
}
