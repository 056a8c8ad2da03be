package dev.keyflow.reference.local;

import dev.keyflow.core.kafka.ErrorHeaders;
import dev.keyflow.core.testutils.KafkaBroker;
import dev.keyflow.core.testutils.KafkaTestClient;
import dev.keyflow.reference.DemoJob;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs keyflow on one machine with nothing installed but Java: a real Kafka broker (KRaft, in this
 * JVM), a Flink MiniCluster with its web UI, generated demo data, the pipeline, and a summary that
 * checks that every input ended exactly once as an output or an error.
 *
 * <p>Started by {@code mvn -pl job-reference -am -DskipTests package exec:exec}. Set the system
 * property {@code keyflow.demo.records} to change the number of demo records.
 */
public final class LocalRunner {

    private static final Logger LOG = LoggerFactory.getLogger(LocalRunner.class);
    private static final String INPUT = "orders";
    private static final String OUTBOX = "orders.outbox";
    private static final String DLQ = "orders.dlq";
    private static final int PARTITIONS = 4;

    private LocalRunner() {}

    public static void main(String[] args) throws Exception {
        int records = Integer.getInteger("keyflow.demo.records", 20_000);
        long started = System.nanoTime();
        boolean ok;
        try (KafkaBroker broker = KafkaBroker.start();
                KafkaTestClient kafka = new KafkaTestClient(broker.bootstrapServers())) {
            LOG.info(
                    "Kafka broker (KRaft, single node) at {} started in {} ms",
                    broker.bootstrapServers(),
                    broker.startupTime().toMillis());
            kafka.createTopic(INPUT, PARTITIONS);
            kafka.createTopic(OUTBOX, PARTITIONS);
            kafka.createTopic(DLQ, 1);
            List<ProducerRecord<byte[], byte[]>> demo = demoRecords(records);
            kafka.produce(demo);
            LOG.info("Produced {} demo records to '{}'", demo.size(), INPUT);
            ok = runPipeline(broker.bootstrapServers(), kafka, demo.size());
        }
        LOG.info(
                "Done in {} s: {}",
                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started),
                ok ? "OK" : "MISMATCH");
        System.exit(ok ? 0 : 1);
    }

    private static boolean runPipeline(String bootstrap, KafkaTestClient kafka, int inputs)
            throws Exception {
        int uiPort = freePortFrom(8081);
        Configuration conf = new Configuration();
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        conf.set(RestOptions.PORT, uiPort);
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(conf);
        env.setParallelism(2);
        DemoJob.build(
                env,
                new DemoJob.Settings(
                        bootstrap,
                        INPUT,
                        OUTBOX,
                        DLQ,
                        "keyflow-local",
                        Duration.ofSeconds(2),
                        true));
        JobClient job = env.executeAsync(DemoJob.JOB_NAME);
        LOG.info(
                "Flink MiniCluster running job {}; web UI at http://localhost:{}",
                job.getJobID(),
                uiPort);
        CompletableFuture<JobExecutionResult> result = job.getJobExecutionResult();
        while (true) {
            try {
                JobExecutionResult done = result.get(3, TimeUnit.SECONDS);
                LOG.info("Job finished in {} ms", done.getNetRuntime());
                break;
            } catch (TimeoutException stillRunning) {
                LOG.info("... job {}", job.getJobStatus().get());
            }
        }
        return summarize(kafka, inputs);
    }

    private static boolean summarize(KafkaTestClient kafka, int inputs) {
        List<ConsumerRecord<byte[], byte[]>> outputs = kafka.readCommitted(OUTBOX);
        List<ConsumerRecord<byte[], byte[]>> errors = kafka.readCommitted(DLQ);
        Map<String, Integer> reasons = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> error : errors) {
            Header reason = error.headers().lastHeader(ErrorHeaders.REASON);
            String name = reason == null ? "?" : new String(reason.value(), StandardCharsets.UTF_8);
            reasons.merge(name, 1, Integer::sum);
        }
        boolean ok = outputs.size() + errors.size() == inputs;
        LOG.info("Summary (read_committed):");
        LOG.info("  inputs            {}", inputs);
        LOG.info("  outbox records    {}  ('{}')", outputs.size(), OUTBOX);
        LOG.info("  error records     {}  ('{}') by reason {}", errors.size(), DLQ, reasons);
        LOG.info(
                "  outputs + errors  {}  {}",
                outputs.size() + errors.size(),
                ok ? "= inputs: nothing lost, nothing doubled" : "!= inputs");
        return ok;
    }

    /** Orders keyed by id; about 2% without a key and 1% with an empty one, as real feeds have. */
    private static List<ProducerRecord<byte[], byte[]>> demoRecords(int n) {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(n);
        long now = System.currentTimeMillis();
        for (int i = 0; i < n; i++) {
            String key = i % 50 == 7 ? null : i % 100 == 13 ? "" : "order-" + (i % 1000);
            String xml =
                    "<Order xmlns=\"urn:keyflow:demo\"><Id>"
                            + (key == null ? "" : key)
                            + "</Id><Seq>"
                            + i
                            + "</Seq></Order>";
            ProducerRecord<byte[], byte[]> record =
                    new ProducerRecord<>(
                            INPUT,
                            null,
                            now - n + i,
                            key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                            xml.getBytes(StandardCharsets.UTF_8));
            record.headers().add("type", "OrderPlaced".getBytes(StandardCharsets.UTF_8));
            records.add(record);
        }
        return records;
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
}
