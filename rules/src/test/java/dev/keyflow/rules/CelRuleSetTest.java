package dev.keyflow.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.keyflow.core.ErrorReason;
import dev.keyflow.rules.internal.CelCompilation;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class CelRuleSetTest {

    private static CelRule rule(String id, String expression) {
        return new CelRule(id, expression, id + " failed", Severity.ERROR);
    }

    private static CelRuleSet.Builder allTypes() {
        return CelRuleSet.builder()
                .field("name", FieldType.STRING)
                .field("count", FieldType.INT)
                .field("ratio", FieldType.DOUBLE)
                .field("amount", FieldType.DECIMAL)
                .field("active", FieldType.BOOL)
                .field("at", FieldType.TIMESTAMP)
                .field("tags", FieldType.LIST)
                .field("attrs", FieldType.MAP);
    }

    private static Map<String, Object> allValues() {
        Map<String, Object> values = new HashMap<>();
        values.put("name", "alice");
        values.put("count", 3); // an Integer: converted to a CEL int
        values.put("ratio", 0.5f);
        values.put("amount", new BigDecimal("12.50"));
        values.put("active", true);
        values.put("at", Instant.parse("2026-01-02T03:04:05Z"));
        values.put("tags", List.of("a", "b"));
        values.put("attrs", Map.of("tier", "gold"));
        return values;
    }

    private static List<String> ids(List<RuleViolation> violations) {
        return violations.stream().map(RuleViolation::ruleId).toList();
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void everyFieldTypeIsTypedAndConverted(boolean combined) throws Exception {
        CelRuleSet set =
                allTypes()
                        .rule(rule("string", "name.startsWith('al') && size(name) == 5"))
                        .rule(rule("int", "count + 1 == 4"))
                        .rule(rule("double", "ratio * 2.0 == 1.0"))
                        .rule(rule("decimal", "amount > 12.0 && amount < 13.0"))
                        .rule(rule("bool", "active"))
                        .rule(rule("timestamp", "at > timestamp('2026-01-01T00:00:00Z')"))
                        .rule(rule("list", "'b' in tags && size(tags) == 2"))
                        .rule(rule("map", "attrs.tier == 'gold'"))
                        .rule(rule("state", "state.seen == 2"))
                        .rule(rule("enrichment", "enrichment.customer.vip == true"))
                        .rule(rule("violated", "count > 10"))
                        .build();
        CompiledRuleSet compiled = CelCompilation.compile(set, combined);

        List<RuleViolation> violations =
                compiled.evaluate(
                        allValues(), Map.of("seen", 2L), Map.of("customer", Map.of("vip", true)));

        assertThat(violations)
                .containsExactly(
                        new RuleViolation(
                                "violated",
                                "violated failed",
                                Severity.ERROR,
                                ErrorReason.RULE_VIOLATION,
                                ""));
    }

    @Test
    void aTypeErrorRejectsTheSetNamingTheRule() {
        CelRuleSet set =
                allTypes()
                        .rule(rule("fine", "count > 0"))
                        .rule(rule("bad-plus", "count + name > 0"))
                        .build();

        RuleRejectedException e = assertThrows(RuleRejectedException.class, set::compile);

        assertThat(e.ruleId()).contains("bad-plus");
        assertThat(e.getMessage()).contains("rule 'bad-plus'").contains("type-check");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "count", // not a bool
                "unknown > 1", // undeclared variable
                "count >", // syntax error
                "name.noSuchFunction()",
                "ratio == 1" // no implicit int/double conversion in CEL
            })
    void rulesThatDoNotCheckAreRejected(String expression) {
        CelRuleSet set = allTypes().rule(rule("r1", expression)).build();

        RuleRejectedException e = assertThrows(RuleRejectedException.class, set::compile);

        assertThat(e.ruleId()).contains("r1");
    }

    @Test
    void aRuntimeErrorIsARuleErrorAndTheOtherRulesStillCount() throws Exception {
        CompiledRuleSet compiled =
                allTypes()
                        .rule(rule("needs-missing-key", "attrs.missing == 'x'"))
                        .rule(rule("divides-by-zero", "count / 0 == 1"))
                        .rule(rule("violated", "count > 10"))
                        .rule(rule("holds", "count == 3"))
                        .build()
                        .compile();

        List<RuleViolation> violations = compiled.evaluate(allValues(), Map.of(), Map.of());

        assertThat(ids(violations))
                .containsExactly("needs-missing-key", "divides-by-zero", "violated");
        assertThat(violations.get(0).reason()).isEqualTo(ErrorReason.RULE_ERROR);
        assertThat(violations.get(0).detail()).isNotBlank();
        assertThat(violations.get(1).reason()).isEqualTo(ErrorReason.RULE_ERROR);
        assertThat(violations.get(2).reason()).isEqualTo(ErrorReason.RULE_VIOLATION);
    }

    @Test
    void aMissingOrMistypedFieldIsARuleError() throws Exception {
        CompiledRuleSet compiled = allTypes().rule(rule("count", "count > 0")).build().compile();
        Map<String, Object> mistyped = allValues();
        mistyped.put("count", "three");

        assertThat(compiled.evaluate(Map.of(), Map.of(), Map.of()))
                .extracting(RuleViolation::reason)
                .containsExactly(ErrorReason.RULE_ERROR);
        assertThat(compiled.evaluate(mistyped, Map.of(), Map.of()))
                .extracting(RuleViolation::reason)
                .containsExactly(ErrorReason.RULE_ERROR);
    }

    @Test
    void theIterationLimitStopsALongComprehensionAsARuleError() throws Exception {
        CompiledRuleSet compiled =
                allTypes()
                        .maxComprehensionIterations(100)
                        .rule(rule("all-short", "tags.all(t, size(t) < 10)"))
                        .build()
                        .compile();
        Map<String, Object> small = allValues();
        Map<String, Object> large = allValues();
        large.put("tags", IntStream.range(0, 101).mapToObj(i -> "t" + i).toList());

        assertThat(compiled.evaluate(small, Map.of(), Map.of())).isEmpty();
        List<RuleViolation> violations = compiled.evaluate(large, Map.of(), Map.of());
        assertThat(violations)
                .extracting(RuleViolation::reason)
                .containsExactly(ErrorReason.RULE_ERROR);
        assertThat(violations.get(0).detail()).containsIgnoringCase("iteration");
        // The limit counts the iterations of all comprehensions of one rule together.
        CompiledRuleSet three =
                allTypes()
                        .maxComprehensionIterations(100)
                        .rule(
                                rule(
                                        "three",
                                        "l.all(x, x > 0) && l.all(x, x > 0) && l.all(x, x > 0)"))
                        .field("l", FieldType.LIST)
                        .build()
                        .compile();
        Map<String, Object> forty = allValues();
        forty.put("l", IntStream.range(1, 41).mapToObj(i -> (long) i).toList());
        assertThat(three.evaluate(forty, Map.of(), Map.of()))
                .extracting(RuleViolation::reason)
                .containsExactly(ErrorReason.RULE_ERROR);
    }

    /** Rules that pass every compile-time limit but would run for seconds or minutes. */
    static Stream<Arguments> runawayRules() {
        String list =
                IntStream.range(0, 900)
                        .mapToObj(i -> "0")
                        .collect(Collectors.joining(",", "[", "]"));
        String sum = IntStream.range(0, 31).mapToObj(i -> "s").collect(Collectors.joining("+"));
        return Stream.of(
                Arguments.of(
                        "3.6 KB of list literals (ran over 10 minutes)",
                        "size(" + list + ".map(x, " + list + ")) > 0"),
                Arguments.of(
                        "31 copies of a 64 KiB string per item (9.8 s, 46 GB)",
                        "l.all(x, size(" + sum + ") > 0)"),
                Arguments.of(
                        "the same, behind an || that tolerates errors", "size(s + s) > 0 || true"),
                Arguments.of(
                        "list literals behind a comprehension's accumulator",
                        "l.exists(x, size(" + list + " + " + list + ") < 0)"),
                Arguments.of(
                        "a map of the whole list per item", "l.all(x, size(l.map(y, s)) > 0)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void runawayRules(String attempt, String expression) throws Exception {
        CompiledRuleSet compiled =
                CelRuleSet.builder()
                        .field("s", FieldType.STRING)
                        .field("l", FieldType.LIST)
                        .field("lines", FieldType.LIST)
                        .maxComprehensionDepth(2)
                        .rule(rule("runaway", expression))
                        // Ordinary rules over a thousand items fit the default budget.
                        .rule(rule("positive", "lines.all(l, l.amount > 0)"))
                        .rule(rule("has-sku", "lines.exists(l, l.sku == 'SKU-999')"))
                        .rule(rule("filtered", "size(lines.filter(l, l.amount > 900)) == 100"))
                        .build()
                        .compile();
        Map<String, Object> fields =
                Map.of(
                        "s",
                        "x".repeat(64 * 1024),
                        "l",
                        IntStream.range(0, 1000).mapToObj(i -> (long) i).toList(),
                        "lines",
                        IntStream.range(0, 1000)
                                .mapToObj(i -> Map.of("amount", i + 1L, "sku", "SKU-" + i))
                                .toList());

        // A guard against a hang only: the bound stops these within milliseconds.
        List<RuleViolation> violations =
                assertTimeoutPreemptively(
                        Duration.ofSeconds(30),
                        () -> compiled.evaluate(fields, Map.of(), Map.of()));

        assertThat(violations).extracting(RuleViolation::ruleId).containsExactly("runaway");
        assertThat(violations.get(0).reason()).isEqualTo(ErrorReason.RULE_ERROR);
        assertThat(violations.get(0).detail()).contains("maxEvaluationCost");
    }

    @Test
    void everyReadOfALargeMapIsPaidForEvenWithoutComprehensions() throws Exception {
        // cel-java converts the whole map at every read: 40,000 entries read three times.
        Map<String, Object> state = new HashMap<>();
        IntStream.range(0, 40_000).forEach(i -> state.put("k" + i, (long) i));
        CompiledRuleSet compiled =
                CelRuleSet.builder()
                        .rule(
                                rule(
                                        "three-reads",
                                        "has(state.k1) && has(state.k2) && has(state.k3)"))
                        .rule(
                                rule(
                                        "swallowed",
                                        "(has(state.k1) && has(state.k2) && has(state.k3)) || true"))
                        .rule(rule("one-read", "has(state.k1)"))
                        .build()
                        .compile();

        List<RuleViolation> violations = compiled.evaluate(Map.of(), state, Map.of());

        assertThat(ids(violations)).containsExactly("three-reads", "swallowed");
        assertThat(violations)
                .allSatisfy(v -> assertThat(v.detail()).contains("maxEvaluationCost"));
    }

    /** Inputs whose conversion to CEL values recursed until the stack overflowed. */
    static Stream<Arguments> inputsTooDeepForCel() {
        Map<String, Object> deep = new HashMap<>();
        Map<String, Object> inner = deep;
        for (int i = 0; i < 2000; i++) {
            Map<String, Object> next = new HashMap<>();
            inner.put("a", next);
            inner = next;
        }
        List<Object> cyclic = new ArrayList<>();
        cyclic.add(1L);
        cyclic.add(cyclic);
        return Stream.of(
                Arguments.of("state nested 2,000 deep", "!has(state.b)", Map.of(), deep),
                Arguments.of(
                        "a list that contains itself", "l == l", Map.of("l", cyclic), Map.of()),
                Arguments.of(
                        "enrichment nested 2,000 deep",
                        "has(enrichment.a)",
                        Map.of(),
                        Map.of("enrichment", deep)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void inputsTooDeepForCel(
            String attempt, String expression, Map<String, Object> fields, Map<String, Object> maps)
            throws Exception {
        CompiledRuleSet compiled =
                CelRuleSet.builder()
                        .field("l", FieldType.LIST)
                        .rule(rule("deep", expression))
                        .rule(rule("other", "true"))
                        .build()
                        .compile();
        @SuppressWarnings("unchecked")
        Map<String, Object> enrichment =
                (Map<String, Object>) maps.getOrDefault("enrichment", Map.of());
        Map<String, Object> state = maps.containsKey("enrichment") ? Map.of() : maps;

        List<RuleViolation> violations = compiled.evaluate(fields, state, enrichment);

        assertThat(violations).extracting(RuleViolation::ruleId).containsExactly("deep");
        assertThat(violations.get(0).reason()).isEqualTo(ErrorReason.RULE_ERROR);
        assertThat(violations.get(0).detail()).contains("maxInputDepth");
    }

    @Test
    void aCommentAtTheEndOfARuleKeepsTheSetWorking() throws Exception {
        CompiledRuleSet compiled =
                allTypes()
                        .rule(rule("positive", "count > 0 // a count of zero is a mistake"))
                        .rule(rule("small", "count < 2"))
                        .build()
                        .compile();

        assertThat(ids(compiled.evaluate(allValues(), Map.of(), Map.of())))
                .containsExactly("small");
    }

    @Test
    void nestedComprehensionsBeyondTheBoundAreRejected() throws Exception {
        String nested = "tags.all(t, tags.exists(u, u == t))";
        CelRuleSet strict = allTypes().rule(rule("nested", nested)).build();
        CelRuleSet relaxed =
                allTypes().maxComprehensionDepth(2).rule(rule("nested", nested)).build();

        assertThatThrownBy(strict::compile)
                .isInstanceOf(RuleRejectedException.class)
                .hasMessageContaining("rule 'nested'")
                .hasMessageContaining("maxComprehensionDepth");
        assertThat(relaxed.compile().evaluate(allValues(), Map.of(), Map.of())).isEmpty();
    }

    @Test
    void expressionSizeAndNestingLimitsApplyAtCompileTime() {
        String longRule = "count > 0" + " && count > 0".repeat(400);
        String deepRule = "(".repeat(60) + "count > 0" + ")".repeat(60);

        assertThat(
                        assertThrows(
                                        RuleRejectedException.class,
                                        () ->
                                                allTypes()
                                                        .rule(rule("long", longRule))
                                                        .build()
                                                        .compile())
                                .ruleId())
                .contains("long");
        assertThat(
                        assertThrows(
                                        RuleRejectedException.class,
                                        () ->
                                                allTypes()
                                                        .rule(rule("deep", deepRule))
                                                        .build()
                                                        .compile())
                                .ruleId())
                .contains("deep");
    }

    @Test
    void builderChecksArgumentsAtOnce() {
        CelRuleSet.Builder builder = CelRuleSet.builder();
        assertThatThrownBy(() -> builder.field("state", FieldType.MAP))
                .hasMessageContaining("reserved");
        assertThatThrownBy(() -> builder.field("a-b", FieldType.INT))
                .hasMessageContaining("name must be a CEL identifier");
        // `type != 'X'` would compare CEL's type `type` with a string: always true.
        assertThatThrownBy(() -> builder.field("type", FieldType.STRING))
                .hasMessageContaining("'type' is a CEL built-in");
        assertThatThrownBy(() -> builder.field("int", FieldType.INT))
                .hasMessageContaining("CEL built-in");
        assertThatThrownBy(() -> builder.maxComprehensionIterations(0))
                .hasMessageContaining("maxComprehensionIterations");
        assertThatThrownBy(() -> builder.maxEvaluationCost(0))
                .hasMessageContaining("maxEvaluationCost");
        assertThatThrownBy(() -> builder.maxInputDepth(0)).hasMessageContaining("maxInputDepth");
        assertThatThrownBy(() -> builder.rule(rule("a", "true")).rule(rule("a", "true")).build())
                .hasMessageContaining("'a' is used more than once");
    }
}
