package dev.keyflow.reference.cluster;

import dev.keyflow.core.testutils.KafkaBroker;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

/**
 * A single-node Kafka 4.2 broker (KRaft, combined broker and controller) in its own JVM, as an
 * operations team runs one: {@code kafka.tools.StorageTool format}, then {@code kafka.Kafka
 * server.properties}, from the Kafka artifacts on the test classpath. Transactions work on the one
 * node (transaction state and offsets topics with replication factor 1 and min ISR 1).
 */
final class KafkaBrokerProcess {

    private static final Duration FORMAT_TIMEOUT = Duration.ofMinutes(1);

    /** Usually seconds; minutes when other builds load the machine. */
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(3);

    private final Processes.Child process;
    private final String bootstrapServers;

    private KafkaBrokerProcess(Processes.Child process, String bootstrapServers) {
        this.process = process;
        this.bootstrapServers = bootstrapServers;
    }

    /**
     * Formats a log directory below {@code work} and starts the broker; {@link #awaitReady} waits
     * until it answers.
     */
    static KafkaBrokerProcess start(
            Processes processes, Path work, String classpath, Path log4jConfig)
            throws InterruptedException {
        int port = Ports.free();
        int controllerPort = Ports.free();
        Path dataDir = work.resolve("kafka-data");
        Properties props = KafkaBroker.singleNodeProperties(port, controllerPort, dataDir);
        Path config = work.resolve("kafka-server.properties");
        try (OutputStream out = Files.newOutputStream(config)) {
            props.store(out, "keyflow cluster test: single-node KRaft broker");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + config, e);
        }

        List<String> jvm =
                List.of(
                        "-Xmx512m",
                        "-XX:+UseG1GC",
                        "-Dlog4j2.configurationFile=" + log4jConfig.toUri());
        Processes.Child format =
                processes.startJava(
                        "kafka-format",
                        jvm,
                        classpath,
                        "kafka.tools.StorageTool",
                        List.of(
                                "format",
                                "--config",
                                config.toString(),
                                "--cluster-id",
                                Uuid.randomUuid().toString()),
                        Map.of());
        int exit = format.awaitExit(FORMAT_TIMEOUT);
        if (exit != 0) {
            throw new IllegalStateException(
                    "formatting the Kafka log directory failed ("
                            + exit
                            + "):\n"
                            + format.tail(20));
        }
        Processes.Child broker =
                processes.startJava(
                        "kafka",
                        jvm,
                        classpath,
                        "kafka.Kafka",
                        List.of(config.toString()),
                        Map.of());
        String bootstrap = "localhost:" + port;
        return new KafkaBrokerProcess(broker, bootstrap);
    }

    /** {@code localhost:<port>}. */
    String bootstrapServers() {
        return bootstrapServers;
    }

    /** The broker's process. */
    Processes.Child process() {
        return process;
    }

    /** Waits until the broker answers an admin request; fails if it does not in time. */
    void awaitReady() throws InterruptedException {
        Processes.Child broker = process;
        String bootstrap = bootstrapServers;
        Properties props = new Properties();
        props.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.setProperty(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "2000");
        props.setProperty(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "2000");
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        try (Admin admin = Admin.create(props)) {
            while (true) {
                if (!broker.isAlive()) {
                    throw new IllegalStateException(
                            "the Kafka broker ended at start:\n" + broker.tail(30));
                }
                try {
                    admin.describeCluster().nodes().get(2, TimeUnit.SECONDS);
                    return;
                } catch (ExecutionException | TimeoutException notYet) {
                    if (System.nanoTime() - deadline > 0) {
                        throw new IllegalStateException(
                                "the Kafka broker at "
                                        + bootstrap
                                        + " did not answer within "
                                        + READY_TIMEOUT
                                        + ":\n"
                                        + broker.tail(30),
                                notYet);
                    }
                }
            }
        }
    }
}
