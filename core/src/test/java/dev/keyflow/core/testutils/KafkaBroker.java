package dev.keyflow.core.testutils;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real, single-node Apache Kafka broker in KRaft mode (combined broker and controller), run
 * inside the current JVM from the Kafka artifacts on Maven Central. No Docker, no mock.
 *
 * <pre>{@code
 * try (KafkaBroker broker = KafkaBroker.start()) {
 *     String bootstrap = broker.bootstrapServers();
 *     ...
 * }
 * }</pre>
 *
 * <p>It listens on free loopback ports, keeps its log in a temporary directory that {@link
 * #close()} deletes, and is configured for transactions on one node (transaction state log and
 * offsets topic with replication factor 1 and min ISR 1). Topics are not created automatically:
 * create them with {@link KafkaTestClient#createTopic}, which waits for partition leaders. The
 * broker keeps Kafka's default {@code transaction.max.timeout.ms} of 15 minutes.
 */
public final class KafkaBroker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaBroker.class);
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    private final KafkaRaftServer server;
    private final Path logDir;
    private final String bootstrapServers;
    private final Duration startupTime;

    private KafkaBroker(
            KafkaRaftServer server, Path logDir, String bootstrapServers, Duration startupTime) {
        this.server = server;
        this.logDir = logDir;
        this.bootstrapServers = bootstrapServers;
        this.startupTime = startupTime;
    }

    /**
     * The properties of a single-node KRaft broker (combined broker and controller, replication 1,
     * transactions enabled, no automatic topic creation) on {@code brokerPort} and {@code
     * controllerPort} with its log in {@code logDir}; also used for a broker in its own process.
     */
    public static Properties singleNodeProperties(int brokerPort, int controllerPort, Path logDir) {
        Properties props = new Properties();
        props.setProperty("process.roles", "broker,controller");
        props.setProperty("node.id", "1");
        props.setProperty("controller.quorum.voters", "1@localhost:" + controllerPort);
        props.setProperty(
                "listeners",
                "PLAINTEXT://localhost:"
                        + brokerPort
                        + ",CONTROLLER://localhost:"
                        + controllerPort);
        props.setProperty("advertised.listeners", "PLAINTEXT://localhost:" + brokerPort);
        props.setProperty("controller.listener.names", "CONTROLLER");
        props.setProperty("inter.broker.listener.name", "PLAINTEXT");
        props.setProperty(
                "listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        props.setProperty("log.dirs", logDir.toString());
        props.setProperty("auto.create.topics.enable", "false");
        props.setProperty("num.partitions", "1");
        props.setProperty("default.replication.factor", "1");
        props.setProperty("min.insync.replicas", "1");
        props.setProperty("offsets.topic.replication.factor", "1");
        props.setProperty("offsets.topic.num.partitions", "4");
        props.setProperty("transaction.state.log.replication.factor", "1");
        props.setProperty("transaction.state.log.min.isr", "1");
        props.setProperty("transaction.state.log.num.partitions", "4");
        props.setProperty("share.coordinator.state.topic.replication.factor", "1");
        props.setProperty("share.coordinator.state.topic.min.isr", "1");
        props.setProperty("group.initial.rebalance.delay.ms", "0");
        return props;
    }

    /** Starts a broker with the default single-node settings. */
    public static KafkaBroker start() {
        return start(Map.of());
    }

    /** Starts a broker; {@code overrides} replace or add broker properties. */
    public static KafkaBroker start(Map<String, String> overrides) {
        long started = System.nanoTime();
        int brokerPort = freePort();
        int controllerPort = freePort();
        Path logDir;
        try {
            logDir = Files.createTempDirectory("keyflow-kafka-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the broker's log directory", e);
        }
        Properties props = singleNodeProperties(brokerPort, controllerPort, logDir);
        props.setProperty("log.flush.interval.messages", Long.toString(Long.MAX_VALUE));
        props.putAll(overrides);

        format(props, logDir);
        KafkaRaftServer server =
                new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
        server.startup();
        String bootstrap = "localhost:" + brokerPort;
        KafkaBroker broker = null;
        try {
            awaitReady(bootstrap);
            broker =
                    new KafkaBroker(
                            server,
                            logDir,
                            bootstrap,
                            Duration.ofNanos(System.nanoTime() - started));
            LOG.info("Kafka broker ready at {} in {} ms", bootstrap, broker.startupTime.toMillis());
            return broker;
        } finally {
            if (broker == null) {
                server.shutdown();
                server.awaitShutdown();
                deleteRecursively(logDir);
            }
        }
    }

    /** {@code localhost:<port>} of the PLAINTEXT listener. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** How long {@link #start} took until the broker answered an admin request. */
    public Duration startupTime() {
        return startupTime;
    }

    /** Stops the broker and deletes its data. */
    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
        deleteRecursively(logDir);
    }

    private static void format(Properties props, Path logDir) {
        Path config = logDir.resolveSibling(logDir.getFileName() + ".properties");
        try {
            try (var out = Files.newOutputStream(config)) {
                props.store(out, "keyflow test broker");
            }
            ByteArrayOutputStream output = new ByteArrayOutputStream();
            int exit;
            try (PrintStream print = new PrintStream(output, true, StandardCharsets.UTF_8)) {
                exit =
                        kafka.tools.StorageTool.execute(
                                new String[] {
                                    "format",
                                    "--config",
                                    config.toString(),
                                    "--cluster-id",
                                    Uuid.randomUuid().toString(),
                                    "--ignore-formatted"
                                },
                                print);
            }
            if (exit != 0) {
                throw new IllegalStateException(
                        "formatting the Kafka log directory failed ("
                                + exit
                                + "): "
                                + output.toString(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the broker configuration", e);
        } finally {
            try {
                Files.deleteIfExists(config);
            } catch (IOException e) {
                LOG.warn("cannot delete {}", config, e);
            }
        }
    }

    private static void awaitReady(String bootstrap) {
        Properties props = new Properties();
        props.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(props)) {
            admin.describeCluster().nodes().get(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(
                    "the Kafka broker at " + bootstrap + " did not answer within " + READY_TIMEOUT,
                    e);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(KafkaBroker::deleteQuietly);
        } catch (IOException e) {
            LOG.warn("cannot delete {}", dir, e);
        }
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.warn("cannot delete {}", path, e);
        }
    }
}
