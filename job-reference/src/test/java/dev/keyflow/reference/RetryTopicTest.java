package dev.keyflow.reference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyflow.core.Envelope;
import dev.keyflow.core.ErrorReason;
import dev.keyflow.core.ErrorRecord;
import dev.keyflow.core.ErrorStage;
import dev.keyflow.core.Header;
import dev.keyflow.core.Origin;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The retry topic's headers for elements the processor diverted because their backlog was full. */
class RetryTopicTest {

    @Test
    void anElementDivertedByAFullBacklogTakesItsNextPassThroughTheRetryTopic() {
        Envelope cameBackOnce =
                new Envelope(
                        "ord-1",
                        42L,
                        "<order/>".getBytes(StandardCharsets.UTF_8),
                        List.of(
                                Header.ofString(RetryTopic.ATTEMPT, "1"),
                                Header.ofString("trace", "t-1")),
                        new Origin("orders", 2, 7, 40L));
        long before = System.currentTimeMillis();

        ErrorRecord error =
                RetryTopic.backlogFull(Duration.ofSeconds(5))
                        .describe(
                                cameBackOnce,
                                ErrorRecord.builder(ErrorStage.PROCESSING, ErrorReason.BACKLOG_FULL)
                                        .message("backlog full")
                                        .key("ord-1"))
                        .build();

        assertThat(error.payload()).isEqualTo(cameBackOnce.payload());
        assertThat(error.origin()).isEqualTo(cameBackOnce.origin());
        assertThat(RetryTopic.passes(withHeaders(cameBackOnce, error.headers()))).isEqualTo(2);
        assertThat(error.headers())
                .contains(Header.ofString("trace", "t-1"))
                .anySatisfy(
                        h -> {
                            assertThat(h.name()).isEqualTo(RetryTopic.NOT_BEFORE);
                            assertThat(Long.parseLong(h.valueAsString()))
                                    .isGreaterThanOrEqualTo(before + 5_000);
                        });
    }

    private static Envelope withHeaders(Envelope envelope, List<Header> headers) {
        return new Envelope(
                envelope.key(),
                envelope.eventTime(),
                envelope.payload(),
                headers,
                envelope.origin());
    }
}
