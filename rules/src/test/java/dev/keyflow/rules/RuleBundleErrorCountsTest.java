package dev.keyflow.rules;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyflow.core.ErrorReason;
import dev.keyflow.core.ErrorRecord;
import dev.keyflow.core.ErrorStage;
import dev.keyflow.core.KeyflowOutputs;
import dev.keyflow.core.testutils.MeteredHarnesses;
import dev.keyflow.core.testutils.MetricRecorder;
import dev.keyflow.rules.internal.BundleProcessFunction;
import dev.keyflow.rules.testutils.Order;
import dev.keyflow.rules.testutils.TestBundles;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator;
import org.junit.jupiter.api.Test;

/**
 * Every error record of the rule bundle operator (held too long, rejected bundle, processor errors
 * and failures) is counted under its own stage and reason.
 */
class RuleBundleErrorCountsTest {

    /** Rejects orders of customer "b", fails on "c", passes the rest. */
    private static final BundleProcessor<Order, String> PROCESSOR =
            (order, bundle, out) -> {
                switch (order.id()) {
                    case "b" ->
                            out.error(
                                    ErrorRecord.builder(
                                                    ErrorStage.RULES, ErrorReason.RULE_VIOLATION)
                                            .message("amount too small"));
                    case "c" -> throw new IllegalStateException("broken processor");
                    default -> out.collect(order.id());
                }
            };

    @Test
    void everyErrorIsCountedUnderItsStageAndReason() throws Exception {
        MetricRecorder metrics = new MetricRecorder();
        BundleProcessFunction<String, Order, String> function =
                RuleBundleProcessing.<String, Order, String>builder(
                                BundleCompiler.builder(TestBundles.NAME).build(), PROCESSOR)
                        .inputType(Order.TYPE)
                        .outputType(Types.STRING)
                        .maxHeldPerKey(1)
                        .build()
                        .function();
        try (var harness =
                MeteredHarnesses.keyedTwoInput(
                        new CoBroadcastWithKeyedOperator<>(
                                function, List.of(BundleProcessFunction.BUNDLES)),
                        Order::id,
                        null,
                        Types.STRING,
                        metrics)) {
            harness.open();
            harness.processElement1(new Order("a", 1, 50), 1);
            harness.processElement1(new Order("a", 2, 50), 2); // held too long: BUNDLE_MISSING
            harness.processElement2(TestBundles.json(TestBundles.broken(1)), 3);
            harness.processElement2(TestBundles.json(TestBundles.orders(2, 10)), 4);
            harness.processElement1(new Order("b", 1, 50), 5);
            harness.processElement1(new Order("c", 1, 50), 6);

            assertThat(metrics.errorCounts())
                    .isEqualTo(
                            Map.of(
                                    "RULE_BUNDLE/BUNDLE_MISSING", 1L,
                                    "RULE_BUNDLE/BUNDLE_REJECTED", 1L,
                                    "RULES/RULE_VIOLATION", 1L,
                                    "RULES/PROCESSING_FAILED", 1L))
                    .isEqualTo(
                            MeteredHarnesses.errorCounts(
                                    harness.getSideOutput(KeyflowOutputs.ERRORS)));
        }
    }
}
