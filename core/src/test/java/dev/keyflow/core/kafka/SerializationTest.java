package dev.keyflow.core.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyflow.core.Envelope;
import dev.keyflow.core.ErrorReason;
import dev.keyflow.core.ErrorRecord;
import dev.keyflow.core.ErrorStage;
import dev.keyflow.core.Header;
import dev.keyflow.core.Origin;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/** The record layouts of the error sink and the envelope pass-through. */
class SerializationTest {

    private static final Origin ORIGIN = new Origin("orders", 3, 42, 1000);

    @Test
    void fatalErrorsGoToTheDeadLetterTopicWithPayloadHeadersAndErrorHeaders() {
        ErrorRecord error =
                ErrorRecord.builder(ErrorStage.VALIDATION, ErrorReason.SCHEMA_VIOLATION)
                        .message("line 1: no")
                        .key("order-1")
                        .payload(bytes("<Order/>"))
                        .headers(
                                List.of(
                                        Header.ofString("type", "OrderPlaced"),
                                        Header.ofString("keyflow.error.reason", "OLD"),
                                        Header.ofString("keyflow.origin.topic", "older"),
                                        Header.ofString("keyflow.retry.attempt", "2")))
                        .origin(ORIGIN)
                        .attempt(2)
                        .ruleVersion("v3")
                        .time(5000)
                        .build();

        ProducerRecord<byte[], byte[]> record =
                ErrorSink.serializer("dlq", "retry").serialize(error, null, null);

        assertThat(record.topic()).isEqualTo("dlq");
        assertThat(text(record.key())).isEqualTo("order-1");
        assertThat(text(record.value())).isEqualTo("<Order/>");
        assertThat(record.timestamp()).isEqualTo(5000L);
        assertThat(headers(record))
                .containsExactly(
                        "type=OrderPlaced",
                        "keyflow.retry.attempt=2",
                        "keyflow.error.stage=VALIDATION",
                        "keyflow.error.reason=SCHEMA_VIOLATION",
                        "keyflow.error.transient=false",
                        "keyflow.error.message=line 1: no",
                        "keyflow.error.key=order-1",
                        "keyflow.error.attempt=2",
                        "keyflow.error.rule-version=v3",
                        "keyflow.error.time=5000",
                        "keyflow.origin.topic=orders",
                        "keyflow.origin.partition=3",
                        "keyflow.origin.offset=42",
                        "keyflow.origin.timestamp=1000");
    }

    @Test
    void transientErrorsGoToTheRetryTopicIfThereIsOne() {
        ErrorRecord error =
                ErrorRecord.builder(ErrorStage.ENRICHMENT, ErrorReason.TIMEOUT).time(1).build();

        assertThat(ErrorSink.serializer("dlq", "retry").serialize(error, null, null).topic())
                .isEqualTo("retry");
        assertThat(ErrorSink.serializer("dlq", null).serialize(error, null, null).topic())
                .isEqualTo("dlq");
        ProducerRecord<byte[], byte[]> record =
                ErrorSink.serializer("dlq", null).serialize(error, null, null);
        assertThat(record.key()).isNull();
        assertThat(record.value()).isNull();
    }

    @Test
    void topicsAreChecked() {
        assertThatThrownBy(() -> ErrorSink.serializer(" ", null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("deadLetterTopic");
        assertThatThrownBy(() -> ErrorSink.serializer("dlq", ""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("retryTopic");
    }

    @Test
    void envelopesAreWrittenAsTheyCameKeyedByTheBusinessKey() {
        Envelope envelope =
                new Envelope(
                        "order-1",
                        777L,
                        bytes("<Order/>"),
                        List.of(Header.ofString("type", "OrderPlaced")),
                        ORIGIN);

        ProducerRecord<byte[], byte[]> record =
                EnvelopeSerialization.toTopic("keyed").serialize(envelope, null, null);

        assertThat(record.topic()).isEqualTo("keyed");
        assertThat(text(record.key())).isEqualTo("order-1");
        assertThat(text(record.value())).isEqualTo("<Order/>");
        assertThat(record.timestamp()).isEqualTo(777L);
        assertThat(headers(record)).containsExactly("type=OrderPlaced");
    }

    private static List<String> headers(ProducerRecord<byte[], byte[]> record) {
        List<String> out = new ArrayList<>();
        record.headers().forEach(h -> out.add(h.key() + "=" + text(h.value())));
        return out;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
