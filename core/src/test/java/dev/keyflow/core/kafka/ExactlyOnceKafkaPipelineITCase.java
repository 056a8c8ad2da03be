package dev.keyflow.core.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyflow.core.Envelope;
import dev.keyflow.core.ErrorReason;
import dev.keyflow.core.KeyExtraction;
import dev.keyflow.core.KeyExtractors;
import dev.keyflow.core.KeyflowOutputs;
import dev.keyflow.core.KeyflowTypes;
import dev.keyflow.core.KeyflowWatermarks;
import dev.keyflow.core.RawRecord;
import dev.keyflow.core.testutils.Await;
import dev.keyflow.core.testutils.FlinkTestEnvironments;
import dev.keyflow.core.testutils.KafkaBrokerExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Real Kafka topic -> raw source -> key extraction -> exactly-once outbox and error sinks, with a
 * failure injected after a completed checkpoint. Read with read_committed, every input is seen
 * exactly once, either as an output or as an error.
 */
class ExactlyOnceKafkaPipelineITCase {

    private static final int PARTITIONS = 2;
    private static final int PER_PARTITION_A = 150;
    private static final int PER_PARTITION_B = 150;

    @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @RegisterExtension
    static final MiniClusterExtension FLINK = FlinkTestEnvironments.miniCluster(PARTITIONS);

    @Test
    void everyInputEndsExactlyOnceAsOutputOrErrorDespiteAFailure() throws Exception {
        String input = KAFKA.newTopic("input", PARTITIONS);
        String outbox = KAFKA.newTopic("outbox", PARTITIONS);
        String dlq = KAFKA.newTopic("dlq", 1);
        FailOnce.reset();

        List<ProducerRecord<byte[], byte[]>> batchA = inputs(input, "a", PER_PARTITION_A);
        List<ProducerRecord<byte[], byte[]>> batchB = inputs(input, "b", PER_PARTITION_B);
        Map<TopicPartition, Long> stopAt = new HashMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            stopAt.put(new TopicPartition(input, p), (long) (PER_PARTITION_A + PER_PARTITION_B));
        }
        KAFKA.client().produce(batchA);

        StreamExecutionEnvironment env = environment();
        DataStream<RawRecord> raw =
                KafkaRawSource.builder()
                        .bootstrapServers(KAFKA.bootstrapServers())
                        .topics(input)
                        .groupId("exactly-once-it")
                        .bounded(OffsetsInitializer.offsets(stopAt))
                        .build()
                        .createStream(env, KeyflowWatermarks.<RawRecord>builder().build());
        SingleOutputStreamOperator<Envelope> envelopes =
                KeyExtraction.extractKeys(raw, KeyExtractors.kafkaKey());
        DataStream<Envelope> afterFailure =
                envelopes.map(new FailOnce()).returns(KeyflowTypes.ENVELOPE).uid("fail-once");
        OutboxSink.<Envelope>builder()
                .bootstrapServers(KAFKA.bootstrapServers())
                .serializer(EnvelopeSerialization.toTopic(outbox))
                .jobName("exactly-once-it")
                .build()
                .sinkFrom(afterFailure);
        ErrorSink.builder(dlq, null)
                .bootstrapServers(KAFKA.bootstrapServers())
                .jobName("exactly-once-it")
                .build()
                .sinkFrom(envelopes.getSideOutput(KeyflowOutputs.ERRORS));

        JobClient job = env.executeAsync("exactly-once-it");
        int goodInA = countGood(batchA);
        Await.until(() -> FailOnce.SEEN.get() >= goodInA, "batch A processed");
        int checkpointsAfterA = FailOnce.CHECKPOINTS.get();
        Await.until(
                () -> FailOnce.CHECKPOINTS.get() > checkpointsAfterA, "a checkpoint after batch A");
        FailOnce.ARMED_AT.set(FailOnce.SEEN.get());
        KAFKA.client().produce(batchB);
        job.getJobExecutionResult().get(120, TimeUnit.SECONDS);

