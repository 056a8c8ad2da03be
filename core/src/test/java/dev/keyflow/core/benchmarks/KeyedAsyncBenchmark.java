package dev.keyflow.core.benchmarks;

import dev.keyflow.core.async.ApplyContext;
import dev.keyflow.core.async.AsyncContext;
import dev.keyflow.core.async.KeyedAsync;
import dev.keyflow.core.async.KeyedAsyncFunction;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.client.JobCancellationException;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.util.ExceptionUtils;

/**
 * Benchmark command (not a test): the keyed async operator against {@code
 * AsyncDataStream.orderedWait} and {@code unorderedWait} on a local MiniCluster, with the same
 * simulated I/O (5 ms, and 500 ms for 1% of the calls), the same capacity and parallelism. Reports
 * throughput and the latency of elements that did not hit the slow tail themselves; then (parts
 * {@code latency} and {@code all}, or {@code persistent} alone) a key that stays slower than its
 * arrival rate: per second, the other keys' completed rate and p99, the heap and the slow key's
 * backlog from the operator's metrics, for the keyed operator, unorderedWait and orderedWait.
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

    /**
     * The persistently slow key scenario: keys (k0 slow), seconds of input, backlog limit. 100 keys
     * at 10,000/s give each fast key 100/s, half of what one key can do with 5 ms calls one at a
     * time (with 50 keys every key would be saturated by its own order, whatever the operator).
     */
    static final int PERSISTENT_KEYS = Integer.getInteger("persistent.keys", 100);

    static final int PERSISTENT_SECONDS = Integer.getInteger("persistent.seconds", 60);
    static final int PERSISTENT_MAX_BACKLOG_PER_KEY =
            Integer.getInteger(
                    "persistent.maxBacklogPerKey", KeyedAsync.DEFAULT_MAX_BACKLOG_PER_KEY);

    /** When the first element of the current run was created (System.nanoTime), else 0. */
    static final AtomicLong RUN_START = new AtomicLong();

    /** Per second since RUN_START: completed elements of the fast keys and their latencies. */
    static volatile PerSecond perSecond = new PerSecond(1);

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
        if (part.equals("all") || part.equals("throughput")) {
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
        if (!part.equals("persistent")) {
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
        persistentSlowKey();
    }

    /**
     * One key (k0) of {@link #PERSISTENT_KEYS} takes 500 ms per call for the whole run while it is
     * offered {@code rate / keys} elements per second, far more than the 2 per second it serves.
     * Each variant runs for {@link #PERSISTENT_SECONDS} of paced input and is then cancelled (the
     * slow key's backlog would take hours to drain).
     */
    private static void persistentSlowKey() throws Exception {
        String only = System.getProperty("variant");
        List<String> variants = new ArrayList<>();
        for (String variant : List.of("keyed", "unordered", "ordered")) {
            if (only == null || only.equals(variant)) {
                variants.add(variant);
            }
        }
        double offeredOthers = PACED_RATE * (PERSISTENT_KEYS - 1.0) / PERSISTENT_KEYS;
        System.out.println();
        System.out.printf(
                Locale.ROOT,
                "A key that stays slow: %d keys, k0 500 ms per call (offered %d/s), the others 5"
                        + " ms; input paced at %d/s for %d s (%.0f/s to the other keys);"
                        + " capacity %d, maxBacklogPerKey %d%n",
                PERSISTENT_KEYS,
                PACED_RATE / PERSISTENT_KEYS,
                PACED_RATE,
                PERSISTENT_SECONDS,
                offeredOthers,
                CAPACITY,
                PERSISTENT_MAX_BACKLOG_PER_KEY);
        List<List<Second>> series = new ArrayList<>();
        for (String variant : variants) {
            series.add(runPersistent(variant));
        }
        StringBuilder head = new StringBuilder("| s |");
        StringBuilder rule = new StringBuilder("|---|");
        for (String variant : variants) {
            head.append(' ').append(variant).append(" others/s | p99 ms |");
            rule.append("---|---|");
            if (variant.equals("keyed")) {
                head.append(" heap MB | k0 backlog | BACKLOG_FULL |");
                rule.append("---|---|---|");
            }
        }
        System.out.println(head);
        System.out.println(rule);
        for (int second = 0; second < PERSISTENT_SECONDS; second++) {
            StringBuilder row = new StringBuilder("| " + (second + 1) + " |");
            for (int v = 0; v < variants.size(); v++) {
                Second s = series.get(v).get(second);
                row.append(String.format(Locale.ROOT, " %d | %.1f |", s.completed, s.p99Millis));
                if (variants.get(v).equals("keyed")) {
                    row.append(
                            String.format(
                                    Locale.ROOT,
                                    " %.0f | %d | %d |",
                                    s.heapMb,
                                    s.largestBacklog,
                                    s.backlogFull));
                }
            }
            System.out.println(row);
        }
        System.out.println();
        System.out.println(
                "| variant | others/s (mean, s 2-end) | of offered | lowest second | p99 ms"
                        + " (median second) | p99 ms (worst second) | heap MB (min-max) |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (int v = 0; v < variants.size(); v++) {
            List<Second> run = series.get(v).subList(1, PERSISTENT_SECONDS);
            double mean = run.stream().mapToLong(x -> x.completed).average().orElse(0);
            long lowest = run.stream().mapToLong(x -> x.completed).min().orElse(0);
            List<Double> p99s = new ArrayList<>(run.stream().map(x -> x.p99Millis).toList());
            Collections.sort(p99s);
            System.out.printf(
                    Locale.ROOT,
                    "| %s | %.0f | %.3f | %d | %.1f | %.1f | %.0f-%.0f |%n",
                    variants.get(v),
                    mean,
                    mean / offeredOthers,
                    lowest,
                    p99s.get(p99s.size() / 2),
                    p99s.get(p99s.size() - 1),
                    run.stream().mapToDouble(x -> x.heapMb).min().orElse(0),
                    run.stream().mapToDouble(x -> x.heapMb).max().orElse(0));
        }
    }

    /** What one second of a persistent run looked like. */
    record Second(
            long completed,
            double p99Millis,
            double heapMb,
            long largestBacklog,
            long backlogFull) {}

    private static List<Second> runPersistent(String variant) throws Exception {
        InMemoryReporter reporter = InMemoryReporter.create();
        Configuration conf = reporter.addToConfiguration(new Configuration());
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(conf);
        env.setParallelism(PARALLELISM);
        env.setBufferTimeout(0);
        TypeInformation<Call> callType = TypeInformation.of(Call.class);
        long elements = (long) PACED_RATE * PERSISTENT_SECONDS;
        DataStream<Call> calls =
                env.fromSequence(0, elements - 1)
                        .setParallelism(1)
                        .map(
                                new Pace(
                                        1_000_000_000L / PACED_RATE,
                                        Scenario.SLOW_KEY,
                                        PERSISTENT_KEYS))
                        .returns(callType)
                        .setParallelism(1);
        DataStream<Call> done =
                switch (variant) {
                    case "keyed" ->
                            KeyedAsync.builder(new KeyedCall())
                                    .uid("bench-keyed")
                                    .outputType(callType)
                                    .capacity(CAPACITY)
                                    .maxBacklogPerKey(PERSISTENT_MAX_BACKLOG_PER_KEY)
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
                                    CAPACITY);
                    default ->
                            AsyncDataStream.orderedWait(
                                    calls.rebalance(),
                                    new PlainCall(),
                                    30,
                                    TimeUnit.SECONDS,
                                    CAPACITY);
                };
        done.map(KeyedAsyncBenchmark::recordPerSecond)
                .returns(Types.LONG)
                .sinkTo(new DiscardingSink<>());
        perSecond = new PerSecond(PERSISTENT_SECONDS + 5);
        RUN_START.set(0);
        JobClient job = env.executeAsync("bench-persistent-" + variant);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (RUN_START.get() == 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the job did not start: " + job.getJobStatus());
            }
            Thread.sleep(10); // a benchmark driver polling wall-clock time, not a test
        }
        long start = RUN_START.get();
        long[] largest = new long[PERSISTENT_SECONDS];
        long[] backlogFull = new long[PERSISTENT_SECONDS];
        double[] heapMb = new double[PERSISTENT_SECONDS];
        for (int second = 0; second < PERSISTENT_SECONDS; second++) {
            long wait = start + (second + 1) * 1_000_000_000L - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            Map<String, Metric> metrics = keyflowMetrics(reporter);
            largest[second] = (long) sum(metrics, ".keyflow.async.backlogLargestKey", true);
            backlogFull[second] =
                    (long)
                            sum(
                                    metrics,
                                    ".keyflow.errors.stage.PROCESSING.reason.BACKLOG_FULL.count",
                                    false);
            heapMb[second] = heapUsedMb();
        }
        // One more second for the last completions to be counted, then stop: k0's backlog
        // (and orderedWait's queue) would take far longer to drain.
        TimeUnit.SECONDS.sleep(1);
        var result = job.getJobExecutionResult();
        if (result.isDone()) {
            result.get(); // finished by itself (nothing left to drain); throws if it failed
        } else {
            job.cancel().get(1, TimeUnit.MINUTES);
            awaitCancelled(result);
        }
        reporter.close();
        List<Second> series = new ArrayList<>();
        for (int second = 0; second < PERSISTENT_SECONDS; second++) {
            List<Long> sorted = new ArrayList<>(perSecond.latencies[second]);
            Collections.sort(sorted);
            series.add(
                    new Second(
                            perSecond.completed[second].sum(),
                            percentile(sorted, 0.99),
                            heapMb[second],
                            largest[second],
                            backlogFull[second]));
        }
        return series;
    }

    /** Waits until the cancelled job has ended (its per-job cluster shuts down with it). */
    private static void awaitCancelled(CompletableFuture<JobExecutionResult> result)
            throws Exception {
        try {
            result.get(1, TimeUnit.MINUTES);
        } catch (ExecutionException e) {
            if (ExceptionUtils.findThrowable(e, JobCancellationException.class).isEmpty()) {
                throw e;
            }
        }
    }

    /** The keyflow metrics of the (only) job, by identifier; subtasks differ in the identifier. */
    private static Map<String, Metric> keyflowMetrics(InMemoryReporter reporter) {
        Map<String, Metric> metrics = new java.util.HashMap<>();
        reporter.getMetricsByGroup()
                .forEach(
                        (group, byName) ->
                                byName.forEach(
                                        (name, metric) -> {
                                            String id = group.getMetricIdentifier(name);
                                            if (id.contains(".keyflow.")) {
                                                metrics.put(id, metric);
                                            }
                                        }));
        return metrics;
    }

    /** The sum (or the largest value) over subtasks of the gauge or counter named by suffix. */
    private static double sum(Map<String, Metric> metrics, String suffix, boolean max) {
        double result = 0;
        for (Map.Entry<String, Metric> e : metrics.entrySet()) {
            if (!e.getKey().endsWith(suffix)) {
                continue;
            }
            double value =
                    e.getValue() instanceof Counter counter
                            ? counter.getCount()
                            : ((Number) ((Gauge<?>) e.getValue()).getValue()).doubleValue();
            result = max ? Math.max(result, value) : result + value;
        }
        return result;
    }

    /** Heap in use now (a sample of the GC's sawtooth), in MB. */
    private static double heapUsedMb() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed()
                / (1024.0 * 1024.0);
    }

    /** Per-second counts and latencies of the fast keys' completed elements. */
    static final class PerSecond {
        final LongAdder[] completed;
        final ConcurrentLinkedQueue<Long>[] latencies;

        @SuppressWarnings("unchecked")
        PerSecond(int seconds) {
            completed = new LongAdder[seconds];
            latencies = new ConcurrentLinkedQueue[seconds];
            for (int i = 0; i < seconds; i++) {
                completed[i] = new LongAdder();
                latencies[i] = new ConcurrentLinkedQueue<>();
            }
        }
    }

    static Long recordPerSecond(Call call) {
        long now = System.nanoTime();
        long latency = now - call.ingestNanos();
        if (call.micros() == FAST_MICROS) {
            PerSecond into = perSecond;
            int second = (int) ((now - RUN_START.get()) / 1_000_000_000L);
            if (second >= 0 && second < into.completed.length) {
                into.completed[second].increment();
                into.latencies[second].add(latency);
            }
        }
        return latency;
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

        long micros(long i, int keys) {
            return switch (this) {
                case FAST -> FAST_MICROS;
                case TAIL -> slow(i) ? SLOW_MICROS : FAST_MICROS;
                case SLOW_KEY -> i % keys == 0 ? SLOW_MICROS : FAST_MICROS;
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
        private final int keys;
        private transient long start;

        Pace(long intervalNanos, Scenario scenario) {
            this(intervalNanos, scenario, KEYS);
        }

        Pace(long intervalNanos, Scenario scenario, int keys) {
            this.intervalNanos = intervalNanos;
            this.scenario = scenario;
            this.keys = keys;
        }

        @Override
        public Call map(Long i) {
            if (intervalNanos > 0) {
                if (start == 0) {
                    start = System.nanoTime();
                    RUN_START.compareAndSet(0, start);
                }
                long due = start + i * intervalNanos;
                long wait;
                while ((wait = due - System.nanoTime()) > 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(wait);
                }
            }
            return new Call("k" + (i % keys), scenario.micros(i, keys), System.nanoTime());
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
