package dev.keyflow.rules.benchmarks;

import dev.keyflow.rules.CelRule;
import dev.keyflow.rules.CelRuleSet;
import dev.keyflow.rules.CompiledRuleSet;
import dev.keyflow.rules.RuleViolation;
import dev.keyflow.rules.Severity;
import dev.keyflow.rules.internal.CelCompilation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The 10-rule CEL set of {@link CelRuleSetBenchmark} (same rules, messages and maps) under JMH, so
 * that it runs with the other micro-benchmarks; the command {@code CelRuleSetBenchmark} and
 * docs/benchmarks/rules.md stay as they were. Variants: keyflow's combined program ({@code
 * COMBINED_LIST}), the naive one program per rule ({@code PER_RULE}), the bare conjunction that
 * cannot name the failed rule ({@code CONJUNCTION}, a lower bound) and the combined program when
 * one rule errs on every message ({@code COMBINED_LIST_ONE_ERRS}, the fallback path).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class CelRuleSetJmhBenchmark {

    /** How the set is compiled and evaluated. */
    public enum Variant {
        COMBINED_LIST,
        PER_RULE,
        CONJUNCTION,
        COMBINED_LIST_ONE_ERRS
    }

    @Param({"COMBINED_LIST", "PER_RULE", "CONJUNCTION", "COMBINED_LIST_ONE_ERRS"})
    public Variant variant;

    private static final Map<String, Object> STATE = Map.of("orders", 42L, "lastAmount", 99.5);
    private static final Map<String, Object> ENRICHMENT =
            Map.of("status", "active", "segment", "b2c");

    private final List<Map<String, Object>> messages = new ArrayList<>();
    private CompiledRuleSet rules;
    private int next;

    @Setup
    public void setUp() throws Exception {
        for (int i = 0; i < 64; i++) {
            messages.add(CelRuleSetBenchmark.message(i));
        }
        List<CelRule> all = CelRuleSetBenchmark.RULES;
        rules =
                switch (variant) {
                    case COMBINED_LIST ->
                            CelCompilation.compile(
                                    CelRuleSetBenchmark.fields().rules(all).build(), true);
                    case PER_RULE ->
                            CelCompilation.compile(
                                    CelRuleSetBenchmark.fields().rules(all).build(), false);
                    case CONJUNCTION -> {
                        String conjunction =
                                all.stream()
                                        .map(r -> "(" + r.expression() + ")")
                                        .collect(Collectors.joining(" && "));
                        CelRuleSet and =
                                CelRuleSetBenchmark.fields()
                                        .maxExpressionLength(16_384)
                                        .rule(
                                                new CelRule(
                                                        "all", conjunction, "all", Severity.ERROR))
                                        .build();
                        yield CelCompilation.compile(and, false);
                    }
                    case COMBINED_LIST_ONE_ERRS -> {
                        List<CelRule> erring = new ArrayList<>(all);
                        erring.set(
                                7,
                                new CelRule(
                                        "channel-known",
                                        "attrs.missing != ''",
                                        "channel-known",
                                        Severity.ERROR));
                        yield CelCompilation.compile(
                                CelRuleSetBenchmark.fields().rules(erring).build(), true);
                    }
                };
        int expected = variant == Variant.COMBINED_LIST_ONE_ERRS ? 1 : 0;
        int got = rules.evaluate(messages.get(0), STATE, ENRICHMENT).size();
        if (got != expected) {
            throw new IllegalStateException(variant + ": " + got + " violations, not " + expected);
        }
    }

    /** One message through the whole set. */
    @Benchmark
    public List<RuleViolation> evaluate() {
        Map<String, Object> message = messages.get(next);
        next = (next + 1) & 63;
        return rules.evaluate(message, STATE, ENRICHMENT);
    }
}