        List<ProducerRecord<byte[], byte[]>> all = new ArrayList<>(batchA);
        all.addAll(batchB);
        List<String> expectedOutputs =
                all.stream().filter(r -> isGood(r)).map(r -> text(r.value())).toList();
        List<String> expectedErrors =
                all.stream().filter(r -> !isGood(r)).map(r -> text(r.value())).toList();

        assertThat(FailOnce.FAILURES.get()).as("injected failures").isEqualTo(1);
        List<ConsumerRecord<byte[], byte[]>> outputs = KAFKA.client().readCommitted(outbox);
        List<ConsumerRecord<byte[], byte[]>> errors = KAFKA.client().readCommitted(dlq);
        assertThat(outputs)
                .extracting(r -> text(r.value()))
                .containsExactlyInAnyOrderElementsOf(expectedOutputs);
        assertThat(errors)
                .extracting(r -> text(r.value()))
                .containsExactlyInAnyOrderElementsOf(expectedErrors);
        assertThat(outputs.size() + errors.size()).isEqualTo(all.size());
        assertThat(errors)
                .extracting(r -> header(r, ErrorHeaders.REASON))
                .containsOnly(ErrorReason.KEY_MISSING.name(), ErrorReason.KEY_EMPTY.name());
        assertThat(errors)
                .allSatisfy(
                        r -> {
                            assertThat(header(r, ErrorHeaders.ORIGIN_TOPIC)).isEqualTo(input);
                            assertThat(header(r, ErrorHeaders.STAGE)).isEqualTo("KEY_EXTRACTION");
                            assertThat(header(r, "source")).isEqualTo("test");
                        });
        // The same topic read without isolation shows what the failed attempt left uncommitted.
        assertThat(KAFKA.client().readAll(outbox, IsolationLevel.READ_UNCOMMITTED).size())
                .isGreaterThanOrEqualTo(outputs.size());
    }

    private static StreamExecutionEnvironment environment() {
        Configuration conf = FlinkTestEnvironments.strictConfiguration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(200));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(PARTITIONS);
        env.enableCheckpointing(300);
        env.getCheckpointConfig().setCheckpointTimeout(30_000);
        return env;
    }

    /** Every 10th record has no key, every 7th (otherwise) an empty one: both become errors. */
    private static List<ProducerRecord<byte[], byte[]>> inputs(String topic, String batch, int n) {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            for (int i = 0; i < n; i++) {
                String key = i % 10 == 0 ? null : i % 7 == 0 ? "" : "key-" + (i % 13);
                ProducerRecord<byte[], byte[]> record =
                        new ProducerRecord<>(
                                topic,
                                p,
                                key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                                (batch + "-" + p + "-" + i).getBytes(StandardCharsets.UTF_8));
                record.headers().add("source", "test".getBytes(StandardCharsets.UTF_8));
                records.add(record);
            }
        }
        return records;
    }

    private static boolean isGood(ProducerRecord<byte[], byte[]> record) {
        return record.key() != null && record.key().length > 0;
    }

    private static int countGood(List<ProducerRecord<byte[], byte[]>> records) {
        return (int) records.stream().filter(ExactlyOnceKafkaPipelineITCase::isGood).count();
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        var header = record.headers().lastHeader(name);
        return header == null ? null : text(header.value());
    }

    /** Passes envelopes through; fails once, 25 records after being armed. */
    static final class FailOnce extends RichMapFunction<Envelope, Envelope>
            implements CheckpointListener {
        static final AtomicInteger SEEN = new AtomicInteger();
        static final AtomicInteger CHECKPOINTS = new AtomicInteger();
        static final AtomicInteger FAILURES = new AtomicInteger();
        static final AtomicInteger ARMED_AT = new AtomicInteger(-1);

        static void reset() {
            SEEN.set(0);
            CHECKPOINTS.set(0);
            FAILURES.set(0);
            ARMED_AT.set(-1);
        }

        @Override
        public Envelope map(Envelope envelope) {
            int seen = SEEN.incrementAndGet();
            int armedAt = ARMED_AT.get();
            if (armedAt >= 0 && seen > armedAt + 25 && FAILURES.compareAndSet(0, 1)) {
                throw new IllegalStateException("injected failure after " + seen + " records");
            }
            return envelope;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            CHECKPOINTS.incrementAndGet();
        }
    }
}
