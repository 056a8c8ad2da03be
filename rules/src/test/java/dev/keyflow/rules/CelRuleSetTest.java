package dev.keyflow.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.keyflow.core.ErrorReason;
import dev.keyflow.rules.internal.CelCompilation;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
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
        assertThatThrownBy(() -> builder.rule(rule("a", "true")).rule(rule("a", "true")).build())
                .hasMessageContaining("'a' is used more than once");
    }
}
