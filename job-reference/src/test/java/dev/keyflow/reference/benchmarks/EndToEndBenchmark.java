package dev.keyflow.reference.benchmarks;

import com.sun.management.OperatingSystemMXBean;
import dev.keyflow.core.Envelope;
import dev.keyflow.core.testutils.KafkaBroker;
import dev.keyflow.core.testutils.KafkaTestClient;
import dev.keyflow.reference.OrderCommand;
import dev.keyflow.reference.ReferenceJob;
import dev.keyflow.reference.config.ConfigLoader;
import dev.keyflow.reference.config.ReferenceConfig;
import dev.keyflow.reference.demo.CustomerClass;
import dev.keyflow.reference.demo.CustomerService;
import dev.keyflow.reference.demo.ExpectedOutcome;
import dev.keyflow.reference.demo.GeneratedEvent;
import dev.keyflow.reference.demo.OrderGenerator;
import dev.keyflow.state.Stamped;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.checkpoint.CheckpointStatsSnapshot;
import org.apache.flink.runtime.checkpoint.CompletedCheckpointStatsSummarySnapshot;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.util.TestStreamEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Benchmark command (not a test): the reference pipeline ({@link ReferenceJob}) against the {@link
 * StraightforwardJob} end to end, on a local MiniCluster (parallelism 2, RocksDB, exactly-once,
 * checkpoints every 10 s) with the real Kafka broker in the same JVM and the demo customer service
 * (5 ms). Writes {@code docs/benchmarks.md} and {@code docs/benchmarks/e2e.svg}.
 *
 * <pre>
 * bench/e2e.sh                  # from the repository root; builds, then runs this class
 * bench/e2e.sh -Dshort=true     # a few seconds of data per run
 * </pre>
 *
 * <p>System properties: {@code short} (a few seconds of data per run, for checking the set-up; the
 * report is marked preliminary), {@code rates} (offered loads, events/s), {@code seconds} (data per
 * fixed-rate run), {@code events} (pre-produced events of the keyflow maximum-rate runs), {@code
 * plainEvents} (the same for the straightforward job), {@code keys}, {@code sizes} (message sizes
 * in bytes), {@code part} ({@code all}, {@code sweep}, {@code vary}, {@code max}, {@code keyflow},
 * {@code straightforward}), {@code report} (the markdown file; the chart and a CSV of every run go
 * to {@code benchmarks/} next to it).
 */
public final class EndToEndBenchmark {

    // Parts: all, sweep (offered load), vary (keys and sizes), max (both jobs at the maximum
    // rate), keyflow, unordered or straightforward (one job at the maximum rate, for profiling).
    static final boolean SHORT = Boolean.getBoolean("short");
    static final String PART = System.getProperty("part", "all");
    static final List<Integer> RATES =
            ints(
                    System.getProperty(
                            "rates", SHORT ? "500,2000" : "250,500,1000,2000,5000,10000,20000"));
    static final int SECONDS = Integer.getInteger("seconds", SHORT ? 3 : 15);
    static final int EVENTS = Integer.getInteger("events", SHORT ? 20_000 : 200_000);
    static final int PLAIN_EVENTS = Integer.getInteger("plainEvents", SHORT ? 4_000 : 30_000);
    static final List<Integer> KEYS =
            ints(System.getProperty("keys", SHORT ? "1000,4000" : "1000,100000"));
    static final List<Integer> SIZES = ints(System.getProperty("sizes", "1024,10240"));

    /** The jobs of the offered-load sweep (labels: keyflow, unordered, straightforward). */
    static final List<String> JOBS =
            List.of(System.getProperty("jobs", "keyflow,unordered,straightforward").split(","));

    /** Run every rate, also those above 1.5x a job's maximum. */
    static final boolean ALL_RATES = Boolean.getBoolean("allRates");

    static final int PARALLELISM = 2;
    static final int PARTITIONS = 2;
    static final Duration SERVICE_LATENCY = Duration.ofMillis(5);

