package dev.keyflow.reference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyflow.core.kafka.ErrorHeaders;
import dev.keyflow.core.testutils.FlinkTestEnvironments;
import dev.keyflow.core.testutils.KafkaBrokerExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The job the quick start runs: real broker, MiniCluster, outputs plus errors equal inputs. */
class DemoJobITCase {

    @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @RegisterExtension
    static final MiniClusterExtension FLINK = FlinkTestEnvironments.miniCluster(2);

    @Test
    void keyedRecordsReachTheOutboxAndTheRestTheDeadLetterTopic() throws Exception {
        String input = KAFKA.newTopic("orders", 2);
        String outbox = KAFKA.newTopic("orders.outbox", 2);
        String dlq = KAFKA.newTopic("orders.dlq", 1);
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            byte[] key =
                    i % 20 == 0 ? null : ("order-" + (i % 37)).getBytes(StandardCharsets.UTF_8);
            records.add(
                    new ProducerRecord<>(
                            input,
                            i % 2,
                            key,
                            ("<Order n='" + i + "'/>").getBytes(StandardCharsets.UTF_8)));
        }
        KAFKA.client().produce(records);

        StreamExecutionEnvironment env = FlinkTestEnvironments.strictEnvironment(2);
        DemoJob.build(
                env,
                new DemoJob.Settings(
                        KAFKA.bootstrapServers(),
                        input,
                        outbox,
                        dlq,
                        "demo-it",
                        Duration.ofMillis(500),
                        true));
        env.execute(DemoJob.JOB_NAME);

        List<ConsumerRecord<byte[], byte[]>> outputs = KAFKA.client().readCommitted(outbox);
        List<ConsumerRecord<byte[], byte[]>> errors = KAFKA.client().readCommitted(dlq);
        assertThat(outputs).hasSize(475);
        assertThat(errors).hasSize(25);
        assertThat(errors)
                .allSatisfy(
                        e ->
                                assertThat(
                                                new String(
                                                        e.headers()
                                                                .lastHeader(ErrorHeaders.REASON)
                                                                .value(),
                                                        StandardCharsets.UTF_8))
                                        .isEqualTo("KEY_MISSING"));
        assertThat(outputs)
                .allSatisfy(
                        o ->
                                assertThat(new String(o.key(), StandardCharsets.UTF_8))
                                        .startsWith("order-"));
    }
}
