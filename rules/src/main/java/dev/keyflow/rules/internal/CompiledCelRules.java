package dev.keyflow.rules.internal;

import com.google.protobuf.Timestamp;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelVariableResolver;
import dev.keyflow.core.ErrorReason;
import dev.keyflow.rules.CelRule;
import dev.keyflow.rules.CelRuleSet;
import dev.keyflow.rules.CompiledRuleSet;
import dev.keyflow.rules.FieldType;
import dev.keyflow.rules.RuleViolation;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The compiled rules. With a combined program, an event costs one evaluation of {@code [r1, r2,
 * ...]}; only if that fails (one rule errs) is every rule evaluated on its own, so that the failing
 * rule is named and the others still count.
 *
 * <p>Every evaluation runs under a {@link CostBudget} of {@code maxEvaluationCost} (the combined
 * program too, so a rule's result never depends on the other rules), and container inputs are
 * checked for depth before cel-java sees them (its value conversion recurses). A {@link
 * StackOverflowError} is still caught at this boundary as the last line of defence, so that
 * evaluation never throws.
 */
final class CompiledCelRules implements CompiledRuleSet {

    private final List<CelRule> rules;
    private final Map<String, FieldType> fields;
    private final List<CelRuntime.Program> programs;
    private final Optional<CelRuntime.Program> combined;
    private final long maxCost;
    private final int maxInputDepth;

    CompiledCelRules(
            List<CelRule> rules,
            Map<String, FieldType> fields,
            List<CelRuntime.Program> programs,
            Optional<CelRuntime.Program> combined,
            long maxCost,
            int maxInputDepth) {
        this.rules = List.copyOf(rules);
        this.fields = Map.copyOf(fields);
        this.programs = List.copyOf(programs);
        this.combined = combined;
        this.maxCost = maxCost;
        this.maxInputDepth = maxInputDepth;
    }

    @Override
    public int size() {
        return rules.size();
    }

    @Override
    public List<RuleViolation> evaluate(
            Map<String, ?> fieldValues, Map<String, ?> state, Map<String, ?> enrichment) {
        Activation activation =
                new Activation(fields, fieldValues, state, enrichment, maxCost, maxInputDepth);
        if (combined.isPresent()) {
            Optional<List<RuleViolation>> fast = evaluateCombined(combined.get(), activation);
            if (fast.isPresent()) {
                return fast.get();
            }
        }
        List<RuleViolation> violations = null;
        for (int i = 0; i < rules.size(); i++) {
            RuleViolation violation =
                    evaluateOne(rules.get(i), programs.get(i), activation, maxCost);
            if (violation != null) {
                if (violations == null) {
                    violations = new ArrayList<>(2);
                }
                violations.add(violation);
            }
        }
        return violations == null ? List.of() : List.copyOf(violations);
    }

    /** Empty if the combined program failed, so the rules must be evaluated one by one. */
    private Optional<List<RuleViolation>> evaluateCombined(
            CelRuntime.Program program, Activation activation) {
        Object result;
        try {
            // The budget of one rule for all of them: if the set stays within it, so does each
            // rule; if not, each rule runs on its own budget below (exact, never pooled).
            result = trace(program, activation, maxCost);
        } catch (CelEvaluationException | RuntimeException | StackOverflowError e) {
            return Optional.empty(); // one rule failed: evaluateOne names it and its error
        }
        if (!(result instanceof List<?> results) || results.size() != rules.size()) {
            return Optional.empty();
        }
        List<RuleViolation> violations = null;
        for (int i = 0; i < results.size(); i++) {
            if (!(results.get(i) instanceof Boolean)) {
                return Optional.empty(); // not a clean true/false: evaluateOne says why
            }
            if (!Boolean.TRUE.equals(results.get(i))) {
                if (violations == null) {
                    violations = new ArrayList<>(2);
                }
                CelRule rule = rules.get(i);
                violations.add(
                        new RuleViolation(
                                rule.id(),
                                rule.message(),
                                rule.severity(),
                                ErrorReason.RULE_VIOLATION,
                                ""));
            }
        }
        return Optional.of(violations == null ? List.of() : List.copyOf(violations));
    }

    /** Evaluates {@code program} under a fresh budget, which also pays for the inputs it reads. */
    private static Object trace(CelRuntime.Program program, Activation activation, long budget)
            throws CelEvaluationException {
        CostBudget cost = new CostBudget(budget);
        activation.budget = cost;
        try {
            return program.trace(activation, cost);
        } finally {
            activation.budget = null;
        }
    }

    private static RuleViolation evaluateOne(
            CelRule rule, CelRuntime.Program program, Activation activation, long maxCost) {
        Object result;
        try {
            result = trace(program, activation, maxCost);
        } catch (CelEvaluationException | RuntimeException e) {
            // A rule's failure is a value: RULE_ERROR with the cause, the other rules go on.
            return error(rule, describe(e));
        } catch (StackOverflowError e) {
            // The bounds above should make this unreachable; kept so that evaluation never throws.
            return error(rule, "StackOverflowError: the rule or its input nests too deeply");
        }
        if (Boolean.TRUE.equals(result)) {
            return null;
        }
        if (!(result instanceof Boolean)) {
            // For example an unknown (unresolved variable): the rule could not be decided.
            return new RuleViolation(
                    rule.id(),
                    rule.message(),
                    rule.severity(),
                    ErrorReason.RULE_ERROR,
                    "no boolean result: " + describe(result));
        }
        return new RuleViolation(
                rule.id(), rule.message(), rule.severity(), ErrorReason.RULE_VIOLATION, "");
    }

    private static RuleViolation error(CelRule rule, String detail) {
        return new RuleViolation(
                rule.id(), rule.message(), rule.severity(), ErrorReason.RULE_ERROR, detail);
    }

    /** The cause that says what went wrong: keyflow's own bounds first, else cel-java's error. */
    private static String describe(Exception e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof CostBudget.CostExceededException
                    || cause instanceof CostBudget.TooDeepException) {
                return cause.getMessage();
            }
        }
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    private static String describe(Object result) {
        String text = String.valueOf(result);
        return (result == null ? "null" : result.getClass().getSimpleName())
                + " "
                + (text.length() > 200 ? text.substring(0, 200) + "..." : text);
    }

    /**
     * The variables of one event: built once per event, values converted when a rule reads them.
     */
    private static final class Activation implements CelVariableResolver {
        private final Map<String, FieldType> types;
        private final Map<String, ?> values;
        private final Map<String, ?> state;
        private final Map<String, ?> enrichment;
        private final long maxCost;
        private final int maxInputDepth;

        private static final long TOO_DEEP = -1;

        /** The deep size of each list or map variable read so far (checked once per event). */
        private Map<String, Long> sizes;

        /** The budget of the evaluation under way: every read of a list or map pays its size. */
        CostBudget budget;

        Activation(
                Map<String, FieldType> types,
                Map<String, ?> values,
                Map<String, ?> state,
                Map<String, ?> enrichment,
                long maxCost,
                int maxInputDepth) {
            this.types = types;
            this.values = values == null ? Map.of() : values;
            this.state = state == null ? Map.of() : state;
            this.enrichment = enrichment == null ? Map.of() : enrichment;
            this.maxCost = maxCost;
            this.maxInputDepth = maxInputDepth;
        }

        @Override
        public Optional<Object> find(String name) {
            Object value;
            if (name.equals(CelRuleSet.STATE)) {
                value = state;
            } else if (name.equals(CelRuleSet.ENRICHMENT)) {
                value = enrichment;
            } else {
                FieldType type = types.get(name);
                Object raw = values.get(name);
                if (type == null || raw == null) {
                    return Optional.empty();
                }
                value = convert(type, raw);
            }
            if (value instanceof Collection<?> || value instanceof Map<?, ?>) {
                // cel-java converts a container, recursively, every time a rule reads it: the
                // depth is bounded before it does, and each read is paid for.
                long size = checkedSize(name, value);
                if (budget != null) {
                    budget.charge(size);
                }
            }
            return Optional.ofNullable(value);
        }

        private long checkedSize(String name, Object value) {
            if (sizes == null) {
                sizes = new HashMap<>(4);
            }
            Long size = sizes.get(name);
            if (size == null) {
                try {
                    size = CostBudget.size(value, maxCost, maxInputDepth);
                } catch (CostBudget.TooDeepException e) {
                    sizes.put(name, TOO_DEEP);
                    throw e;
                }
                sizes.put(name, size);
            }
            if (size == TOO_DEEP) {
                throw new CostBudget.TooDeepException(maxInputDepth);
            }
            return size;
        }
    }

    /** The CEL value of {@code value} for a field of {@code type}; null if it does not fit. */
    static Object convert(FieldType type, Object value) {
        return switch (type) {
            case STRING -> value instanceof CharSequence s ? s.toString() : null;
            case INT -> {
                if (value instanceof Long) {
                    yield value;
                }
                yield value instanceof Integer || value instanceof Short || value instanceof Byte
                        ? ((Number) value).longValue()
                        : null;
            }
            case DOUBLE, DECIMAL -> {
                if (value instanceof Double) {
                    yield value;
                }
                yield value instanceof BigDecimal || value instanceof Number
                        ? ((Number) value).doubleValue()
                        : null;
            }
            case BOOL -> value instanceof Boolean ? value : null;
            case TIMESTAMP -> {
                if (value instanceof Instant instant) {
                    yield Timestamp.newBuilder()
                            .setSeconds(instant.getEpochSecond())
                            .setNanos(instant.getNano())
                            .build();
                }
                yield value instanceof Timestamp ? value : null;
            }
            case LIST -> value instanceof List<?> ? value : null;
            case MAP -> value instanceof Map<?, ?> ? value : null;
        };
    }
}
