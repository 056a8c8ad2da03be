package dev.keyflow.rules;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One bundle version, completely compiled: thread-safe, created once per version by {@link
 * BundleCompiler#compile}, shared by every event that version processes.
 */
public final class CompiledBundle {

    private final RuleBundle bundle;
    private final CompiledRuleSet rules;
    private final List<CompiledFilter> filters;
    private final Map<String, Object> parts;

    CompiledBundle(
            RuleBundle bundle,
            CompiledRuleSet rules,
            List<CompiledFilter> filters,
            Map<String, Object> parts) {
        this.bundle = bundle;
        this.rules = rules;
        this.filters = List.copyOf(filters);
        this.parts = Map.copyOf(parts);
    }

    /** The bundle as delivered. */
    public RuleBundle bundle() {
        return bundle;
    }

    public long version() {
        return bundle.version();
    }

    /** {@code name@version}, for outputs and error records. */
    public String label() {
        return bundle.label();
    }

    /** The compiled CEL rules. */
    public CompiledRuleSet rules() {
        return rules;
    }

    /** The compiled filters, in bundle order. */
    public List<CompiledFilter> filters() {
        return filters;
    }

    /**
     * Runs the filters in order and stops at the first that does not pass; an event with no filters
     * passes. Never throws (see {@link CompiledFilter#test}).
     */
    public FilterResult filter(
            Map<String, ?> event, Map<String, ?> user, Map<String, ?> visit, List<?> history) {
        for (CompiledFilter filter : filters) {
            FilterResult result = filter.test(event, user, visit, history);
            if (!result.passed()) {
                return result;
            }
        }
        return new FilterResult(FilterResult.Outcome.PASSED, "", "");
    }

    /** Evaluates the CEL rules; see {@link CompiledRuleSet#evaluate}. */
    public List<RuleViolation> validate(
            Map<String, ?> fields, Map<String, ?> state, Map<String, ?> enrichment) {
        return rules.evaluate(fields, state, enrichment);
    }

    /**
     * The part compiled by {@code compiler}.
     *
     * @throws IllegalArgumentException if that compiler was not part of the bundle compiler
     */
    public <T> T part(BundlePartCompiler<T> compiler) {
        Objects.requireNonNull(compiler, "compiler");
        Object part = parts.get(compiler.name());
        if (part == null) {
            throw new IllegalArgumentException(
                    "compiler: no part named '" + compiler.name() + "' in " + parts.keySet());
        }
        @SuppressWarnings("unchecked")
        T typed = (T) part;
        return typed;
    }

    @Override
    public String toString() {
        return "CompiledBundle{" + label() + "}";
    }
}
