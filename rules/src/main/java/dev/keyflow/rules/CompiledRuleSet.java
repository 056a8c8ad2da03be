package dev.keyflow.rules;

import java.util.List;
import java.util.Map;

/**
 * A {@link CelRuleSet} after parsing, type-checking and planning: thread-safe and cheap to
 * evaluate. Create it once per bundle version with {@link CelRuleSet#compile()}.
 *
 * <p>Evaluation never throws for a problem of a rule or of the input: a rule that evaluates to
 * {@code false} is a {@link dev.keyflow.core.ErrorReason#RULE_VIOLATION}; a rule that fails (a
 * missing field or key, a value of the wrong type, an overflow, the iteration limit, the cost
 * budget, input nested too deeply or cyclic, even a stack overflow) is a {@link
 * dev.keyflow.core.ErrorReason#RULE_ERROR}, and the other rules are still evaluated. A rule's
 * result depends only on the rule and the event, never on the other rules of the set.
 */
public interface CompiledRuleSet {

    /**
     * Evaluates every rule against one event.
     *
     * @param fields the extracted fields, by declared name (missing ones may be absent)
     * @param state the folded per-key state ({@code state} in rules)
     * @param enrichment enrichment results ({@code enrichment} in rules)
     * @return the violated or failed rules in rule order; empty if all hold
     */
    List<RuleViolation> evaluate(
            Map<String, ?> fields, Map<String, ?> state, Map<String, ?> enrichment);

    /** The number of rules. */
    int size();
}
