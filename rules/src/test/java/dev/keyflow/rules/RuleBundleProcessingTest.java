package dev.keyflow.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyflow.core.ErrorReason;
import dev.keyflow.core.ErrorRecord;
import dev.keyflow.core.ErrorStage;
import dev.keyflow.core.KeyflowOutputs;
import dev.keyflow.rules.testutils.Order;
import dev.keyflow.rules.testutils.RulesHarnesses;
import dev.keyflow.rules.testutils.TestBundles;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.junit.jupiter.api.Test;

class RuleBundleProcessingTest {

    private static List<String> outputs(
            KeyedBroadcastOperatorTestHarness<String, Order, byte[], Versioned<String>> harness) {
        return harness.extractOutputValues().stream()
                .map(v -> v.bundle() + " " + v.value())
                .toList();
    }

    private static List<ErrorRecord> errors(
            KeyedBroadcastOperatorTestHarness<String, Order, byte[], Versioned<String>> harness) {
        return harness.getSideOutput(KeyflowOutputs.ERRORS) == null
                ? List.of()
                : harness.getSideOutput(KeyflowOutputs.ERRORS).stream()
                        .map(StreamRecord::getValue)
                        .toList();
    }

    @Test
    void eventsAreHeldUntilTheFirstBundleAndThenRunInOrder() throws Exception {
        try (var harness = RulesHarnesses.harness(RulesHarnesses.validation(10), null)) {
            harness.processElement(new Order("a", 1, 5), 1);
            harness.processElement(new Order("b", 1, 50), 2);
            harness.processElement(new Order("a", 2, 50), 3);

            assertThat(outputs(harness)).isEmpty();
            assertThat(RulesHarnesses.keyedStateEntries(harness)).isPositive();

            harness.processBroadcastElement(TestBundles.json(TestBundles.orders(1, 10)), 4);
            harness.processElement(new Order("a", 3, -1), 5);

            assertThat(outputs(harness))
                    .containsExactlyInAnyOrder(
                            "orders@1 a#1:violated=amount-minimum",
                            "orders@1 b#1:ok",
                            "orders@1 a#2:ok",
                            "orders@1 a#3:filtered");
            assertThat(outputs(harness).stream().filter(o -> o.contains(" a#")))
                    .containsExactly(
                            "orders@1 a#1:violated=amount-minimum",
                            "orders@1 a#2:ok",
                            "orders@1 a#3:filtered");
            assertThat(RulesHarnesses.keyedStateEntries(harness)).isZero();
            assertThat(errors(harness)).isEmpty();
        }
    }

    @Test
    void theHoldIsBoundedPerKeyAndOverflowIsABundleMissingError() throws Exception {
        try (var harness = RulesHarnesses.harness(RulesHarnesses.validation(2), null)) {
            harness.processElement(new Order("a", 1, 50), 1);
            harness.processElement(new Order("a", 2, 50), 2);
            harness.processElement(new Order("a", 3, 50), 3);
            harness.processElement(new Order("b", 1, 50), 4);

            assertThat(errors(harness))
                    .singleElement()
                    .satisfies(
                            e -> {
                                assertThat(e.stage()).isEqualTo(ErrorStage.RULE_BUNDLE);
                                assertThat(e.reason()).isEqualTo(ErrorReason.BUNDLE_MISSING);
                                assertThat(e.isTransient()).isTrue();
                                assertThat(e.key()).isEqualTo("a");
                                assertThat(new String(e.payload())).contains("seq=3");
                            });

            harness.processBroadcastElement(TestBundles.json(TestBundles.orders(1, 10)), 5);

            assertThat(outputs(harness)).hasSize(3);
        }
    }

    @Test
    void aRejectedVersionIsReportedAndTheActiveOneKeepsRunning() throws Exception {
        try (var harness = RulesHarnesses.harness(RulesHarnesses.validation(10), null)) {
            harness.processBroadcastElement(TestBundles.json(TestBundles.orders(1, 10)), 1);
            harness.processBroadcastElement(TestBundles.json(TestBundles.broken(2)), 2);
            harness.processElement(new Order("a", 1, 50), 3);

            assertThat(outputs(harness)).containsExactly("orders@1 a#1:ok");
            assertThat(errors(harness))
                    .singleElement()
                    .satisfies(
                            e -> {
                                assertThat(e.reason()).isEqualTo(ErrorReason.BUNDLE_REJECTED);
                                assertThat(e.ruleVersion()).isEqualTo("orders@2");
                                assertThat(e.message()).contains("rule 'broken'");
                            });
        }
    }

