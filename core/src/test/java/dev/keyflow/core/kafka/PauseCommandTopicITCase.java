package dev.keyflow.core.kafka;

import static dev.keyflow.core.testutils.TestRecords.envelope;
import static dev.keyflow.core.testutils.TestRecords.payloadOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyflow.core.Envelope;
import dev.keyflow.core.ErrorReason;
import dev.keyflow.core.ErrorRecord;
import dev.keyflow.core.KeyflowOutputs;
import dev.keyflow.core.KeyflowTypes;
import dev.keyflow.core.PauseCommand;
import dev.keyflow.core.PauseGate;
import dev.keyflow.core.PauseStatusChange;
import dev.keyflow.core.RawRecord;
import dev.keyflow.core.testutils.FlinkTestEnvironments;
import dev.keyflow.core.testutils.KafkaBrokerExtension;
import dev.keyflow.core.testutils.KeyflowHarnesses;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Seeding a pause gate from a real compacted Kafka topic: commands and statuses written in the
 * topic's layout are read back from the earliest offset, and applied in order they leave every key
 * in its latest status.
 */
class PauseCommandTopicITCase {

    @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @RegisterExtension
    static final MiniClusterExtension FLINK = FlinkTestEnvironments.miniCluster(1);

    @Test
    void aCompactedTopicReadFromTheStartSeedsEveryKeysLatestStatus() throws Exception {
        String topic = "pause-commands";
        KAFKA.client().createTopic(topic, 1, Map.of("cleanup.policy", "compact"));
        var commands = PauseCommandTopic.serializer(topic);
        var statuses = PauseCommandTopic.statusSerializer(topic);
        KAFKA.client()
                .produce(
                        List.of(
                                commands.serialize(
                                        PauseCommand.pause("k1", 100)
                                                .withReason("migration")
                                                .withIssuedBy("ops"),
                                        null,
                                        null),
                                commands.serialize(PauseCommand.pause("k2", 101), null, null),
                                commands.serialize(PauseCommand.resume("k2", 102), null, null),
                                new ProducerRecord<>(topic, utf8("k3"), null), // a tombstone
                                new ProducerRecord<>(topic, utf8("k4"), utf8("STOP")),
                                statuses.serialize(
                                        new PauseStatusChange(
                                                "k5",
                                                PauseStatusChange.Status.PAUSED,
                                                103,
                                                PauseStatusChange.Cause.COMMAND,
                                                null,
                                                null,
                                                0),
                                        null,
                                        null)));

        StreamExecutionEnvironment env = FlinkTestEnvironments.strictEnvironment(1);
        SingleOutputStreamOperator<PauseCommand> parsed =
                PauseCommandTopic.parse(
                        KafkaRawSource.builder()
                                .bootstrapServers(KAFKA.bootstrapServers())
                                .topics(topic)
                                .groupId("pause-seed-it")
                                .startingOffsets(OffsetsInitializer.earliest())
                                .bounded(OffsetsInitializer.latest())
                                .build()
                                .createStream(env, WatermarkStrategy.<RawRecord>noWatermarks()));
        List<PauseCommand> replayed = new ArrayList<>();
        List<ErrorRecord> errors = new ArrayList<>();
        try (CloseableIterator<PauseCommand> commandIt = parsed.collectAsync();
                CloseableIterator<ErrorRecord> errorIt =
                        parsed.getSideOutput(KeyflowOutputs.ERRORS).collectAsync()) {
            env.execute("pause command seeding");
            commandIt.forEachRemaining(replayed::add);
            errorIt.forEachRemaining(errors::add);
        }

        assertThat(replayed)
                .containsExactly(
                        new PauseCommand("k1", PauseCommand.Action.PAUSE, 100, "migration", "ops"),
                        PauseCommand.pause("k2", 101),
                        PauseCommand.resume("k2", 102),
                        new PauseCommand(
                                "k3",
                                PauseCommand.Action.RESUME,
                                replayed.get(3).time(),
                                null,
                                null),
                        PauseCommand.pause("k5", 103));
        assertThat(errors)
                .singleElement()
                .satisfies(
                        e -> {
                            assertThat(e.reason()).isEqualTo(ErrorReason.MALFORMED_INPUT);
                            assertThat(e.key()).isEqualTo("k4");
                            assertThat(e.origin().topic()).isEqualTo(topic);
                            assertThat(e.origin().offset()).isEqualTo(4L);
                        });

        // Applied in order, the replay leaves k1 and k5 paused and everything else active.
        try (var gate =
                KeyflowHarnesses.pauseGate(
                        PauseGate.forEnvelopes().build(), Envelope::key, KeyflowTypes.ENVELOPE)) {
            gate.open();
            for (PauseCommand command : replayed) {
                gate.processElement2(command, command.time());
            }
            for (String key : List.of("k1", "k2", "k3", "k5")) {
                gate.processElement1(envelope(key, 1, key), 1);
            }
            assertThat(gate.extractOutputValues())
                    .extracting(e -> payloadOf(e))
                    .containsExactly("k2", "k3");
        }
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
