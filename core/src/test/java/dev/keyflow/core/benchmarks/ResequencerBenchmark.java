package dev.keyflow.core.benchmarks;

import dev.keyflow.core.Envelope;
import dev.keyflow.core.KeyflowOutputs;
import dev.keyflow.core.KeyflowTypes;
import dev.keyflow.core.Origin;
import dev.keyflow.core.Resequencer;
import dev.keyflow.core.testutils.KeyflowHarnesses;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
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
 * Cost per event of putting each key's envelopes back into event-time order: keyflow's {@link
 * Resequencer} (a {@code MapState} from timestamp to events, one timer per distinct timestamp, no
 * scan per event) beside the naive way, a {@code KeyedProcessFunction} that buffers in a {@code
 * ListState} and, on each event-time timer, reads the key's whole buffer, sorts it and writes back
 * what is not yet due. See docs/benchmarks/micro.md.
 *
 * <p>Workload: event time advances 1 ms per event; each event is late by a random 0-5 s (the bound
 * of {@code KeyflowWatermarks}' default), so about 5 000 events are buffered at any time, spread
 * over {@code keys} keys; a watermark (largest timestamp seen minus 5 s) follows every {@value
 * #WATERMARK_EVERY} events. Both operators run in Flink's keyed operator harness on the heap state
 * backend; the harness's copy of every output record is part of both figures.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ResequencerBenchmark {

    static final int BATCH = 1_000;
    static final int WATERMARK_EVERY = 100;
    static final long OUT_OF_ORDERNESS = 5_000;

    /** Keys the events are spread over: ~500 or ~5 events buffered per key. */
    @Param({"10", "1000"})
    public int keys;

    private KeyedOneInputStreamOperatorTestHarness<String, Envelope, Envelope> resequencer;
    private KeyedOneInputStreamOperatorTestHarness<String, Envelope, Envelope> naive;
    private final long[] lateness = new long[BATCH];
    private String[] keyNames;
    private final byte[] payload =
            "<Order id='1'><Amount currency='EUR'>12.50</Amount></Order>"
                    .getBytes(StandardCharsets.UTF_8);
    private final Origin origin = new Origin("input", 0, 0, 0);
    private long base;
    private long maxTimestamp = Long.MIN_VALUE;

    @Setup
    public void setUp() throws Exception {
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < BATCH; i++) {
            lateness[i] = random.nextLong(OUT_OF_ORDERNESS);
        }
        keyNames = new String[keys];
        for (int k = 0; k < keys; k++) {
            keyNames[k] = "key-" + k;
        }
        resequencer =
                KeyflowHarnesses.resequencer(
                        Resequencer.forEnvelopes().build(),
                        Envelope::key,
                        Types.STRING,
                        KeyflowTypes.ENVELOPE);
        resequencer.open();
        naive = KeyflowHarnesses.keyed(new SortOnTimer(), Envelope::key, Types.STRING);
        naive.open();
    }

    @TearDown
    public void tearDown() throws Exception {
        var errors = resequencer.getSideOutput(KeyflowOutputs.ERRORS);
        if (errors != null && !errors.isEmpty()) {
            throw new IllegalStateException(
                    errors.size() + " events became errors (late?): the workload is wrong");
        }
        resequencer.close();
        naive.close();
    }

    /** keyflow's resequencer. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int resequencer() throws Exception {
        return run(resequencer);
    }

    /** Naive: ListState buffer, sorted on every event-time timer. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int listStateSortOnTimer() throws Exception {
        return run(naive);
    }

    private int run(KeyedOneInputStreamOperatorTestHarness<String, Envelope, Envelope> harness)
            throws Exception {
        for (int i = 0; i < BATCH; i++) {
            long timestamp = base + i + OUT_OF_ORDERNESS - lateness[i];
            maxTimestamp = Math.max(maxTimestamp, timestamp);
            Envelope event =
                    new Envelope(keyNames[(i * 7) % keys], timestamp, payload, List.of(), origin);
            harness.processElement(event, timestamp);
            if (i % WATERMARK_EVERY == WATERMARK_EVERY - 1) {
                harness.processWatermark(maxTimestamp - OUT_OF_ORDERNESS - 1);
            }
        }
        base += BATCH;
        int emitted = harness.getOutput().size();
        harness.getOutput().clear();
        return emitted;
    }

    /** The naive resequencer: buffer in a list, sort it whenever a timer fires. */
    static final class SortOnTimer extends KeyedProcessFunction<String, Envelope, Envelope> {
        private static final long serialVersionUID = 1L;
        private static final Comparator<Tuple2<Long, Envelope>> BY_TIME =
                Comparator.comparingLong(t -> t.f0);

        private transient ListState<Tuple2<Long, Envelope>> buffer;

        @Override
        public void open(OpenContext openContext) {
            buffer =
                    getRuntimeContext()
                            .getListState(
                                    new ListStateDescriptor<>(
                                            "buffer",
                                            Types.TUPLE(Types.LONG, KeyflowTypes.ENVELOPE)));
        }

        @Override
        public void processElement(Envelope value, Context ctx, Collector<Envelope> out)
                throws Exception {
            long timestamp = ctx.timestamp();
            buffer.add(Tuple2.of(timestamp, value));
            ctx.timerService().registerEventTimeTimer(timestamp);
        }

        @Override
        public void onTimer(long timestamp, OnTimerContext ctx, Collector<Envelope> out)
                throws Exception {
            List<Tuple2<Long, Envelope>> all = new ArrayList<>();
            for (Tuple2<Long, Envelope> t : buffer.get()) {
                all.add(t);
            }
            all.sort(BY_TIME); // stable: equal timestamps keep their arrival order
            List<Tuple2<Long, Envelope>> rest = new ArrayList<>();
            for (Tuple2<Long, Envelope> t : all) {
                if (t.f0 <= timestamp) {
                    out.collect(t.f1);
                } else {
                    rest.add(t);
                }
            }
            buffer.update(rest);
        }
    }
}
