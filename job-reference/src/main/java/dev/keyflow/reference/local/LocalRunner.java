package dev.keyflow.reference.local;

import dev.keyflow.core.testutils.KafkaBroker;
import dev.keyflow.core.testutils.KafkaTestClient;
import dev.keyflow.reference.ReferenceJob;
import dev.keyflow.reference.config.ConfigLoader;
import dev.keyflow.reference.config.ReferenceConfig;
import dev.keyflow.reference.demo.CustomerService;
import dev.keyflow.reference.demo.ExpectedOutcome;
import dev.keyflow.reference.demo.GeneratedEvent;
import dev.keyflow.reference.demo.GeneratedEvent.Phase;
import dev.keyflow.reference.demo.OrderGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.annotation.Nullable;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the reference pipeline on one machine with nothing installed but Java: a real Kafka broker
 * (KRaft, in this JVM), the demo customer service, a Flink MiniCluster with its web UI running
 * {@link ReferenceJob} (the built-in {@code reference.yaml} with the local broker, topics and
 * service), demo data from the {@link OrderGenerator}, live progress, and a summary that compares
 * the committed outbox and DLQ with the {@link ExpectedOutcome} model. Exits with 0 when every
 * input ended exactly as the model expects, 1 when not, 2 on a wrong option.
 *
 * <p>Started by {@code mvn -pl job-reference -am -DskipTests package exec:exec}; options are system
 * properties {@code -Dkeyflow.demo.<name>=<value>} on that command line, or arguments {@code
 * --<name> <value>} when started directly ({@link LocalOptions}).
 *
 * <p>The run, in order:
 *
 * <ol>
 *   <li><b>main</b>: the main-phase events, at the configured rate, from a background thread (until
 *       all are sent or the duration limit has passed);
 *   <li><b>clock</b>: one event per partition a minute of event time after everything else ({@link
 *       OrderGenerator#clockEvents}), so that every partition's watermark passes the main phase and
 *       the resequencer releases all of it; then a wait until the committed outputs reach what the
 *       model expects of the main phase (this includes the retry-topic rounds of customers whose
 *       lookup never succeeds);
 *   <li><b>late</b>: the late events (an hour of event time before the start), all rejected as
 *       {@code LATE}, and a wait for their DLQ records;
 *   <li><b>drain</b>: stop with a savepoint and drain: the sources end with the maximum watermark,
 *       the resequencer releases the clock events, the async operator finishes its work, and the
 *       savepoint commits the last transactions;
 *   <li><b>summary</b>: everything committed, read with {@code read_committed}, against the model.
 * </ol>
 */
public final class LocalRunner {

    private static final Logger LOG = LoggerFactory.getLogger(LocalRunner.class);

    static final String INPUT = "orders";
    static final String OUTBOX = "orders.commands";
    static final String DLQ = "orders.dlq";
    static final String RETRY = "orders.retry";
    static final int PARTITIONS = 4;

    /** Event time between the latest event and the clock events: well over max out-of-order. */
    private static final Duration CLOCK_AFTER = Duration.ofMinutes(1);

    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(2);
    private static final Duration CHECKPOINT_INTERVAL = Duration.ofSeconds(2);
    private static final long NO_DEADLINE = Long.MAX_VALUE / 4;

    private final LocalOptions options;
    private final long started = System.nanoTime();
    private long lastPrint;
    private long lastIn;
    private long lastOut;
    private double peakOut;

    private LocalRunner(LocalOptions options) {
        this.options = options;
    }

    public static void main(String[] args) throws Exception {
        LocalOptions options;
        try {
            options = LocalOptions.from(args, System.getProperties());
        } catch (IllegalArgumentException e) {
            LOG.error("{}", e.getMessage());
            System.exit(2);
            return;
        }
        boolean ok = new LocalRunner(options).run();
        System.exit(ok ? 0 : 1);
    }

    private boolean run() throws Exception {
        OrderGenerator.Settings settings =
                OrderGenerator.Settings.builder()
                        .seed(options.seed())
                        .events(options.events())
                        .orders(options.orders())
                        .invalidShare(options.invalidShare())
                        .outOfOrderShare(options.outOfOrderShare())
                        .lateShare(options.lateShare())
                        .build();
        List<GeneratedEvent> events = OrderGenerator.generate(settings);
        List<GeneratedEvent> main = phase(events, Phase.MAIN);
        List<GeneratedEvent> late = phase(events, Phase.LATE);
        List<GeneratedEvent> clocks = OrderGenerator.clockEvents(events, PARTITIONS, CLOCK_AFTER);
        LOG.info(
                "Demo data: {} main-phase events for {} orders, {} late, {} clock events;"
                        + " rate {}",
                main.size(),
                settings.orders(),
                late.size(),
                clocks.size(),
                options.rate() > 0 ? fmt(options.rate()) + " events/s" : "as fast as possible");

        Path work = Files.createTempDirectory("keyflow-local-");
        ExecutorService background =
                Executors.newSingleThreadExecutor(
                        r -> {
                            Thread t = new Thread(r, "demo-producer");
                            t.setDaemon(true);
                            return t;
                        });
        try (KafkaBroker broker = KafkaBroker.start();
                KafkaTestClient admin = new KafkaTestClient(broker.bootstrapServers());
                CustomerService customers = CustomerService.start(0, options.latency());
                PacedProducer producer =
                        new PacedProducer(broker.bootstrapServers(), INPUT, PARTITIONS)) {
            LOG.info(
                    "Kafka broker (KRaft, in this JVM) at {}, ready in {} ms; customer service at"
                            + " {}",
                    broker.bootstrapServers(),
                    broker.startupTime().toMillis(),
                    customers.baseUrl());
            admin.createTopic(INPUT, PARTITIONS);
            admin.createTopic(OUTBOX, PARTITIONS);
            admin.createTopic(DLQ, 1);
            admin.createTopic(RETRY, 1);

            ReferenceConfig config = config(broker.bootstrapServers(), customers, work);
            int uiPort = freePortFrom(8081);
            Configuration conf = config.toFlinkConfiguration();
            conf.set(RestOptions.PORT, uiPort);
            StreamExecutionEnvironment env =
                    StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(conf);
            ReferenceJob.build(env, config);
            JobClient job = env.executeAsync(config.job().name());
            LOG.info(
                    "Flink MiniCluster running '{}' ({}), parallelism {}: web UI at"
                            + " http://localhost:{}",
                    config.job().name(),
                    job.getJobID(),
                    options.parallelism(),
                    uiPort);
            LOG.info(
                    "Topics: {} -> {} (commands), {} (errors), {} (retries); progress every {} s",
                    INPUT,
                    OUTBOX,
                    DLQ,
                    RETRY,
                    PROGRESS_EVERY.toSeconds());

            try (CommittedOutputs outputs =
                    new CommittedOutputs(broker.bootstrapServers(), OUTBOX, DLQ, RETRY)) {
                return drive(
                        job,
                        producer,
                        outputs,
                        background,
                        customers,
                        main,
                        late,
                        clocks,
                        work,
                        uiPort);
            }
        } finally {
            background.shutdownNow();
            deleteRecursively(work);
        }
    }

    private boolean drive(
            JobClient job,
            PacedProducer producer,
            CommittedOutputs outputs,
            ExecutorService background,
            CustomerService customers,
            List<GeneratedEvent> main,
            List<GeneratedEvent> late,
            List<GeneratedEvent> clocks,
            Path work,
            int uiPort)
            throws Exception {
        CompletableFuture<JobExecutionResult> result = job.getJobExecutionResult();
        long total = main.size() + late.size() + clocks.size();
        Progress progress = new Progress(producer, outputs, total);

        // main: at the configured rate, until every event is sent or the duration limit passed.
        long mainStart = System.nanoTime();
        long mainDeadline =
                options.duration().isZero()
                        ? mainStart + NO_DEADLINE
                        : mainStart + options.duration().toNanos();
        Future<Integer> sending =
                background.submit(() -> producer.produce(main, options.rate(), mainDeadline));
        await("main", sending::isDone, NO_DEADLINE, result, progress);
        List<GeneratedEvent> mainSent = main.subList(0, sending.get());
        long mainProduced = System.nanoTime();
        if (mainSent.size() < main.size()) {
            LOG.info(
                    "Duration limit {} reached: {} of {} main-phase events produced",
                    options.duration(),
                    mainSent.size(),
                    main.size());
        }

        // clock: every partition's watermark passes the main phase; wait for its outputs.
        Future<Integer> clockSending =
                background.submit(() -> producer.produce(clocks, 0, NO_DEADLINE));
        ExpectedOutcome mainExpected = ExpectedOutcome.of(mainSent);
        LOG.info(
                "Waiting for the main phase's outputs: {} commands, {} errors {}",
                fmt(mainExpected.totalCommands()),
                fmt(mainExpected.totalErrors()),
                mainExpected.countsByReason());
        boolean mainDone =
                await(
                        "main",
                        () ->
                                clockSending.isDone()
                                        && outputs.commands() >= mainExpected.totalCommands()
                                        && outputs.errors() >= mainExpected.totalErrors(),
                        System.nanoTime() + options.timeout().toNanos(),
                        result,
                        progress);
        long mainProcessed = System.nanoTime();
        if (!mainDone) {
            LOG.warn(
                    "The main phase's outputs did not reach the expected {} commands and {} errors"
                            + " within {}; going on",
                    mainExpected.totalCommands(),
                    mainExpected.totalErrors(),
                    options.timeout());
        }
        clockSending.get();

        // late: behind every watermark, so each becomes a LATE error.
        Future<Integer> lateSending =
                background.submit(() -> producer.produce(late, options.rate(), NO_DEADLINE));
        long lateErrors = mainExpected.totalErrors() + late.size();
        await(
                "late",
                () -> lateSending.isDone() && outputs.errors() >= lateErrors,
                System.nanoTime() + options.timeout().toNanos(),
                result,
                progress);
        lateSending.get();

        // Before the drain: the MiniCluster (and its REST API) ends with the job.
        List<String> failures = JobFailures.read(uiPort, job.getJobID());
        failures.forEach(f -> LOG.warn("Job failure before the stop: {}", f));

        // drain: MAX_WATERMARK releases the clock events; the savepoint commits the rest.
        String savepoints = work.resolve("savepoints").toUri().toString();
        LOG.info("Stopping the job with a savepoint and drain (releases the clock events)");
        CompletableFuture<String> savepoint =
                job.stopWithSavepoint(true, savepoints, SavepointFormatType.CANONICAL);
        boolean stopped =
                await(
                        "drain",
                        result::isDone,
                        System.nanoTime() + options.timeout().toNanos(),
                        null,
                        progress);
        String savepointPath;
        try {
            savepointPath = savepoint.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            savepointPath = "none (" + e + ")";
            LOG.warn("The stop with savepoint did not complete: {}", e.toString());
        }
        if (!stopped) {
            LOG.warn("The job did not stop within {}; cancelling it", options.timeout());
            job.cancel().get(30, TimeUnit.SECONDS);
        }
        boolean readAll = outputs.readToEnd(Duration.ofSeconds(30));
        progress.print("done");

        List<GeneratedEvent> produced = new ArrayList<>(mainSent);
        produced.addAll(late);
        produced.addAll(clocks);
        ExpectedOutcome expected = ExpectedOutcome.of(produced);
        Verdict verdict = Verdict.of(expected, outputs.commandLines(), outputs.reasonsByEvent());
        summary(
                expected,
                outputs,
                verdict,
                mainSent.size(),
                late.size(),
                clocks.size(),
                (mainProduced - mainStart) / 1e9,
                mainDone ? (mainProcessed - mainStart) / 1e9 : -1,
                savepointPath,
                customers,
                failures);
        if (!readAll) {
            LOG.warn("Could not read the outputs to their end within 30 s");
        }
        return verdict.matches() && readAll;
    }

    /**
     * Polls the outputs and prints progress until {@code done} holds, the deadline passes or (if
     * {@code result} is given) the job ends; returns whether {@code done} holds.
     */
    private boolean await(
            String phase,
            BooleanSupplier done,
            long deadline,
            @Nullable CompletableFuture<JobExecutionResult> result,
            Progress progress) {
        while (!done.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            if (result != null && result.isDone()) {
                LOG.warn("The job ended before the {} phase was complete: {}", phase, result);
                return false;
            }
            progress.outputs.poll(Duration.ofMillis(200));
            if (System.nanoTime() - lastPrint >= PROGRESS_EVERY.toNanos()) {
                progress.print(phase);
            }
        }
        return true;
    }

    /** The live progress line. */
    private final class Progress {
        private final PacedProducer producer;
        private final CommittedOutputs outputs;
        private final long total;

        Progress(PacedProducer producer, CommittedOutputs outputs, long total) {
            this.producer = producer;
            this.outputs = outputs;
            this.total = total;
            lastPrint = System.nanoTime();
        }

        void print(String phase) {
            long now = System.nanoTime();
            double seconds = Math.max(1e-3, (now - lastPrint) / 1e9);
            long in = producer.acknowledged();
            long out = outputs.commands() + outputs.errors();
            double outRate = (out - lastOut) / seconds;
            peakOut = Math.max(peakOut, outRate);
            LOG.info(
                    "{} {}s | in {}/{} | commands {} | errors {} {} | retries {} | {} in/s, {} out/s",
                    String.format("%-5s", phase),
                    String.format("%4d", TimeUnit.NANOSECONDS.toSeconds(now - started)),
                    fmt(in),
                    fmt(total),
                    fmt(outputs.commands()),
                    fmt(outputs.errors()),
                    reasons(outputs.errorsByReason()),
                    fmt(outputs.retries()),
                    fmt((in - lastIn) / seconds),
                    fmt(outRate));
            lastPrint = now;
            lastIn = in;
            lastOut = out;
        }
    }

    private void summary(
            ExpectedOutcome expected,
            CommittedOutputs outputs,
            Verdict verdict,
            int mainSent,
            int late,
            int clocks,
            double produceSeconds,
            double processSeconds,
            String savepoint,
            CustomerService customers,
            List<String> failures) {
        LOG.info("");
        LOG.info("Summary (read_committed from {} and {}):", OUTBOX, DLQ);
        LOG.info(
                "  inputs           {}  (main {}, late {}, clock {})",
                pad(mainSent + late + clocks),
                fmt(mainSent),
                fmt(late),
                fmt(clocks));
        LOG.info(
                "  outbox commands  {}  expected {}",
                pad(outputs.commands()),
                fmt(expected.totalCommands()));
        LOG.info(
                "  DLQ records      {}  expected {}",
                pad(outputs.errors()),
                fmt(expected.totalErrors()));
        Verdict.countsByReason(expected, outputs.errorsByReason())
                .forEach(line -> LOG.info("    {}", line));
        LOG.info(
                "  accepted without a command  {}  (cancelled before any item or payment)",
                fmt(expected.acceptedWithoutCommands()));
        LOG.info(
                "  customer service: {} requests by status {}",
                fmt(customers.requests()),
                customers.requestsByStatus());
        LOG.info(
                "  throughput: main phase produced in {} s ({} events/s); all its outputs"
                        + " committed {} s after its first event ({} events/s end to end);"
                        + " peak {} outputs/s",
                String.format("%.1f", produceSeconds),
                fmt(mainSent / Math.max(produceSeconds, 1e-3)),
                processSeconds < 0 ? "-" : String.format("%.1f", processSeconds),
                processSeconds < 0 ? "-" : fmt(mainSent / Math.max(processSeconds, 1e-3)),
                fmt(peakOut));
        LOG.info(
                "  job failures (restarts) before the stop: {}{}",
                failures.size(),
                failures.isEmpty() ? "" : ", see the warnings above");
        LOG.info(
                "  wall time {} s; final savepoint {}",
                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started),
                savepoint);
        if (verdict.matches()) {
            LOG.info("OK: every input ended exactly as the model expects");
        } else {
            LOG.info("MISMATCH: the outputs differ from the model:");
            verdict.differences().forEach(d -> LOG.info("  {}", d));
        }
    }

    private ReferenceConfig config(String bootstrap, CustomerService customers, Path work) {
        Map<String, String> overrides = new LinkedHashMap<>();
        overrides.put("kafka.bootstrap-servers", bootstrap);
        overrides.put("kafka.group-id", "keyflow-local");
        overrides.put("topics.input", INPUT);
        overrides.put("topics.outbox", OUTBOX);
        overrides.put("topics.dlq", DLQ);
        overrides.put("topics.retry", RETRY);
        overrides.put("enrichment.url", customers.urlTemplate());
        overrides.put("job.parallelism", Integer.toString(options.parallelism()));
        // Commits (and so the progress of the committed outputs) follow the checkpoints.
        overrides.put("checkpoints.interval", CHECKPOINT_INTERVAL.toMillis() + "ms");
        overrides.put("state.checkpoint-directory", work.resolve("checkpoints").toUri().toString());
        overrides.put("state.savepoint-directory", work.resolve("savepoints").toUri().toString());
        return ConfigLoader.parse(ConfigLoader.defaultYaml(), overrides);
    }

    private static List<GeneratedEvent> phase(List<GeneratedEvent> events, Phase phase) {
        return events.stream().filter(e -> e.phase() == phase).collect(Collectors.toList());
    }

    private static String reasons(Map<String, Long> byReason) {
        if (byReason.isEmpty()) {
            return "";
        }
        return byReason.entrySet().stream()
                .map(e -> e.getKey() + " " + fmt(e.getValue()))
                .collect(Collectors.joining(", ", "(", ")"));
    }

    private static String fmt(double n) {
        return String.format("%,d", Math.round(n));
    }

    private static String pad(long n) {
        return String.format("%,8d", n);
    }

    private static int freePortFrom(int preferred) {
        for (int port = preferred; port < preferred + 100; port++) {
            try (ServerSocket socket = new ServerSocket(port)) {
                return port;
            } catch (IOException inUse) {
                LOG.debug("port {} is in use", port);
            }
        }
        return 0;
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("Could not delete the working directory {}: {}", dir, e.toString());
        }
    }
}
