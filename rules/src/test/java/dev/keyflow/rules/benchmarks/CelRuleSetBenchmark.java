package dev.keyflow.rules.benchmarks;

import dev.keyflow.rules.CelRule;
import dev.keyflow.rules.CelRuleSet;
import dev.keyflow.rules.CompiledRuleSet;
import dev.keyflow.rules.FieldType;
import dev.keyflow.rules.RuleViolation;
import dev.keyflow.rules.Severity;
import dev.keyflow.rules.internal.CelCompilation;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Benchmark command (not a test): evaluations per second of a 10-rule CEL set on a typical field
 * map, for the ways a set can be evaluated. The activation is built once per message in every
 * variant.
 *
 * <ul>
 *   <li>{@code per-rule}: one program per rule, ten evaluations per message;
 *   <li>{@code combined-list}: one program {@code [r1, ..., r10]} (keyflow's default), falling back
 *       per rule only if a rule errs;
 *   <li>{@code conjunction}: one program {@code r1 && ... && r10} (a lower bound: it cannot say
 *       which rule failed without a second pass);
 *   <li>{@code combined-list, one rule errs}: the fallback path, every message.
 * </ul>
 *
 * <pre>
 * mvn -q -pl rules -am test-compile exec:exec -Dexec.skip=false -Dexec.executable=java \
 *   -Dexec.classpathScope=test \
 *   -Dexec.args="-Xmx1g -cp %classpath dev.keyflow.rules.benchmarks.CelRuleSetBenchmark"
 * </pre>
 *
 * <p>Warm-up 8 s per variant, then 5 rounds of 2 s; prints the median. On a shared 2-core machine
 * trust ratios of 2x or more, not differences under 30%.
 */
public final class CelRuleSetBenchmark {

    private static final long WARMUP_NANOS = 8_000_000_000L;
    private static final long ROUND_NANOS = 2_000_000_000L;
    private static final int ROUNDS = 5;

    static volatile long sink;

    private CelRuleSetBenchmark() {}

    static final List<CelRule> RULES =
            List.of(
                    rule("amount-positive", "amount > 0.0"),
                    rule("amount-limit", "amount < 100000.0"),
                    rule("currency-known", "currency in ['EUR', 'USD', 'GBP', 'CHF']"),
                    rule("country-code", "size(country) == 2"),
                    rule("quantity-range", "quantity >= 1 && quantity <= 1000"),
                    rule("placed-recently", "placed > timestamp('2020-01-01T00:00:00Z')"),
                    rule("has-tags", "size(tags) > 0 && 'blocked' in tags == false"),
                    rule("channel-known", "has(attrs.channel) && attrs.channel != ''"),
                    rule("not-too-many-orders", "!has(state.orders) || state.orders < 500"),
                    rule(
                            "customer-active",
                            "has(enrichment.status) && enrichment.status == 'active'"));

    private static CelRule rule(String id, String expression) {
        return new CelRule(id, expression, id, Severity.ERROR);
    }

    static CelRuleSet.Builder fields() {
        return CelRuleSet.builder()
                .field("amount", FieldType.DECIMAL)
                .field("currency", FieldType.STRING)
                .field("country", FieldType.STRING)
                .field("quantity", FieldType.INT)
                .field("placed", FieldType.TIMESTAMP)
                .field("express", FieldType.BOOL)
                .field("tags", FieldType.LIST)
                .field("attrs", FieldType.MAP);
    }

    static Map<String, Object> message(int i) {
        Map<String, Object> fields = new HashMap<>();
        fields.put("amount", new BigDecimal("123.45").add(BigDecimal.valueOf(i % 7)));
        fields.put("currency", "EUR");
        fields.put("country", "DE");
        fields.put("quantity", 3L + (i % 5));
        fields.put("placed", Instant.parse("2026-05-01T10:00:00Z").plusSeconds(i % 60));
        fields.put("express", Boolean.TRUE);
        fields.put("tags", List.of("new", "web"));
        fields.put("attrs", Map.of("channel", "web", "campaign", "spring"));
        return fields;
    }

    public static void main(String[] args) throws Exception {
        Map<String, Object> state = Map.of("orders", 42L, "lastAmount", 99.5);
        Map<String, Object> enrichment = Map.of("status", "active", "segment", "b2c");
        CelRuleSet set = fields().rules(RULES).build();
        String conjunction =
                RULES.stream()
                        .map(r -> "(" + r.expression() + ")")
                        .collect(Collectors.joining(" && "));
        CelRuleSet and =
                fields().maxExpressionLength(16_384).rule(rule("all", conjunction)).build();
        List<CelRule> oneErring = new ArrayList<>(RULES);
        oneErring.set(7, rule("channel-known", "attrs.missing != ''"));
        CelRuleSet erring = fields().rules(oneErring).build();

        Map<String, Object>[] messages = messages();
        run("per-rule", CelCompilation.compile(set, false), messages, state, enrichment, 0);
        run("combined-list", CelCompilation.compile(set, true), messages, state, enrichment, 0);
        run("conjunction", CelCompilation.compile(and, false), messages, state, enrichment, 0);
        run(
                "combined-list, one rule errs",
                CelCompilation.compile(erring, true),
                messages,
                state,
                enrichment,
                1);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Map<String, Object>[] messages() {
        Map<String, Object>[] messages = new Map[64];
        for (int i = 0; i < messages.length; i++) {
            messages[i] = message(i);
        }
        return messages;
    }

    private static void run(
            String name,
            CompiledRuleSet rules,
            Map<String, Object>[] messages,
            Map<String, Object> state,
            Map<String, Object> enrichment,
            int expectedViolations) {
        List<RuleViolation> check = rules.evaluate(messages[0], state, enrichment);
        if (check.size() != expectedViolations) {
            throw new IllegalStateException(
                    name + ": expected " + expectedViolations + " got " + check);
        }
        measure(rules, messages, state, enrichment, WARMUP_NANOS);
        double[] nanosPerEval = new double[ROUNDS];
        for (int r = 0; r < ROUNDS; r++) {
            nanosPerEval[r] = measure(rules, messages, state, enrichment, ROUND_NANOS);
        }
        Arrays.sort(nanosPerEval);
        double median = nanosPerEval[ROUNDS / 2];
        System.out.printf(
                "%-32s %8.2f µs/message  %,10.0f messages/s  (rounds %.2f..%.2f µs)%n",
                name,
                median / 1000,
                1e9 / median,
                nanosPerEval[0] / 1000,
                nanosPerEval[ROUNDS - 1] / 1000);
    }

    private static double measure(
            CompiledRuleSet rules,
            Map<String, Object>[] messages,
            Map<String, Object> state,
            Map<String, Object> enrichment,
            long nanos) {
        long start = System.nanoTime();
        long end = start + nanos;
        long count = 0;
        long acc = 0;
        long now;
        do {
            for (int i = 0; i < 256; i++) {
                acc += rules.evaluate(messages[(int) (count & 63)], state, enrichment).size();
                count++;
            }
            now = System.nanoTime();
        } while (now < end);
        sink += acc;
        return (double) (now - start) / count;
    }
}