    /** Event-time spacing of pre-produced input: as if it had been produced at 20,000/s. */
    static final long MAX_RATE_SPACING_NANOS = 1_000_000_000L / 20_000;

    private static final Pattern OCCURRED_AT =
            Pattern.compile("<o:OccurredAt>[^<]*</o:OccurredAt>");
    private static final DateTimeFormatter XML_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    private static final Pattern EVENT_ID = Pattern.compile("\"eventId\":\"([^\"]+)\"");

    private final KafkaBroker broker;
    private final KafkaTestClient admin;
    private final CustomerService customers;
    private final MiniCluster cluster;
    private final Path checkpoints;
    private int runs;

    private EndToEndBenchmark(
            KafkaBroker broker,
            KafkaTestClient admin,
            CustomerService customers,
            MiniCluster cluster,
            Path checkpoints) {
        this.broker = broker;
        this.admin = admin;
        this.customers = customers;
        this.cluster = cluster;
        this.checkpoints = checkpoints;
    }

    enum Job {
        KEYFLOW("keyflow", "keyflow", true),
        /** The reference job with its resequencer off: no wait for the watermark. */
        KEYFLOW_UNORDERED("keyflow, resequencer off", "unordered", false),
        PLAIN("straightforward", "straightforward", false);

        final String label;
        final String option;
        final boolean resequencer;

        Job(String label, String option, boolean resequencer) {
            this.label = label;
            this.option = option;
            this.resequencer = resequencer;
        }

        boolean keyflow() {
            return this != PLAIN;
        }
    }

    /** What one run measured. */
    record Result(
            Job job,
            String load,
            int offered,
            int keys,
            int size,
            int events,
            long commandsExpected,
            long commandsSeen,
            double throughput,
            double drainSeconds,
            double[] latencyMs,
            Checkpoints checkpoints,
            double cpu,
            long heapMb,
            boolean sweep) {

        /** The same result, marked as a point of the offered-load sweep. */
        Result inSweep() {
            return new Result(
                    job,
                    load,
                    offered,
                    keys,
                    size,
                    events,
                    commandsExpected,
                    commandsSeen,
                    throughput,
                    drainSeconds,
                    latencyMs,
                    checkpoints,
                    cpu,
                    heapMb,
                    true);
        }

        boolean complete() {
            return commandsSeen >= commandsExpected;
        }
    }

    record Checkpoints(
            long completed,
            long avgMs,
            long maxMs,
            long avgBytes,
            long maxBytes,
            long stateBytes) {}

    /** One input record: its id, key, partition, document, and the event time in it. */
    record Input(String eventId, byte[] key, int partition, byte[] xml, long eventTime) {}

    public static void main(String[] args) throws Exception {
        try {
            run();
        } catch (Exception | Error e) {
            e.printStackTrace(System.err);
            System.exit(1);
        }
        System.exit(0);
    }

