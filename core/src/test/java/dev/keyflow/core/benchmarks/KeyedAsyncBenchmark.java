package dev.keyflow.core.benchmarks;

import dev.keyflow.core.async.ApplyContext;
import dev.keyflow.core.async.AsyncContext;
import dev.keyflow.core.async.KeyedAsync;
import dev.keyflow.core.async.KeyedAsyncFunction;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * Benchmark command (not a test): the keyed async operator against {@code
 * AsyncDataStream.orderedWait} and {@code unorderedWait} on a local MiniCluster, with the same
 * simulated I/O (5 ms, and 500 ms for 1% of the calls), the same capacity and parallelism. Reports
 * throughput and the latency of elements that did not hit the slow tail themselves.
 *
 * <pre>
 * mvn -q -pl core test-compile exec:exec -Dexec.skip=false -Dexec.executable=java \
 *   -Dexec.classpathScope=test \
 *   -Dexec.args="-Xmx2g -Dpart=all -cp %classpath dev.keyflow.core.benchmarks.KeyedAsyncBenchmark"
 * </pre>
 */
public final class KeyedAsyncBenchmark {

    static final int ELEMENTS = Integer.getInteger("elements", 100_000);
    static final int KEYS = Integer.getInteger("keys", 1_000);
    static final int CAPACITY = Integer.getInteger("capacity", 1_000);
    static final int PARALLELISM = Integer.getInteger("parallelism", 2);
    static final long FAST_MICROS = 5_000;
    static final long SLOW_MICROS = 500_000;

    static final int PACED_RATE = Integer.getInteger("rate", 10_000);

    /** Ingest-to-output latencies (ns) of the elements whose own call was fast. */
    static final ConcurrentLinkedQueue<Long> LATENCIES = new ConcurrentLinkedQueue<>();

    private KeyedAsyncBenchmark() {}

