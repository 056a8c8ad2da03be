package dev.keyflow.core.benchmarks;

import dev.keyflow.core.async.ApplyContext;
import dev.keyflow.core.async.AsyncContext;
import dev.keyflow.core.async.KeyedAsync;
import dev.keyflow.core.async.KeyedAsyncFunction;
import dev.keyflow.core.async.ReadContext;
import dev.keyflow.core.testutils.KeyedAsyncHarness;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import javax.annotation.Nullable;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.async.AsyncFunction;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.operators.async.AsyncWaitOperatorFactory;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.Collector;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What the keyed async operator costs per element when the async work itself costs nothing (a
 * future that is already complete): keyflow's {@link KeyedAsync} beside Flink's {@code
 * AsyncWaitOperator} ({@code orderedWait} and {@code unorderedWait}) and beside a plain synchronous
 * {@code KeyedProcessFunction} doing the same work. Each runs in Flink's keyed operator harness;
 * async results come back as mails, which the benchmark runs after every batch of {@value #BATCH}
 * elements, as a task's mailbox loop would. See docs/benchmarks/micro.md.
 *
 * <p>The {@code *State} variants also read and write a {@code ValueState<Long>} per element (in
 * {@code readState}/{@code apply}, or in {@code processElement}), which the keyed operator exists
 * for and {@code AsyncFunction} cannot do. Capacity 1 000 and timeout 30 s for every async variant
 * (the timeout is never reached; {@code AsyncWaitOperator} registers a timer per element for it,
 * keyflow one per subtask). After every batch the harness's processing time moves on by the
 * timeout, so that the timers of completed elements leave the timer queue as they would in a task.
 * With {@code keys=10} a batch holds ten elements per key, so keyflow queues nine behind the first
 * of each key and starts each one when its predecessor is applied.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class KeyedAsyncOverheadBenchmark {

    static final int BATCH = 100;
    static final int CAPACITY = 1_000;
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** Keys the elements rotate over. */
    @Param({"10", "1000"})
    public int keys;

    /** A small element. */
    public record Element(String key, long value) {}

    static final TypeInformation<Element> ELEMENT = TypeInformation.of(Element.class);

    /** The operator measured. */
    public enum Variant {
        /** keyflow's keyed async operator, completed future, no state. */
        KEYED_ASYNC,
        /** keyflow's keyed async operator, with a ValueState read and written. */
        KEYED_ASYNC_STATE,
        /** Flink's AsyncWaitOperator, ordered (AsyncDataStream.orderedWait). */
        ORDERED_WAIT,
        /** Flink's AsyncWaitOperator, unordered (AsyncDataStream.unorderedWait). */
        UNORDERED_WAIT,
        /** A synchronous KeyedProcessFunction doing the same work inline. */
        SYNC,
        /** A synchronous KeyedProcessFunction, with the ValueState read and written. */
        SYNC_STATE
    }

    @Param({
        "KEYED_ASYNC",
        "KEYED_ASYNC_STATE",
        "ORDERED_WAIT",
        "UNORDERED_WAIT",
        "SYNC",
        "SYNC_STATE"
    })
    public Variant variant;

    private KeyedOneInputStreamOperatorTestHarness<String, Element, Long> harness;
    private Element[] elements;
    private int next;
    private long processingTime;

    @Setup
    public void setUp() throws Exception {
        elements = new Element[keys * 10];
        for (int i = 0; i < elements.length; i++) {
            elements[i] = new Element("key-" + (i % keys), i);
        }
        harness =
                switch (variant) {
                    case KEYED_ASYNC -> keyedAsync(new Completed(false));
                    case KEYED_ASYNC_STATE -> keyedAsync(new Completed(true));
                    case ORDERED_WAIT -> asyncWait(AsyncDataStream.OutputMode.ORDERED);
                    case UNORDERED_WAIT -> asyncWait(AsyncDataStream.OutputMode.UNORDERED);
                    case SYNC -> sync(false);
                    case SYNC_STATE -> sync(true);
                };
        harness.open();
    }

    @TearDown
    public void tearDown() throws Exception {
        harness.close();
    }

    /** One element through the variant's operator (a batch of {@value #BATCH}, then the mails). */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int perElement() throws Exception {
        for (int i = 0; i < BATCH; i++) {
            harness.processElement(elements[next], next);
            next = next + 1 == elements.length ? 0 : next + 1;
        }
        KeyedAsyncHarness.runMails(harness);
        // Let processing time pass the timeout: the test timer service only flags a cancelled
        // timer and keeps it queued until its time comes, so without this AsyncWaitOperator's
        // per-element timeout timers would pile up for ever.
        processingTime += TIMEOUT.toMillis() + 1;
        harness.setProcessingTime(processingTime);
        int emitted = harness.getOutput().size();
        if (emitted != BATCH) {
            throw new IllegalStateException(emitted + " outputs for " + BATCH + " elements");
        }
        harness.getOutput().clear();
        return emitted;
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, Element, Long> keyedAsync(
            Completed function) throws Exception {
        KeyedAsync<String, Element, Long> operator =
                KeyedAsync.builder(function)
                        .outputType(Types.LONG)
                        .capacity(CAPACITY)
                        .timeout(TIMEOUT)
                        .uid("bench-keyed-async")
                        .build();
        return KeyedAsyncHarness.create(operator, Element::key, Types.STRING, ELEMENT);
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, Element, Long> asyncWait(
            AsyncDataStream.OutputMode mode) throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new AsyncWaitOperatorFactory<>(
                        new CompletedAsyncFunction(), TIMEOUT.toMillis(), CAPACITY, mode),
                Element::key,
                Types.STRING,
                ELEMENT.createSerializer(new ExecutionConfig().getSerializerConfig()));
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, Element, Long> sync(
            boolean withState) throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new Sync(withState)), Element::key, Types.STRING);
    }

    /** keyflow's function: the result is there at once. */
    static final class Completed extends KeyedAsyncFunction<String, Element, Long, Long, Long> {
        private static final long serialVersionUID = 1L;
        private final boolean withState;
        private transient ValueState<Long> count;

        Completed(boolean withState) {
            this.withState = withState;
        }

        @Override
        public void open(OpenContext openContext) {
            count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Types.LONG));
        }

        @Override
        @Nullable
        public Long readState(Element element, ReadContext<String> ctx) throws Exception {
            return withState ? count.value() : null;
        }

        @Override
        public CompletionStage<Long> process(
                Element element, @Nullable Long seen, AsyncContext ctx) {
            return CompletableFuture.completedFuture(element.value() + 1);
        }

        @Override
        public void apply(Element element, Long result, ApplyContext<String, Long> ctx)
                throws Exception {
            if (withState) {
                Long seen = count.value();
                count.update(seen == null ? 1 : seen + 1);
            }
            ctx.collect(result);
        }
    }

    /** Flink's function: completes the result future in the call. */
    static final class CompletedAsyncFunction implements AsyncFunction<Element, Long> {
        private static final long serialVersionUID = 1L;

        @Override
        public void asyncInvoke(Element input, ResultFuture<Long> resultFuture) {
            resultFuture.complete(List.of(input.value() + 1));
        }
    }

    /** The same work, synchronously. */
    static final class Sync extends KeyedProcessFunction<String, Element, Long> {
        private static final long serialVersionUID = 1L;
        private final boolean withState;
        private transient ValueState<Long> count;

        Sync(boolean withState) {
            this.withState = withState;
        }

        @Override
        public void open(OpenContext openContext) {
            count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Types.LONG));
        }

        @Override
        public void processElement(Element value, Context ctx, Collector<Long> out)
                throws Exception {
            if (withState) {
                Long seen = count.value();
                count.update(seen == null ? 1 : seen + 1);
            }
            out.collect(value.value() + 1);
        }
    }
}
