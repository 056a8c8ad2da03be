package dev.keyflow.core.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TransactionalIdPrefixTest {

    @Test
    void shortNamesAreKeptAndSanitized() {
        assertThat(TransactionalIdPrefix.of("orders", "outbox")).isEqualTo("keyflow-orders-outbox");
        assertThat(TransactionalIdPrefix.of("Order Pipeline/v2", "dlq:sink"))
                .isEqualTo("keyflow-Order-Pipeline-v2-dlq-sink");
    }

    @Test
    void longNamesAreBoundedStableAndDistinct() {
        String longJob = "a-very-long-job-name-that-a-team-chose-to-describe-everything-it-does";
        String a = TransactionalIdPrefix.of(longJob, "outbox");
        String b = TransactionalIdPrefix.of(longJob, "errors");

        assertThat(a).hasSizeLessThanOrEqualTo(TransactionalIdPrefix.MAX_LENGTH);
        assertThat(b).hasSizeLessThanOrEqualTo(TransactionalIdPrefix.MAX_LENGTH);
        assertThat(a).isNotEqualTo(b).isEqualTo(TransactionalIdPrefix.of(longJob, "outbox"));
        assertThat(a).matches("[A-Za-z0-9._-]+");
    }

    @Test
    void blankNamesAreRefused() {
        assertThatThrownBy(() -> TransactionalIdPrefix.of(" ", "outbox"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("jobName");
        assertThatThrownBy(() -> TransactionalIdPrefix.of("orders", ""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("operatorName");
    }
}
