package dev.keyflow.core.internal;

import dev.keyflow.core.Deduplicator;
import dev.keyflow.core.ErrorReason;
import dev.keyflow.core.ErrorStage;
import dev.keyflow.core.EventTimeExtractor;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import javax.annotation.Nullable;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The deduplicator (see {@link Deduplicator} for the contract).
 *
 * <p>State per key: {@code seen}, dedup key to the exclusive end of its window, and {@code
 * expiring}, cleanup slot to the dedup keys whose windows end in that slot. One timer per slot (in
 * the deduplicator's time domain) removes the entries whose window has ended by then; a dedup key
 * whose window was renewed in the meantime is kept, since it is listed in a later slot as well.
 */
public final class DeduplicatorFunction<K, T> extends KeyedProcessFunction<K, T, T> {

    private static final long serialVersionUID = 1L;

    private final Deduplicator<T> spec;
    @Nullable private final EventTimeExtractor<T> extractor;
    private final boolean eventTime;
    private final long windowMillis;
    private final long slotMillis;

    private transient MapState<String, Long> seen;
    private transient MapState<Long, List<String>> expiring;
    private transient ElementErrors<T> errors;
    private transient Counter passed;
    private transient Counter duplicates;
    private transient Counter late;

    public DeduplicatorFunction(Deduplicator<T> spec) {
        this.spec = spec;
        this.extractor = spec.eventTime().orElse(null);
        this.eventTime = spec.timeDomain() == Deduplicator.TimeDomain.EVENT_TIME;
        this.windowMillis = spec.window().toMillis();
        this.slotMillis = Math.max(1, spec.cleanupGranularity().toMillis());
    }

    @Override
    public void open(OpenContext openContext) {
        seen =
                getRuntimeContext()
                        .getMapState(new MapStateDescriptor<>("seen", Types.STRING, Types.LONG));
        expiring =
                getRuntimeContext()
                        .getMapState(
                                new MapStateDescriptor<>(
                                        "expiring", Types.LONG, Types.LIST(Types.STRING)));
        MetricGroup operatorGroup = getRuntimeContext().getMetricGroup();
        errors = new ElementErrors<>(ErrorStage.DEDUPLICATION, spec.errorDetails(), operatorGroup);
        MetricGroup group = operatorGroup.addGroup("keyflow").addGroup("dedup");
        passed = group.counter("passed");
        duplicates = group.counter("duplicates");
        late = group.counter("late");
    }

    @Override
    public void processElement(T element, Context ctx, Collector<T> out) throws Exception {
        TimerService timers = ctx.timerService();
        long now = timers.currentProcessingTime();
        String dedupKey;
        try {
            dedupKey = spec.dedupKey().getKey(element);
        } catch (Exception e) {
            fail(element, ctx, ErrorReason.PROCESSING_FAILED, "dedupKey threw " + e, now);
            return;
        }
        if (dedupKey == null) {
            fail(element, ctx, ErrorReason.PROCESSING_FAILED, "dedupKey returned null", now);
            return;
        }
        long time = now;
        if (eventTime) {
            try {
                time = eventTimeOf(element, ctx.timestamp());
            } catch (RuntimeException e) {
                fail(element, ctx, ErrorReason.PROCESSING_FAILED, "eventTime threw " + e, now);
                return;
            }
            if (time == Emit.NO_TIMESTAMP) {
                fail(
                        element,
                        ctx,
                        ErrorReason.EVENT_TIME_INVALID,
                        "the element has no timestamp: neither the eventTime extractor nor the"
                                + " record gives one",
                        now);
                return;
            }
            if (time <= timers.currentWatermark()) {
                late.inc();
            }
        }
        Long windowEnd = seen.get(dedupKey);
        if (windowEnd != null
                && time <= saturatedAdd(saturatedAdd(windowEnd, -windowMillis), -windowMillis)) {
            // In event time an element can arrive after a newer occurrence of its dedup key:
            // one more than a window older than that occurrence is not its duplicate. It passes
            // without replacing the newer occurrence's window.
            passed.inc();
            out.collect(element);
            return;
        }
        if (windowEnd != null && time < windowEnd) {
            duplicates.inc();
            if (spec.reportDuplicates()) {
                fail(
                        element,
                        ctx,
                        ErrorReason.DUPLICATE,
                        "dedup key "
                                + dedupKey
                                + " was seen in a window ending at "
                                + windowEnd
                                + " ("
                                + spec.timeDomain()
                                + ")",
                        now);
            }
            return;
        }
        long end = saturatedAdd(time, windowMillis);
        seen.put(dedupKey, end);
        long slot = slotOf(end);
        List<String> keys = expiring.get(slot);
        if (keys == null) {
            keys = new ArrayList<>(1);
            if (eventTime) {
                timers.registerEventTimeTimer(slot);
            } else {
                timers.registerProcessingTimeTimer(slot);
            }
        }
        keys.add(dedupKey);
        expiring.put(slot, keys);
        passed.inc();
        out.collect(element);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<T> out) throws Exception {
        List<String> keys = expiring.get(timestamp);
        if (keys == null) {
            return;
        }
        for (String dedupKey : keys) {
            Long windowEnd = seen.get(dedupKey);
            if (windowEnd != null && windowEnd <= timestamp) {
                seen.remove(dedupKey);
            }
        }
        expiring.remove(timestamp);
    }

    private void fail(T element, Context ctx, ErrorReason reason, String message, long now) {
        errors.emit(reason, message, element, ctx.getCurrentKey(), now, ctx::output);
    }

    private long eventTimeOf(T element, @Nullable Long recordTimestamp) {
        if (extractor != null) {
            OptionalLong time = extractor.eventTime(element);
            if (time.isPresent()) {
                return time.getAsLong();
            }
        }
        return recordTimestamp == null ? Emit.NO_TIMESTAMP : recordTimestamp;
    }

    /** The cleanup slot of a window end: rounded up to the granularity. */
    long slotOf(long windowEnd) {
        long slots = -Math.floorDiv(-windowEnd, slotMillis);
        return slots > Long.MAX_VALUE / slotMillis ? Long.MAX_VALUE : slots * slotMillis;
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        if (((a ^ sum) & (b ^ sum)) < 0) {
            return b > 0 ? Long.MAX_VALUE : Long.MIN_VALUE;
        }
        return sum;
    }
}
