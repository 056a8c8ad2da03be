package dev.keyflow.reference.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyflow.core.testutils.KafkaTestClient;
import dev.keyflow.reference.demo.ExpectedOutcome;
import dev.keyflow.reference.demo.GeneratedEvent;
import dev.keyflow.reference.demo.GeneratedEvent.Phase;
import dev.keyflow.reference.demo.OrderGenerator;
import dev.keyflow.reference.local.CommittedOutputs;
import dev.keyflow.reference.local.PacedProducer;
import dev.keyflow.reference.local.Verdict;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.annotation.Nullable;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reference job as an operations team runs it: its shaded jar ({@code -job} classifier)
 * submitted with Flink's own CLI to a standalone session cluster of separate JVMs (a JobManager and
 * two TaskManagers, Flink from Maven Central), reading from and writing to a Kafka broker in its
 * own JVM, looking customers up in the demo customer service, another JVM. While the demo
 * generator's events arrive at a steady rate:
 *
 * <ol>
 *   <li>the TaskManager that runs the job's tasks is killed with SIGKILL and a replacement started;
 *       the job recovers from its last checkpoint on the surviving TaskManager;
 *   <li>the job is stopped with a savepoint ({@code flink stop}) and resumed from it with
 *       parallelism 3 instead of 2 ({@code flink run -s});
 *   <li>the rest of the events, then the clock and late events, arrive; the job is stopped with a
 *       savepoint and drain.
 * </ol>
 *
 * <p>Everything on the outbox and the DLQ, read with {@code read_committed}, must then be exactly
 * what the generator's model ({@link ExpectedOutcome}) expects: every command once, every rejected
 * event once with its reason ({@link Verdict}, as in the local launcher's summary).
 *
 * <p>Run with {@code mvn -Pcluster-test -pl cluster-test -am verify} (docs/cluster-test.md). Every
 * process is stopped at the end, also when the test fails ({@link Processes}). Logs of every JVM
 * stay in {@code cluster-test/target/cluster-test/run-<time>/logs/}.
 */
class ReferenceJobClusterIT {

    private static final Logger LOG = LoggerFactory.getLogger(ReferenceJobClusterIT.class);

    private static final String INPUT = "orders";
    private static final String OUTBOX = "orders.commands";
    private static final String DLQ = "orders.dlq";
    private static final String RETRY = "orders.retry";
    private static final int PARTITIONS = 4;

    /** Generated events (main and late phase); -Dkeyflow.cluster-test.events to change. */
    private static final int EVENTS = Integer.getInteger("keyflow.cluster-test.events", 30_000);

    /** Events per second: the main phase takes about two minutes, the faults land inside it. */
    private static final int RATE = Integer.getInteger("keyflow.cluster-test.rate", 250);

    /** Share of the main phase produced before the TaskManager is killed. */
    private static final double KILL_AT = 0.3;

    /** Share of the main phase produced before the stop with a savepoint. */
    private static final double SAVEPOINT_AT = 0.6;

    /** Share of the main phase's commands committed before the kill: a checkpoint to go back to. */
    private static final double COMMITTED_BEFORE_KILL = 0.1;

    private static final Duration CLOCK_AFTER = Duration.ofMinutes(1);
    private static final Duration STEP_TIMEOUT = Duration.ofMinutes(4);
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(5);
    private static final Duration CUSTOMER_LATENCY = Duration.ofMillis(2);

    private final long started = System.nanoTime();
    private final List<Processes.Child> essential = new ArrayList<>();
    private long lastProgress;

    @Test
    void survivesAKilledTaskManagerAndARescaleWithExactlyTheModelsOutputs() throws Exception {
        Path jobJar = Path.of(property("keyflow.cluster-test.job-jar"));
        assertThat(jobJar)
                .as("the job jar (mvn -Pcluster-test -pl cluster-test -am verify builds it)")
                .isRegularFile();
        String distClasspath =
                Files.readString(Path.of(property("keyflow.cluster-test.dist-classpath"))).trim();
        String testClasspath = System.getProperty("java.class.path");
        Path work =
                Path.of(property("keyflow.cluster-test.work"))
                        .resolve(
                                "run-"
                                        + LocalDateTime.now()
                                                .format(
                                                        DateTimeFormatter.ofPattern(
                                                                "yyyyMMdd-HHmmss")))
                        .toAbsolutePath();
        Files.createDirectories(work);
        Path log4j = copyResource("log4j2-cluster.properties", work);
        Path jobConfig = copyResource("orders-cluster.yaml", work);

        List<GeneratedEvent> events =
                OrderGenerator.generate(OrderGenerator.Settings.builder().events(EVENTS).build());
        List<GeneratedEvent> main = phase(events, Phase.MAIN);
        List<GeneratedEvent> late = phase(events, Phase.LATE);
        List<GeneratedEvent> clocks = OrderGenerator.clockEvents(events, PARTITIONS, CLOCK_AFTER);
        ExpectedOutcome mainExpected = ExpectedOutcome.of(main);
        List<GeneratedEvent> all = new ArrayList<>(main);
        all.addAll(late);
        all.addAll(clocks);
        ExpectedOutcome expected = ExpectedOutcome.of(all);
        LOG.info(
                "Cluster test in {}: {} main-phase events at {}/s, {} late, {} clock; the model"
                        + " expects {} commands and {} DLQ records",
                work,
                main.size(),
                RATE,
                late.size(),
                clocks.size(),
                expected.totalCommands(),
                expected.totalErrors());

        Processes processes = new Processes(work);
        ExecutorService background =
                Executors.newSingleThreadExecutor(
                        r -> {
                            Thread t = new Thread(r, "cluster-test-producer");
                            t.setDaemon(true);
                            return t;
                        });
        boolean passed = false;
        try {
            // The infrastructure and the cluster, each process its own JVM.
            KafkaBrokerProcess broker =
                    KafkaBrokerProcess.start(processes, work, testClasspath, log4j);
            int customerPort = Ports.free();
            Processes.Child customers =
                    processes.startJava(
                            "customer-service",
                            List.of("-Xmx128m", "-Dsun.net.httpserver.nodelay=true"),
                            testClasspath,
                            CustomerServiceMain.class.getName(),
                            List.of(
                                    Integer.toString(customerPort),
                                    Long.toString(CUSTOMER_LATENCY.toMillis())),
                            Map.of());
            String customerUrl = "http://127.0.0.1:" + customerPort + "/customers/{id}";
            FlinkCluster cluster =
                    FlinkCluster.start(processes, work, distClasspath, log4j, clusterSettings());
            essential.addAll(List.of(broker.process(), customers, cluster.jobManager()));
            cluster.startTaskManager("tm-1");
            cluster.startTaskManager("tm-2");
            // The JVMs started at once; now wait until each is ready.
            broker.awaitReady();
            try (KafkaTestClient admin = new KafkaTestClient(broker.bootstrapServers())) {
                admin.createTopic(INPUT, PARTITIONS);
                admin.createTopic(OUTBOX, PARTITIONS);
                admin.createTopic(DLQ, 1);
                admin.createTopic(RETRY, 1);
            }
            await(
                    "the customer service",
                    () -> customers.output().contains("customer service at"),
                    Duration.ofMinutes(1),
                    null);
            await(
                    "two TaskManagers registered",
                    () -> cluster.registeredTaskManagers().containsAll(List.of("tm-1", "tm-2")),
                    Duration.ofMinutes(3),
                    null);
            LOG.info(
                    "Broker {}, customer service {}, Flink cluster {} (JobManager pid {},"
                            + " TaskManagers tm-1 pid {}, tm-2 pid {}) ready after {} s",
                    broker.bootstrapServers(),
                    customerUrl,
                    cluster.restUrl(),
                    cluster.jobManager().pid(),
                    cluster.taskManager("tm-1").pid(),
                    cluster.taskManager("tm-2").pid(),
                    seconds());

            List<String> jobArgs =
                    List.of(
                            "--config",
                            jobConfig.toString(),
                            "--kafka.bootstrap-servers",
                            broker.bootstrapServers(),
                            "--enrichment.url",
                            customerUrl,
                            "--state.checkpoint-directory",
                            work.resolve("checkpoints").toUri().toString(),
                            "--state.savepoint-directory",
                            work.resolve("savepoints").toUri().toString());
            String first = cluster.submit(jobJar, null, withParallelism(jobArgs, 2));
            LOG.info("flink run: job {} submitted, parallelism 2", first);
            await(
                    "job " + first + " running",
                    () -> cluster.isFullyRunning(first),
                    STEP_TIMEOUT,
                    null);

            try (PacedProducer producer =
                            new PacedProducer(broker.bootstrapServers(), INPUT, PARTITIONS);
                    CommittedOutputs outputs =
                            new CommittedOutputs(broker.bootstrapServers(), OUTBOX, DLQ, RETRY)) {
                Progress progress = new Progress(producer, outputs, all.size());
                Future<Integer> sending =
                        background.submit(() -> producer.produce(main, RATE, Long.MAX_VALUE));
                progress.sending = sending;

                // 1. SIGKILL the TaskManager that runs the tasks; start a replacement.
                long killAt = (long) (main.size() * KILL_AT);
                long committedBeforeKill =
                        (long) (mainExpected.totalCommands() * COMMITTED_BEFORE_KILL);
                await(
                        killAt + " events produced and " + committedBeforeKill + " commands",
                        () ->
                                producer.acknowledged() >= killAt
                                        && outputs.commands() >= committedBeforeKill,
                        STEP_TIMEOUT,
                        progress);
                Map<String, Integer> placement = cluster.runningSubtasksByTaskManager(first);
                String victim =
                        placement.entrySet().stream()
                                .max(Map.Entry.comparingByValue())
                                .orElseThrow()
                                .getKey();
                Processes.Child victimProcess = cluster.taskManager(victim);
                LOG.info(
                        "Killing TaskManager {} (pid {}) with SIGKILL: it runs {} of the job's"
                                + " subtasks {}; {} of {} main-phase events produced, {} commands"
                                + " committed",
                        victim,
                        victimProcess.pid(),
                        placement.get(victim),
                        placement,
                        producer.acknowledged(),
                        main.size(),
                        outputs.commands());
                long killed = System.nanoTime();
                victimProcess.kill();
                cluster.startTaskManager("tm-3");
                await(
                        "job " + first + " recovered without " + victim,
                        () ->
                                !cluster.failures(first).isEmpty()
                                        && cluster.isFullyRunning(first)
                                        && !cluster.runningSubtasksByTaskManager(first)
                                                .containsKey(victim),
                        STEP_TIMEOUT,
                        progress);
                long commandsAtRecovery = outputs.commands();
                List<String> firstFailures = cluster.failures(first);
                LOG.info(
                        "Recovered {} s after the kill, subtasks now on {}; failures: {}",
                        TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - killed),
                        cluster.runningSubtasksByTaskManager(first),
                        firstFailures);
                await(
                        "tm-3 registered",
                        () -> cluster.registeredTaskManagers().contains("tm-3"),
                        STEP_TIMEOUT,
                        progress);

                // 2. Stop with a savepoint, resume from it with parallelism 3.
                long savepointAt = (long) (main.size() * SAVEPOINT_AT);
                await(
                        savepointAt + " events produced and commands committed after the recovery",
                        () ->
                                producer.acknowledged() >= savepointAt
                                        && outputs.commands() > commandsAtRecovery,
                        STEP_TIMEOUT,
                        progress);
                LOG.info(
                        "flink stop --savepointPath: job {}; {} of {} main-phase events produced,"
                                + " {} commands committed",
                        first,
                        producer.acknowledged(),
                        main.size(),
                        outputs.commands());
                String savepoint =
                        cluster.stopWithSavepoint(first, work.resolve("savepoints"), false);
                await(
                        "job " + first + " finished",
                        () -> cluster.jobState(first).orElse("").equals("FINISHED"),
                        STEP_TIMEOUT,
                        progress);
                LOG.info("Savepoint {}", savepoint);
                String second = cluster.submit(jobJar, savepoint, withParallelism(jobArgs, 3));
                LOG.info(
                        "flink run -s: job {} submitted from the savepoint, parallelism 3", second);
                await(
                        "job " + second + " running",
                        () -> cluster.isFullyRunning(second),
                        STEP_TIMEOUT,
                        progress);
                assertThat(cluster.parallelism(second)).isEqualTo(3);
                LOG.info("Job {} runs on {}", second, cluster.runningSubtasksByTaskManager(second));

                // 3. The rest of the main phase, the clock events, their outputs.
                await("the main phase produced", sending::isDone, STEP_TIMEOUT, progress);
                assertThat(sending.get()).isEqualTo(main.size());
                producer.produce(clocks, 0, Long.MAX_VALUE);
                await(
                        "the main phase's outputs",
                        () ->
                                outputs.commands() >= mainExpected.totalCommands()
                                        && outputs.errors() >= mainExpected.totalErrors(),
                        STEP_TIMEOUT,
                        progress);

                // 4. The late events, each rejected as LATE.
                producer.produce(late, RATE, Long.MAX_VALUE);
                long lateErrors = mainExpected.totalErrors() + late.size();
                await(
                        "the late events' DLQ records",
                        () -> outputs.errors() >= lateErrors,
                        STEP_TIMEOUT,
                        progress);
                List<String> secondFailures = cluster.failures(second);

                // 5. Drain: the maximum watermark releases the clock events.
                LOG.info("flink stop --drain: job {}", second);
                String last = cluster.stopWithSavepoint(second, work.resolve("savepoints"), true);
                await(
                        "job " + second + " finished",
                        () -> cluster.jobState(second).orElse("").equals("FINISHED"),
                        STEP_TIMEOUT,
                        progress);
                boolean readAll = outputs.readToEnd(Duration.ofSeconds(30));
                progress.print("done");

                Verdict verdict =
                        Verdict.of(expected, outputs.commandLines(), outputs.reasonsByEvent());
                LOG.info("");
                LOG.info("Summary (read_committed from {} and {}):", OUTBOX, DLQ);
                LOG.info(
                        "  inputs           {}  (main {}, late {}, clock {})",
                        String.format("%,8d", all.size()),
                        main.size(),
                        late.size(),
                        clocks.size());
                LOG.info(
                        "  outbox commands  {}  expected {}",
                        String.format("%,8d", outputs.commands()),
                        String.format("%,d", expected.totalCommands()));
                LOG.info(
                        "  DLQ records      {}  expected {}",
                        String.format("%,8d", outputs.errors()),
                        String.format("%,d", expected.totalErrors()));
                Verdict.countsByReason(expected, outputs.errorsByReason())
                        .forEach(line -> LOG.info("    {}", line));
                LOG.info(
                        "  job {} (parallelism 2): {} failure(s) after the kill of {}; job {}"
                                + " (parallelism 3): {} failure(s)",
                        first,
                        firstFailures.size(),
                        victim,
                        second,
                        secondFailures.size());
                LOG.info("  savepoints: {} (rescale), {} (drain)", savepoint, last);
                LOG.info("  wall time {} s; logs in {}", seconds(), processes.logs());
                if (verdict.matches()) {
                    LOG.info("OK: every input ended exactly as the model expects");
                } else {
                    LOG.info("MISMATCH: the outputs differ from the model:");
                    verdict.differences().forEach(d -> LOG.info("  {}", d));
                }

                assertThat(readAll).as("outputs read to their end").isTrue();
                assertThat(verdict.differences()).as("differences from the model").isEmpty();
                assertThat(firstFailures).as("failures of the first job").isNotEmpty();
                passed = true;
            }
        } finally {
            background.shutdownNow();
            processes.close();
            assertThat(processes.stillAlive()).as("processes left behind").isEmpty();
            customerServiceSummary(processes.logs());
            if (passed) {
                // Keep the logs; the data (broker, checkpoints, savepoints) is no longer needed.
                for (String data :
                        List.of("kafka-data", "checkpoints", "savepoints", "flink-tmp")) {
                    deleteRecursively(work.resolve(data));
                }
            }
        }
    }

    /** The cluster's configuration beyond addresses and ports (FlinkCluster sets those). */
    private static Map<String, String> clusterSettings() {
        return Map.ofEntries(
                Map.entry("jobmanager.memory.process.size", "1024m"),
                Map.entry("taskmanager.memory.process.size", "1536m"),
                Map.entry("taskmanager.memory.managed.fraction", "0.2"),
                Map.entry("taskmanager.numberOfTaskSlots", "2"),
                // The job's YAML has no restart strategy: the cluster's applies.
                Map.entry("restart-strategy.type", "fixed-delay"),
                Map.entry("restart-strategy.fixed-delay.attempts", "10"),
                Map.entry("restart-strategy.fixed-delay.delay", "2 s"),
                // A killed TaskManager is noticed after two failed heartbeat RPCs.
                Map.entry("heartbeat.interval", "2 s"),
                Map.entry("heartbeat.timeout", "30 s"),
                Map.entry("client.timeout", "3 min"),
                // A generous RPC timeout: the machine may be busy with other builds.
                Map.entry("pekko.ask.timeout", "30 s"));
    }

    private static List<String> withParallelism(List<String> jobArgs, int parallelism) {
        List<String> args = new ArrayList<>(jobArgs);
        args.add("--job.parallelism");
        args.add(Integer.toString(parallelism));
        return args;
    }

    /**
     * Polls (the outputs too, when {@code progress} is given) until {@code done} holds; fails the
     * test after {@code timeout}.
     */
    private void await(
            String what, BooleanSupplier done, Duration timeout, @Nullable Progress progress)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            for (Processes.Child process : essential) {
                if (!process.isAlive()) {
                    throw new AssertionError(
                            process
                                    + " ended with exit code "
                                    + process.exitCode()
                                    + " while waiting for "
                                    + what
                                    + " (see its log); its output:\n"
                                    + process.tail(20));
                }
            }
            if (System.nanoTime() - deadline > 0) {
                if (progress != null) {
                    progress.print("timeout");
                }
                throw new AssertionError("waited " + timeout + " in vain for " + what);
            }
            if (progress != null) {
                progress.checkProducer();
                progress.outputs.poll(Duration.ofMillis(500));
                if (System.nanoTime() - lastProgress >= PROGRESS_EVERY.toNanos()) {
                    progress.print("");
                }
            } else {
                TimeUnit.MILLISECONDS.sleep(500);
            }
        }
    }

    /** The progress line, every few seconds. */
    private final class Progress {
        private final PacedProducer producer;
        private final CommittedOutputs outputs;
        private final int total;
        @Nullable private Future<Integer> sending;

        Progress(PacedProducer producer, CommittedOutputs outputs, int total) {
            this.producer = producer;
            this.outputs = outputs;
            this.total = total;
        }

        /** Fails the test at once if the background producer failed. */
        void checkProducer() throws InterruptedException {
            if (sending != null && sending.isDone()) {
                try {
                    sending.get();
                } catch (ExecutionException e) {
                    throw new AssertionError("producing the events failed", e.getCause());
                }
            }
        }

        void print(String note) {
            LOG.info(
                    "{}s | in {}/{} | commands {} | errors {} {} | retries {} {}",
                    String.format("%4d", seconds()),
                    producer.acknowledged(),
                    total,
                    outputs.commands(),
                    outputs.errors(),
                    outputs.errorsByReason(),
                    outputs.retries(),
                    note);
            lastProgress = System.nanoTime();
        }
    }

    private long seconds() {
        return TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
    }

    private static void customerServiceSummary(Path logs) {
        try {
            Files.readAllLines(logs.resolve("customer-service.out")).stream()
                    .filter(line -> line.startsWith("customer service: "))
                    .forEach(line -> LOG.info("  {}", line));
        } catch (IOException e) {
            LOG.warn("cannot read the customer service's output: {}", e.toString());
        }
    }

    private static List<GeneratedEvent> phase(List<GeneratedEvent> events, Phase phase) {
        return events.stream().filter(e -> e.phase() == phase).collect(Collectors.toList());
    }

    private static String property(String name) {
        String value = System.getProperty(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException(
                    "system property "
                            + name
                            + " is not set: run with mvn -Pcluster-test -pl cluster-test -am"
                            + " verify");
        }
        return value;
    }

    private static Path copyResource(String name, Path dir) throws IOException {
        Path target = dir.resolve(name);
        try (InputStream in =
                ReferenceJobClusterIT.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("no resource " + name);
            }
            Files.writeString(
                    target,
                    new String(in.readAllBytes(), StandardCharsets.UTF_8),
                    StandardCharsets.UTF_8);
        }
        return target;
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            LOG.warn("cannot delete {}: {}", dir, e.toString());
        }
    }
}