    public static void main(String[] args) throws Exception {
        System.out.printf(
                Locale.ROOT,
                "elements=%d keys=%d capacity=%d parallelism=%d cores=%d jvm=%s%n",
                ELEMENTS,
                KEYS,
                CAPACITY,
                PARALLELISM,
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.vm.version"));
        String part = System.getProperty("part", "all");
        run("keyed", Scenario.TAIL, CAPACITY, 0, false); // warm-up
        if (!part.equals("latency")) {
            System.out.println();
            System.out.println("Throughput at the maximum input rate (latency includes queueing)");
            header();
            for (Scenario scenario : List.of(Scenario.FAST, Scenario.TAIL)) {
                run("keyed", scenario, CAPACITY, 0, true);
                run("keyed", scenario, CAPACITY * 10, 0, true);
                run("unordered", scenario, CAPACITY, 0, true);
                run("ordered", scenario, CAPACITY, 0, true);
            }
        }
        if (part.equals("throughput")) {
            return;
        }
        System.out.println();
        System.out.println(
                "Latency of the other keys while key k0 is slow (every k0 call 500 ms), input"
                        + " paced at "
                        + PACED_RATE
                        + "/s");
        header();
        for (String variant : List.of("keyed", "unordered", "ordered")) {
            run(variant, Scenario.SLOW_KEY, CAPACITY, PACED_RATE, true);
        }
    }

    private static void header() {
        System.out.println(
                "| variant | scenario | capacity | elements/s | p50 ms | p99 ms | max ms |");
        System.out.println("|---|---|---|---|---|---|---|");
    }

    /** What the simulated service does. */
    enum Scenario {
        /** Every call 5 ms. */
        FAST,
        /** 5 ms, and 500 ms for 1% of the calls. */
        TAIL,
        /** Key k0 takes 500 ms for every call, the others 5 ms. */
        SLOW_KEY;

        long micros(long i) {
            return switch (this) {
                case FAST -> FAST_MICROS;
                case TAIL -> slow(i) ? SLOW_MICROS : FAST_MICROS;
                case SLOW_KEY -> i % KEYS == 0 ? SLOW_MICROS : FAST_MICROS;
            };
        }
    }

    private static void run(
            String variant, Scenario scenario, int capacity, int ratePerSecond, boolean report)
            throws Exception {
        String only = System.getProperty("variant");
        if (report && only != null && !only.equals(variant)) {
            return;
        }
        LATENCIES.clear();
        Configuration conf = new Configuration();
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(conf);
        env.setParallelism(PARALLELISM);
        // Paced runs measure latency: flush network buffers at once instead of every 100 ms.
        env.setBufferTimeout(ratePerSecond > 0 ? 0 : 100);
        TypeInformation<Call> callType = TypeInformation.of(Call.class);
        long intervalNanos = ratePerSecond > 0 ? 1_000_000_000L / ratePerSecond : 0;
        DataStream<Call> calls =
                env.fromSequence(0, ELEMENTS - 1)
                        .setParallelism(1)
                        .map(new Pace(intervalNanos, scenario))
                        .returns(callType)
                        .setParallelism(1);
        DataStream<Call> done =
                switch (variant) {
                    case "keyed" ->
                            KeyedAsync.builder(new KeyedCall())
                                    .uid("bench-keyed")
                                    .outputType(callType)
                                    .capacity(capacity)
                                    .timeout(Duration.ofSeconds(30))
                                    .idempotencyKey(c -> c.key() + "@" + c.ingestNanos())
                                    .build()
                                    .applyTo(calls.keyBy(Call::key));
                    case "unordered" ->
                            AsyncDataStream.unorderedWait(
                                    calls.rebalance(),
                                    new PlainCall(),
                                    30,
                                    TimeUnit.SECONDS,
                                    capacity);
                    default ->
                            AsyncDataStream.orderedWait(
                                    calls.rebalance(),
                                    new PlainCall(),
                                    30,
                                    TimeUnit.SECONDS,
                                    capacity);
                };
        done.map(KeyedAsyncBenchmark::record).returns(Types.LONG).sinkTo(new DiscardingSink<>());
        JobExecutionResult result = env.execute("bench-" + variant);
        if (!report) {
            return;
        }
        List<Long> sorted = new ArrayList<>(LATENCIES);
        Collections.sort(sorted);
        double seconds = result.getNetRuntime(TimeUnit.MILLISECONDS) / 1000.0;
        System.out.printf(
                Locale.ROOT,
                "| %s | %s | %d | %.0f | %.1f | %.1f | %.1f |%n",
                variant,
                scenario.name().toLowerCase(Locale.ROOT),
                capacity,
                ELEMENTS / seconds,
                percentile(sorted, 0.50),
                percentile(sorted, 0.99),
                percentile(sorted, 1.0));
    }

    /** Turns sequence numbers into calls, optionally paced to a fixed rate. */
    static final class Pace
            implements org.apache.flink.api.common.functions.MapFunction<Long, Call> {
        private final long intervalNanos;
        private final Scenario scenario;
        private transient long start;

        Pace(long intervalNanos, Scenario scenario) {
            this.intervalNanos = intervalNanos;
            this.scenario = scenario;
        }

        @Override
        public Call map(Long i) {
            if (intervalNanos > 0) {
                if (start == 0) {
                    start = System.nanoTime();
                }
                long due = start + i * intervalNanos;
                long wait;
                while ((wait = due - System.nanoTime()) > 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(wait);
                }
            }
            return new Call("k" + (i % KEYS), scenario.micros(i), System.nanoTime());
        }
    }

    static boolean slow(long i) {
        return Long.hashCode(i * 0x9E3779B97F4A7C15L) % 100 == 0;
    }

    private static double percentile(List<Long> sorted, double p) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        int index = (int) Math.min(sorted.size() - 1, Math.ceil(p * sorted.size()) - 1);
        return sorted.get(Math.max(0, index)) / 1_000_000.0;
    }

    /** One simulated call: its key, how long the service takes, when it entered the job. */
    public record Call(String key, long micros, long ingestNanos) {}

    private static ScheduledExecutorService io() {
        return Executors.newScheduledThreadPool(4);
    }

    static Long record(Call call) {
        long latency = System.nanoTime() - call.ingestNanos();
        if (call.micros() == FAST_MICROS) {
            LATENCIES.add(latency);
        }
        return latency;
    }

    static final class KeyedCall extends KeyedAsyncFunction<String, Call, Void, Call, Call> {
        private transient ScheduledExecutorService io;

        @Override
        public void open(org.apache.flink.api.common.functions.OpenContext ctx) {
            io = io();
        }

        @Override
        public CompletionStage<Call> process(Call call, Void state, AsyncContext ctx) {
            CompletableFuture<Call> done = new CompletableFuture<>();
            io.schedule(() -> done.complete(call), call.micros(), TimeUnit.MICROSECONDS);
            return done;
        }

        @Override
        public void apply(Call call, Call result, ApplyContext<String, Call> ctx) {
            ctx.collect(call);
        }

        @Override
        public void close() {
            io.shutdownNow();
        }
    }

    static final class PlainCall extends RichAsyncFunction<Call, Call> {
        private transient ScheduledExecutorService io;

        @Override
        public void open(org.apache.flink.api.common.functions.OpenContext ctx) {
            io = io();
        }

        @Override
        public void asyncInvoke(Call call, ResultFuture<Call> resultFuture) {
            io.schedule(
                    () -> resultFuture.complete(List.of(call)),
                    call.micros(),
                    TimeUnit.MICROSECONDS);
        }

        @Override
        public void close() {
            io.shutdownNow();
        }
    }
}