    private static void run() throws Exception {
        String load = loadAverage();
        System.out.printf(
                Locale.ROOT,
                "e2e benchmark: short=%s cores=%d jvm=%s load=%s%n",
                SHORT,
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.vm.version"),
                load);
        Configuration conf = new Configuration();
        conf.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.parse("512m"));
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        conf.set(RestOptions.BIND_PORT, "0");
        MiniCluster cluster =
                new MiniCluster(
                        new MiniClusterConfiguration.Builder()
                                .setConfiguration(conf)
                                .setNumTaskManagers(1)
                                .setNumSlotsPerTaskManager(PARALLELISM)
                                .build());
        cluster.start();
        TestStreamEnvironment.setAsContext(cluster, PARALLELISM);
        Path checkpoints = Files.createTempDirectory("keyflow-e2e-checkpoints-");
        List<Result> results = new ArrayList<>();
        try (KafkaBroker broker = KafkaBroker.start();
                KafkaTestClient admin = new KafkaTestClient(broker.bootstrapServers());
                CustomerService customers = CustomerService.start(0, SERVICE_LATENCY)) {
            EndToEndBenchmark bench =
                    new EndToEndBenchmark(broker, admin, customers, cluster, checkpoints);
            bench.runAll(results);
        } catch (Exception e) {
            // Report what was measured before the failure.
            e.printStackTrace(System.err);
        } finally {
            TestStreamEnvironment.unsetAsContext();
            cluster.close();
        }
        String loadAfter = loadAverage();
        Report.write(results, load, loadAfter, SHORT);
        System.out.println("wrote " + Report.MARKDOWN + " and " + Report.CHART);
    }

    private void runAll(List<Result> results) throws Exception {
        // Warm-up: JIT, class loading, the broker's transaction coordinator; not reported.
        System.out.println("warm-up");
        runMax(Job.KEYFLOW, 1024, 0, SHORT ? 10_000 : 30_000);
        runMax(Job.KEYFLOW_UNORDERED, 1024, 0, SHORT ? 10_000 : 30_000);
        runMax(Job.PLAIN, 1024, 0, SHORT ? 1_000 : 2_000);
        if (PART.equals("all") || PART.equals("sweep")) {
            for (Job job : Job.values()) {
                if (!JOBS.contains(job.option)) {
                    continue;
                }
                int events = job.keyflow() ? EVENTS : PLAIN_EVENTS;
                Result max = runMax(job, 1024, 0, events).inSweep();
                results.add(max);
                for (int rate : RATES) {
                    if (!ALL_RATES && rate > 1.5 * max.throughput()) {
                        System.out.printf(
                                Locale.ROOT,
                                "%s: %d/s not run, above 1.5x its maximum (%.0f/s)%n",
                                job.label,
                                rate,
                                max.throughput());
                        continue;
                    }
                    safely(results, () -> runFixed(job, 1024, rate).inSweep());
                }
            }
        }
        if (PART.equals("max") || PART.equals("keyflow")) {
            results.add(runMax(Job.KEYFLOW, 1024, 0, EVENTS));
        }
        if (PART.equals("unordered")) {
            results.add(runMax(Job.KEYFLOW_UNORDERED, 1024, 0, EVENTS));
        }
        if (PART.equals("max") || PART.equals("straightforward")) {
            results.add(runMax(Job.PLAIN, 1024, 0, PLAIN_EVENTS));
        }
        if (PART.equals("all") || PART.equals("vary")) {
            for (int size : SIZES) {
                for (int keys : KEYS) {
                    // An order has ~5.5 events: fewer keys than events / 5.5 cap the events;
                    // more keys than events / 2 would leave orders of one PLACED event only.
                    int events = (int) Math.min(size > 2048 ? EVENTS / 4 : EVENTS, keys * 5L);
                    int orders = Math.min(keys, events / 2);
                    safely(results, () -> runMax(Job.KEYFLOW, size, orders, events));
                }
                int plainEvents = size > 2048 ? PLAIN_EVENTS / 2 : PLAIN_EVENTS;
                safely(results, () -> runMax(Job.PLAIN, size, 0, plainEvents));
            }
        }
    }

    /** Runs one measurement; a failure is printed and the benchmark goes on with the next. */
    private static void safely(List<Result> results, java.util.concurrent.Callable<Result> run) {
        try {
            results.add(run.call());
        } catch (Exception e) {
            System.err.println("run failed, skipped: " + e);
            e.printStackTrace(System.err);
        }
    }

    // ---------------------------------------------------------------- workloads

    /** Pre-produces {@code events} events, then starts the job and measures the drain. */
    private Result runMax(Job job, int size, int keys, int events) throws Exception {
        String run = "r" + (++runs);
        List<GeneratedEvent> generated = generate(events, keys, run.hashCode());
        long expected = ExpectedOutcome.of(generated).totalCommands();
        int distinctKeys = OrderGenerator.summary(generated).orders();
        long start = System.currentTimeMillis();
        List<Input> inputs = inputs(generated, size, start, MAX_RATE_SPACING_NANOS);
        generated = null;
        Topics topics = topics(run);
        Map<String, Long> produced = new ConcurrentHashMap<>();
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            for (Input in : inputs) {
                producer.send(
                        new ProducerRecord<>(
                                topics.input, in.partition(), in.eventTime(), in.key(), in.xml()));
                produced.put(in.eventId(), in.eventTime());
            }
            // One event per partition far ahead, so that the watermark passes all the others.
            long after = inputs.get(inputs.size() - 1).eventTime() + 60_000;
            for (int p = 0; p < PARTITIONS; p++) {
                producer.send(flush(topics.input, p, "flush-" + run + "-" + p, after));
            }
            producer.flush();
        }
        inputs = null;
        Result result =
                measure(
                        job,
                        topics,
                        produced,
                        expected,
                        "max",
                        0,
                        distinctKeys,
                        size,
                        events,
                        false,
                        null);
        print(result);
        return result;
    }

    /** Starts the job, then produces {@code rate} events/s for {@link #SECONDS} seconds. */
    private Result runFixed(Job job, int size, int rate) throws Exception {
        String run = "r" + (++runs);
        int events = rate * SECONDS;
        List<GeneratedEvent> generated = generate(events, 0, run.hashCode());
        long expected = ExpectedOutcome.of(generated).totalCommands();
        int distinctKeys = OrderGenerator.summary(generated).orders();
        Topics topics = topics(run);
        Map<String, Long> produced = new ConcurrentHashMap<>();
        long intervalNanos = 1_000_000_000L / rate;
        Paced paced = startMillis -> inputs(generated, size, startMillis, intervalNanos);
        Result result =
                measure(
                        job,
                        topics,
                        produced,
                        expected,
                        rate + "/s",
                        rate,
                        distinctKeys,
                        size,
                        events,
                        true,
                        paced);
        print(result);
        return result;
    }

    interface Paced {
        List<Input> inputs(long startMillis);
    }

    private Result measure(
            Job job,
            Topics topics,
            Map<String, Long> produced,
            long expected,
            String load,
            int offered,
            int keys,
            int size,
            int events,
            boolean paced,
            Paced pacedInputs)
            throws Exception {
        Probe.reset();
        StreamExecutionEnvironment env;
        if (job.keyflow()) {
            ReferenceConfig config = config(topics, job.resequencer);
            env = StreamExecutionEnvironment.getExecutionEnvironment(config.toFlinkConfiguration());
            ReferenceJob.build(
                    env,
                    config,
                    new ReferenceJob.Taps() {
                        @Override
                        public DataStream<Envelope> afterKeys(DataStream<Envelope> envelopes) {
                            return envelopes
                                    .map(Probe.<Envelope>inputs())
                                    .returns(envelopes.getType())
                                    .name("probe: inputs");
                        }

                        @Override
                        public DataStream<Stamped<OrderCommand>> beforeOutbox(
                                DataStream<Stamped<OrderCommand>> commands) {
                            return commands.map(Probe.<Stamped<OrderCommand>>commands())
                                    .returns(commands.getType())
                                    .name("probe: commands");
                        }
                    });
        } else {
            // The same Flink settings as the reference job: RocksDB, incremental, 10 s.
            env =
                    StreamExecutionEnvironment.getExecutionEnvironment(
                            config(topics, false).toFlinkConfiguration());
            StraightforwardJob.build(
                    env,
                    new StraightforwardJob.Topics(
                            broker.bootstrapServers(),
                            topics.group,
                            topics.input,
                            topics.outbox,
                            topics.dlq),
                    customers.urlTemplate(),
                    keyed ->
                            keyed.map(Probe.<StraightforwardJob.Keyed>inputs())
                                    .returns(keyed.getType())
                                    .name("probe: inputs"),
                    commands ->
                            commands.map(Probe.<Stamped<OrderCommand>>commands())
                                    .returns(commands.getType())
                                    .name("probe: commands"));
        }
        System.out.printf(
                Locale.ROOT, "%s %s %s starts%n", java.time.LocalTime.now(), job.label, load);
        Sampler sampler = new Sampler();
        Collector collector = new Collector(topics.outbox, produced);
        long submitted = System.nanoTime();
        JobClient client = env.executeAsync(job.label + " " + load);
        JobID jobId = client.getJobID();
        collector.start();
        sampler.start();
        Thread ticker = null;
        try {
            if (paced) {
                awaitRunning(jobId);
                Thread.sleep(2_000); // sources assigned their partitions
                long startMillis = System.currentTimeMillis() + 200;
                produce(topics, pacedInputs.inputs(startMillis), produced, startMillis);
            }
            if (job.resequencer) {
                ticker = ticker(topics);
            }
            long timeoutSeconds = (SHORT ? 40 : 90) + (long) events / (job.keyflow() ? 2_000 : 300);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
            while (collector.seen() < expected && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            double drain = (System.nanoTime() - submitted) / 1e9;
            Thread.sleep(300);
            Checkpoints cps = checkpoints(jobId);
            long first = Probe.FIRST_INPUT.get();
            long last = Probe.LAST_COMMAND.get();
            double window = (last - first) / 1e9;
            if (paced && job.resequencer) {
                // The resequencer holds every event until the watermark passes it, by design
                // (max-out-of-orderness): latency, not capacity.
                window -= config(topics, true).pipeline().maxOutOfOrderness().toMillis() / 1e3;
            }
            double throughput = window > 0 ? events / window : 0;
            return new Result(
                    job,
                    load,
                    offered,
                    keys,
                    size,
                    events,
                    expected,
                    collector.seen(),
                    throughput,
                    drain,
                    collector.percentiles(),
                    cps,
                    sampler.cpu(first, last),
                    sampler.heapMb(),
                    false);
        } finally {
            if (ticker != null) {
                ticker.interrupt();
                ticker.join();
            }
            sampler.stop();
            collector.stop();
            client.cancel().get(60, TimeUnit.SECONDS);
            awaitTerminal(jobId);
        }
    }

    /** Produces paced inputs: the i-th at {@code startMillis + i * interval}, timestamp = now. */
    private void produce(
            Topics topics, List<Input> inputs, Map<String, Long> produced, long startMillis)
            throws InterruptedException {
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            long startNanos =
                    System.nanoTime() + (startMillis - System.currentTimeMillis()) * 1_000_000;
            double perEventNanos = (double) SECONDS * 1e9 / inputs.size();
            for (int i = 0; i < inputs.size(); i++) {
                long due = startNanos + (long) (i * perEventNanos);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                Input in = inputs.get(i);
                long now = System.currentTimeMillis();
                produced.put(in.eventId(), now);
                producer.send(
                        new ProducerRecord<>(
                                topics.input, in.partition(), now, in.key(), in.xml()));
            }
            producer.flush();
        }
    }

    /**
     * Heartbeats for the keyflow job: an event per partition every 200 ms with the current time, so
     * that the watermark passes the last real events and the resequencer releases them.
     */
    private Thread ticker(Topics topics) {
        Thread ticker =
                new Thread(
                        () -> {
                            try (KafkaProducer<byte[], byte[]> producer = producer()) {
                                int n = 0;
                                while (!Thread.currentThread().isInterrupted()) {
                                    long now = System.currentTimeMillis();
                                    for (int p = 0; p < PARTITIONS; p++) {
                                        producer.send(flush(topics.input, p, "hb-" + (n++), now));
                                    }
                                    producer.flush();
                                    Thread.sleep(200);
                                }
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        },
                        "heartbeats");
        ticker.setDaemon(true);
        ticker.start();
        return ticker;
    }

    // ---------------------------------------------------------------- input

    static List<GeneratedEvent> generate(int events, int keys, long seed) {
        OrderGenerator.Settings.Builder settings =
                OrderGenerator.Settings.builder()
                        .seed(seed)
                        .events(events)
                        .invalidShare(0.01)
                        .outOfOrderShare(0)
                        .lateShare(0)
                        .invalidTransitionShare(0.01)
                        .customerShare(CustomerClass.FLAKY, 0)
                        .customerShare(CustomerClass.DOWN, 0)
                        .customerShare(CustomerClass.UNKNOWN, 0.01)
                        .customerShare(CustomerClass.BLOCKED, 0.01)
                        .start(Instant.parse("2030-01-01T00:00:00Z"));
        if (keys > 0) {
            settings.orders(keys).concurrentOrders(Math.max(50, Math.min(keys, events / 6)));
        }
        return OrderGenerator.generate(settings.build());
    }

    /**
     * The events as Kafka input: the i-th gets the event time {@code start + i * spacing} (in its
     * document too) and is padded to {@code size} bytes with an XML comment inside the body, which
     * keeps it schema-valid and its fields unchanged.
     */
    static List<Input> inputs(
            List<GeneratedEvent> events, int size, long startMillis, long spacingNanos) {
        List<Input> inputs = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            GeneratedEvent e = events.get(i);
            long time = startMillis + (i * spacingNanos) / 1_000_000;
            String xml = e.xmlText();
            Matcher at = OCCURRED_AT.matcher(xml);
            if (at.find()) {
                xml =
                        xml.substring(0, at.start())
                                + "<o:OccurredAt>"
                                + XML_TIME.format(Instant.ofEpochMilli(time))
                                + "</o:OccurredAt>"
                                + xml.substring(at.end());
            }
            xml = pad(xml, size);
            inputs.add(
                    new Input(
                            e.eventId(),
                            e.kafkaKey(),
                            e.partition(PARTITIONS),
                            xml.getBytes(StandardCharsets.UTF_8),
                            time));
        }
        return inputs;
    }

    static String pad(String xml, int size) {
        int body = xml.lastIndexOf("</o:Body>");
        int missing = size - xml.length() - 7;
        if (body < 0 || missing <= 0) {
            return xml;
        }
        char[] filler = new char[missing];
        Arrays.fill(filler, 'x');
        return xml.substring(0, body) + "<!--" + new String(filler) + "-->" + xml.substring(body);
    }

    private static ProducerRecord<byte[], byte[]> flush(
            String topic, int partition, String orderId, long time) {
        String xml =
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                        + "<o:OrderEvent xmlns:o=\"urn:keyflow:orders:v1\""
                        + " xmlns:c=\"urn:keyflow:common:v1\"><o:Header><o:OrderId>"
                        + orderId
                        + "</o:OrderId><o:EventId>"
                        + orderId
                        + "</o:EventId><o:OccurredAt>"
                        + XML_TIME.format(Instant.ofEpochMilli(time))
                        + "</o:OccurredAt><o:Type>CANCELLED</o:Type></o:Header><o:Body>"
                        + "<o:Reason>heartbeat</o:Reason></o:Body></o:OrderEvent>";
        return new ProducerRecord<>(
                topic,
                partition,
                time,
                orderId.getBytes(StandardCharsets.UTF_8),
                xml.getBytes(StandardCharsets.UTF_8));
    }

    // ---------------------------------------------------------------- set-up

    record Topics(String input, String outbox, String dlq, String group) {}

    private Topics topics(String run) {
        Topics topics = new Topics(run + ".orders", run + ".commands", run + ".dlq", run);
        admin.createTopic(topics.input, PARTITIONS);
        admin.createTopic(topics.outbox, PARTITIONS);
        admin.createTopic(topics.dlq, 1);
        return topics;
    }

    private ReferenceConfig config(Topics topics, boolean resequencer) {
        return ConfigLoader.parse(
                ConfigLoader.defaultYaml(),
                Map.ofEntries(
                        Map.entry("job.name", topics.group),
                        Map.entry("job.parallelism", Integer.toString(PARALLELISM)),
                        Map.entry("kafka.bootstrap-servers", broker.bootstrapServers()),
                        Map.entry("kafka.group-id", topics.group),
                        Map.entry("topics.input", topics.input),
                        Map.entry("topics.outbox", topics.outbox),
                        Map.entry("topics.dlq", topics.dlq),
                        Map.entry("enrichment.url", customers.urlTemplate()),
                        Map.entry("state.backend", "rocksdb"),
                        Map.entry(
                                "state.checkpoint-directory",
                                checkpoints.resolve(topics.group).toUri().toString()),
                        Map.entry("pipeline.resequencer.enabled", Boolean.toString(resequencer)),
                        Map.entry("checkpoints.interval", "10s")));
    }

    private KafkaProducer<byte[], byte[]> producer() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ProducerConfig.LINGER_MS_CONFIG, "2");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 * 1024));
        props.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(128L * 1024 * 1024));
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private void awaitRunning(JobID jobId) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (cluster.getJobStatus(jobId).get() != JobStatus.RUNNING) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("job " + jobId + " did not start");
            }
            Thread.sleep(50);
        }
    }

    private void awaitTerminal(JobID jobId) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!cluster.getJobStatus(jobId).get().isGloballyTerminalState()
                && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
    }

    private Checkpoints checkpoints(JobID jobId) throws Exception {
        CheckpointStatsSnapshot stats =
                cluster.getExecutionGraph(jobId).get().getCheckpointStatsSnapshot();
        if (stats == null) {
            return new Checkpoints(0, 0, 0, 0, 0, 0);
        }
        CompletedCheckpointStatsSummarySnapshot summary = stats.getSummaryStats();
        return new Checkpoints(
                stats.getCounts().getNumberOfCompletedCheckpoints(),
                summary.getEndToEndDurationStats().getAverage(),
                summary.getEndToEndDurationStats().getMaximum(),
                summary.getCheckpointedSize().getAverage(),
                summary.getCheckpointedSize().getMaximum(),
                summary.getStateSizeStats().getMaximum());
    }

    static String loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return parts[0] + ", " + parts[1] + ", " + parts[2];
        } catch (IOException e) {
            return String.format(
                    Locale.ROOT,
                    "%.2f",
                    ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
    }

    private static List<Integer> ints(String list) {
        return Arrays.stream(list.split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .map(Integer::valueOf)
                .collect(Collectors.toList());
    }

    private static void print(Result r) {
        System.out.printf(
                Locale.ROOT,
                java.time.LocalTime.now()
                        + " %-15s %-8s keys=%-7d size=%-6d events=%-7d commands %d/%d  %.0f ev/s  drain %.1f s"
                        + "  p50/p95/p99/max %s ms  cp %d avg %d ms %d B  cpu %.0f%%  heap %d MB  load %s%n",
                r.job().label,
                r.load(),
                r.keys(),
                r.size(),
                r.events(),
                r.commandsSeen(),
                r.commandsExpected(),
                r.throughput(),
                r.drainSeconds(),
                Arrays.toString(r.latencyMs()),
                r.checkpoints().completed(),
                r.checkpoints().avgMs(),
                r.checkpoints().avgBytes(),
                r.cpu() * 100,
                r.heapMb(),
                loadAverage());
    }

    // ---------------------------------------------------------------- measuring

    /**
     * Reads the outbox read_committed and notes, per command, when it became visible: latency =
     * poll time - produce time of the input it names ({@code eventId}).
     */
    private final class Collector implements Runnable {
        private final String topic;
        private final Map<String, Long> produced;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final List<Long> latencies = new ArrayList<>();
        private final Set<String> seenEvents = new HashSet<>();
        private volatile long seen;
        private Thread thread;

        Collector(String topic, Map<String, Long> produced) {
            this.topic = topic;
            this.produced = produced;
        }

        void start() {
            thread = new Thread(this, "outbox-reader");
            thread.setDaemon(true);
            thread.start();
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join();
        }

        long seen() {
            return seen;
        }

        @Override
        public void run() {
            Properties props = new Properties();
            props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            try (KafkaConsumer<byte[], byte[]> consumer =
                    new KafkaConsumer<>(
                            props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                List<TopicPartition> partitions = new ArrayList<>();
                for (int p = 0; p < PARTITIONS; p++) {
                    partitions.add(new TopicPartition(topic, p));
                }
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                while (running.get()) {
                    var records = consumer.poll(Duration.ofMillis(50));
                    long now = System.currentTimeMillis();
                    long count = seen;
                    for (ConsumerRecord<byte[], byte[]> record : records) {
                        Matcher m =
                                EVENT_ID.matcher(
                                        new String(record.value(), StandardCharsets.UTF_8));
                        if (!m.find()) {
                            continue;
                        }
                        Long at = produced.get(m.group(1));
                        if (at == null) {
                            continue; // a heartbeat's command
                        }
                        count++;
                        if (seenEvents.add(m.group(1))) {
                            synchronized (latencies) {
                                latencies.add(now - at);
                            }
                        }
                    }
                    seen = count;
                }
            }
        }

        /** p50, p95, p99, max in ms of the first command of each input. */
        double[] percentiles() {
            long[] sorted;
            synchronized (latencies) {
                sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
            }
            if (sorted.length == 0) {
                return new double[4];
            }
            return new double[] {
                sorted[(int) (sorted.length * 0.50)],
                sorted[(int) Math.min(sorted.length - 1, sorted.length * 0.95)],
                sorted[(int) Math.min(sorted.length - 1, sorted.length * 0.99)],
                sorted[sorted.length - 1]
            };
        }
    }

    /** Process CPU load (share of all cores) and heap use, sampled every 250 ms. */
    private static final class Sampler {
        private final OperatingSystemMXBean os =
                (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final List<long[]> cpu = new ArrayList<>(); // {nanoTime, load in 1/10000}
        private long heapMax;
        private Thread thread;

        void start() {
            thread =
                    new Thread(
                            () -> {
                                while (running.get()) {
                                    double load = os.getProcessCpuLoad();
                                    long heap =
                                            ManagementFactory.getMemoryMXBean()
                                                    .getHeapMemoryUsage()
                                                    .getUsed();
                                    synchronized (this) {
                                        if (load >= 0) {
                                            cpu.add(
                                                    new long[] {
                                                        System.nanoTime(), Math.round(load * 10_000)
                                                    });
                                        }
                                        heapMax = Math.max(heapMax, heap);
                                    }
                                    try {
                                        Thread.sleep(250);
                                    } catch (InterruptedException e) {
                                        return;
                                    }
                                }
                            },
                            "sampler");
            thread.setDaemon(true);
            thread.start();
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.interrupt();
            thread.join();
        }

        /**
         * The average CPU load of the samples taken in {@code [from, to]} (nanoTime), each of which
         * covers the 250 ms before it; all samples if the window holds none.
         */
        synchronized double cpu(long from, long to) {
            double sum = 0;
            int n = 0;
            for (long[] sample : cpu) {
                if (sample[0] > from && sample[0] <= to + 250_000_000L) {
                    sum += sample[1] / 10_000.0;
                    n++;
                }
            }
            if (n == 0) {
                for (long[] sample : cpu) {
                    sum += sample[1] / 10_000.0;
                    n++;
                }
            }
            return n == 0 ? 0 : sum / n;
        }

        synchronized long heapMb() {
            return heapMax / (1024 * 1024);
        }
    }
}
