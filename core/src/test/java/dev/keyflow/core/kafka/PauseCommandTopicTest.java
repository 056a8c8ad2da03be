package dev.keyflow.core.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.keyflow.core.ErrorReason;
import dev.keyflow.core.ErrorRecord;
import dev.keyflow.core.ErrorStage;
import dev.keyflow.core.Header;
import dev.keyflow.core.KeyflowOutputs;
import dev.keyflow.core.PauseCommand;
import dev.keyflow.core.PauseStatusChange;
import dev.keyflow.core.RawRecord;
import dev.keyflow.core.internal.PauseCommandParser;
import dev.keyflow.core.testutils.TestRecords;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/** The Kafka layout of pause commands and statuses, written and read back. */
class PauseCommandTopicTest {

    @Test
    void aCommandSurvivesTheRoundTripThroughItsKafkaLayout() throws Exception {
        PauseCommand command =
                PauseCommand.pause("order-1", 1234L).withReason("migration").withIssuedBy("ops");

        ProducerRecord<byte[], byte[]> record =
                PauseCommandTopic.serializer("orders.pause").serialize(command, null, null);

        assertThat(record.topic()).isEqualTo("orders.pause");
        assertThat(text(record.key())).isEqualTo("order-1");
        assertThat(text(record.value())).isEqualTo("PAUSE");
        assertThat(record.timestamp()).isEqualTo(1234L);
        assertThat(parse(rawOf(record))).containsExactly(command);
    }

    @Test
    void aStatusRecordReadsAsTheCommandThatLeadsToIt() throws Exception {
        PauseStatusChange change =
                new PauseStatusChange(
                        "order-1",
                        PauseStatusChange.Status.ACTIVE,
                        99L,
                        PauseStatusChange.Cause.MAX_PAUSE,
                        "paused too long",
                        null,
                        3);

        ProducerRecord<byte[], byte[]> record =
                PauseCommandTopic.statusSerializer("orders.status").serialize(change, null, null);

        assertThat(text(record.value())).isEqualTo("ACTIVE");
        assertThat(text(record.headers().lastHeader(PauseCommandTopic.CAUSE_HEADER).value()))
                .isEqualTo("MAX_PAUSE");
        assertThat(text(record.headers().lastHeader(PauseCommandTopic.HELD_EVENTS_HEADER).value()))
                .isEqualTo("3");
        assertThat(parse(rawOf(record)))
                .containsExactly(
                        new PauseCommand(
                                "order-1",
                                PauseCommand.Action.RESUME,
                                99L,
                                "paused too long",
                                null));
    }

    @Test
    void valuesAreReadLeniently() throws Exception {
        List<PauseCommand> commands =
                parse(
                        TestRecords.raw().key("a").value(" paused\n").timestamp(1).build(),
                        TestRecords.raw().key("b").value("Resume").timestamp(2).build(),
                        TestRecords.raw().key("c").timestamp(3).build()); // a tombstone

        assertThat(commands)
                .extracting(c -> c.key() + " " + c.action() + " " + c.time())
                .containsExactly("a PAUSE 1", "b RESUME 2", "c RESUME 3");
    }

    @Test
    void recordsThatAreNotCommandsBecomeErrorRecords() throws Exception {
        RawRecord unknown = TestRecords.raw().key("a").value("STOP").offset(7).build();
        RawRecord noKey = TestRecords.raw().value("PAUSE").offset(8).build();
        try (OneInputStreamOperatorTestHarness<RawRecord, PauseCommand> harness =
                ProcessFunctionTestHarnesses.forProcessFunction(new PauseCommandParser())) {
            harness.processElement(unknown, 1L);
            harness.processElement(noKey, 2L);

            assertThat(harness.extractOutputValues()).isEmpty();
            List<ErrorRecord> errors =
                    harness.getSideOutput(KeyflowOutputs.ERRORS).stream()
                            .map(StreamRecord::getValue)
                            .toList();
            assertThat(errors)
                    .extracting(ErrorRecord::stage, ErrorRecord::reason, ErrorRecord::key)
                    .containsExactly(
                            tuple(ErrorStage.PAUSE_GATE, ErrorReason.MALFORMED_INPUT, "a"),
                            tuple(ErrorStage.PAUSE_GATE, ErrorReason.KEY_MISSING, null));
            assertThat(errors.get(0).payload()).isEqualTo(unknown.value());
            assertThat(errors.get(0).origin()).isEqualTo(unknown.origin());
        }
    }

    @Test
    void topicsAreChecked() {
        assertThatThrownBy(() -> PauseCommandTopic.serializer(" "))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("topic");
        assertThatThrownBy(() -> PauseCommandTopic.statusSerializer(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("topic");
    }

    private static List<PauseCommand> parse(RawRecord... records) throws Exception {
        try (OneInputStreamOperatorTestHarness<RawRecord, PauseCommand> harness =
                ProcessFunctionTestHarnesses.forProcessFunction(new PauseCommandParser())) {
            for (RawRecord record : records) {
                harness.processElement(record, record.timestamp());
            }
            assertThat(harness.getSideOutput(KeyflowOutputs.ERRORS)).isNull();
            return new ArrayList<>(harness.extractOutputValues());
        }
    }

    private static RawRecord rawOf(ProducerRecord<byte[], byte[]> record) {
        List<Header> headers = new ArrayList<>();
        record.headers().forEach(h -> headers.add(new Header(h.key(), h.value())));
        return new RawRecord(
                record.key(), record.value(), record.topic(), 0, 0L, record.timestamp(), headers);
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
