package dev.keyflow.rules.testutils;

import dev.keyflow.rules.BundleCompiler;
import dev.keyflow.rules.BundleProcessor;
import dev.keyflow.rules.RuleBundleProcessing;
import dev.keyflow.rules.RuleViolation;
import dev.keyflow.rules.Versioned;
import dev.keyflow.rules.internal.BundleProcessFunction;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import javax.annotation.Nullable;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.heap.HeapKeyedStateBackend;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;

/** Operator test harnesses for {@link RuleBundleProcessing}, keyed by {@link Order#id()}. */
public final class RulesHarnesses {

    private RulesHarnesses() {}

    /**
     * Validates an order with the bundle's rules and filters; emits {@code id#seq:ok}, {@code
     * id#seq:violated=<rule ids>} or {@code id#seq:filtered}.
     */
    public static final BundleProcessor<Order, String> VALIDATE =
            (order, bundle, out) -> {
                String prefix = order.id() + "#" + order.seq() + ":";
                if (!bundle.filter(Map.of("amount", order.amount()), Map.of(), Map.of(), List.of())
                        .passed()) {
                    out.collect(prefix + "filtered");
                    return;
                }
                List<RuleViolation> violations =
                        bundle.validate(Map.of("amount", order.amount()), Map.of(), Map.of());
                out.collect(
                        violations.isEmpty()
                                ? prefix + "ok"
                                : prefix
                                        + "violated="
                                        + violations.stream()
                                                .map(RuleViolation::ruleId)
                                                .collect(Collectors.joining(",")));
            };

    /** The wiring of {@link #VALIDATE} for the test bundles. */
    public static RuleBundleProcessing<String, Order, String> validation(int maxHeldPerKey) {
        return RuleBundleProcessing.<String, Order, String>builder(
                        BundleCompiler.builder(TestBundles.NAME).keepVersions(3).build(), VALIDATE)
                .inputType(Order.TYPE)
                .outputType(Types.STRING)
                .maxHeldPerKey(maxHeldPerKey)
                .errorDetails((order, error) -> error.payload(order.toString().getBytes()))
                .build();
    }

    /** The keyed state entries of the harness's operator (held events and their counts). */
    public static int keyedStateEntries(
            KeyedBroadcastOperatorTestHarness<String, Order, byte[], Versioned<String>> harness) {
        AbstractStreamOperator<?> operator = (AbstractStreamOperator<?>) harness.getOperator();
        return ((HeapKeyedStateBackend<?>) operator.getKeyedStateBackend())
                .numKeyValueStateEntries();
    }

    /** An opened harness, restored from {@code snapshot} if given. */
    public static KeyedBroadcastOperatorTestHarness<String, Order, byte[], Versioned<String>>
            harness(
                    RuleBundleProcessing<String, Order, String> processing,
                    @Nullable OperatorSubtaskState snapshot)
                    throws Exception {
        BundleProcessFunction<String, Order, String> function = processing.function();
        KeyedBroadcastOperatorTestHarness<String, Order, byte[], Versioned<String>> harness =
                new KeyedBroadcastOperatorTestHarness<>(
                        new CoBroadcastWithKeyedOperator<>(
                                function, List.of(BundleProcessFunction.BUNDLES)),
                        Order::id,
                        Types.STRING,
                        1,
                        1,
                        0);
        if (snapshot != null) {
            harness.initializeState(snapshot);
        }
        harness.open();
        return harness;
    }
}
