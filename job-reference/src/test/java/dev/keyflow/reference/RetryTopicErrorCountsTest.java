package dev.keyflow.reference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyflow.core.KeyflowOutputs;
import dev.keyflow.core.testutils.MeteredHarnesses;
import dev.keyflow.core.testutils.MetricRecorder;
import dev.keyflow.core.testutils.TestRecords;
import java.util.Map;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.junit.jupiter.api.Test;

/** An unreadable retry-topic record is an error record, counted under SOURCE/MALFORMED_INPUT. */
class RetryTopicErrorCountsTest {

    @Test
    void anUnreadableRetryRecordIsCounted() throws Exception {
        MetricRecorder metrics = new MetricRecorder();
        try (var harness =
                MeteredHarnesses.oneInput(
                        new ProcessOperator<>(new RetryTopic.ToEnvelope()), metrics)) {
            harness.open();
            harness.processElement(TestRecords.raw().key("order-1").value("<x/>").build(), 1L);

            assertThat(harness.extractOutputValues()).isEmpty();
            assertThat(metrics.errorCounts())
                    .isEqualTo(Map.of("SOURCE/MALFORMED_INPUT", 1L))
                    .isEqualTo(
                            MeteredHarnesses.errorCounts(
                                    harness.getSideOutput(KeyflowOutputs.ERRORS)));
        }
    }
}