    @Test
    void newVersionsAndRollbacksSwitchBetweenTwoEvents() throws Exception {
        try (var harness = RulesHarnesses.harness(RulesHarnesses.validation(10), null)) {
            harness.processBroadcastElement(TestBundles.json(TestBundles.orders(1, 10)), 1);
            harness.processElement(new Order("a", 1, 50), 2);
            harness.processBroadcastElement(TestBundles.json(TestBundles.orders(2, 100)), 3);
            harness.processElement(new Order("a", 2, 50), 4);
            harness.processBroadcastElement(TestBundles.rollback(1), 5);
            harness.processElement(new Order("a", 3, 50), 6);
            harness.processBroadcastElement(TestBundles.json(TestBundles.orders(1, 10)), 7);
            harness.processElement(new Order("a", 4, 50), 8);

            assertThat(outputs(harness))
                    .containsExactly(
                            "orders@1 a#1:ok",
                            "orders@2 a#2:violated=amount-minimum",
                            "orders@1 a#3:ok",
                            "orders@1 a#4:ok");
        }
    }

    @Test
    void aRestoredOperatorActivatesTheSameVersionAndKeepsHeldEvents() throws Exception {
        OperatorSubtaskState active;
        OperatorSubtaskState holding;
        try (var harness = RulesHarnesses.harness(RulesHarnesses.validation(10), null)) {
            harness.processElement(new Order("a", 1, 50), 1);
            holding = harness.snapshot(1, 1);
        }
        try (var harness = RulesHarnesses.harness(RulesHarnesses.validation(10), holding)) {
            harness.processElement(new Order("a", 2, 50), 2);
            harness.processBroadcastElement(TestBundles.json(TestBundles.orders(1, 10)), 3);
            harness.processBroadcastElement(TestBundles.json(TestBundles.orders(2, 20)), 4);
            harness.processBroadcastElement(TestBundles.rollback(1), 5);

            assertThat(outputs(harness)).containsExactly("orders@1 a#1:ok", "orders@1 a#2:ok");
            active = harness.snapshot(2, 2);
        }
        try (var harness = RulesHarnesses.harness(RulesHarnesses.validation(10), active)) {
            harness.processElement(new Order("a", 3, 15), 6);
            harness.processBroadcastElement(TestBundles.rollback(2), 7);
            harness.processElement(new Order("a", 4, 15), 8);

            assertThat(outputs(harness))
                    .containsExactly("orders@1 a#3:ok", "orders@2 a#4:violated=amount-minimum");
        }
    }

    @Test
    void aFailingProcessorBecomesAnErrorWithTheVersion() throws Exception {
        RuleBundleProcessing<String, Order, String> failing =
                RuleBundleProcessing.<String, Order, String>builder(
                                BundleCompiler.builder(TestBundles.NAME).build(),
                                (order, bundle, out) -> {
                                    throw new IllegalStateException("boom " + order.seq());
                                })
                        .inputType(Order.TYPE)
                        .outputType(Types.STRING)
                        .build();
        try (var harness = RulesHarnesses.harness(failing, null)) {
            harness.processBroadcastElement(TestBundles.json(TestBundles.orders(1, 10)), 1);
            harness.processElement(new Order("a", 7, 50), 2);

            assertThat(errors(harness))
                    .singleElement()
                    .satisfies(
                            e -> {
                                assertThat(e.reason()).isEqualTo(ErrorReason.PROCESSING_FAILED);
                                assertThat(e.ruleVersion()).isEqualTo("orders@1");
                                assertThat(e.key()).isEqualTo("a");
                                assertThat(e.message()).contains("boom 7");
                            });
        }
    }

    @Test
    void builderRequiresTypesAndChecksArguments() {
        var builder =
                RuleBundleProcessing.<String, Order, String>builder(
                        BundleCompiler.builder(TestBundles.NAME).build(), RulesHarnesses.VALIDATE);
        assertThatThrownBy(() -> builder.maxHeldPerKey(0)).hasMessageContaining("maxHeldPerKey");
        assertThatThrownBy(builder::build).hasMessageContaining("inputType");
    }
}
