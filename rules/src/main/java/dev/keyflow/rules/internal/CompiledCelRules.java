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
import java.util.Arrays;
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
    private final List<CelRuntime.Program> programs;
    private final List<Boolean> bounded;
    private final Optional<CelRuntime.Program> combined;
    private final boolean combinedBounded;
    private final long maxCost;
    private final Variables variables;

    CompiledCelRules(
            List<CelRule> rules,
            Map<String, FieldType> fields,
            List<CelRuntime.Program> programs,
            List<Boolean> bounded,
            Optional<CelRuntime.Program> combined,
            long maxCost,
            int maxInputDepth) {
        this.rules = List.copyOf(rules);
        this.programs = List.copyOf(programs);
        this.bounded = List.copyOf(bounded);
        this.combined = combined;
        this.combinedBounded = !bounded.contains(false);
        this.maxCost = maxCost;
        this.variables = new Variables(fields, maxCost, maxInputDepth);
    }

    @Override
    public int size() {
        return rules.size();
    }

    @Override
    public List<RuleViolation> evaluate(
            Map<String, ?> fieldValues, Map<String, ?> state, Map<String, ?> enrichment) {
        Activation activation = new Activation(variables, fieldValues, state, enrichment);
        if (combined.isPresent()) {
            Optional<List<RuleViolation>> fast = evaluateCombined(combined.get(), activation);
            if (fast.isPresent()) {
                return fast.get();
            }
        }
        List<RuleViolation> violations = null;
        for (int i = 0; i < rules.size(); i++) {
            RuleViolation violation =
                    evaluateOne(rules.get(i), programs.get(i), bounded.get(i), activation, maxCost);
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
            result = trace(program, activation, maxCost, combinedBounded);
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

    /**
     * Evaluates {@code program} under a fresh budget, which pays for the list and map variables it
     * reads and, unless the program is {@link CelCompilation#staticallyBounded bounded by its
     * size}, for every node (a listener costs about a fifth of a plain rule's evaluation). A budget
     * exceeded anywhere fails the evaluation, even if an {@code ||} swallowed the error.
     */
    private static Object trace(
            CelRuntime.Program program, Activation activation, long budget, boolean bounded)
            throws CelEvaluationException {
        CostBudget cost = activation.budget;
        cost.restart(budget);
        Object result = bounded ? program.eval(activation) : program.trace(activation, cost);
        cost.checkNotExceeded();
        return result;
    }

    private static RuleViolation evaluateOne(
            CelRule rule,
            CelRuntime.Program program,
            boolean bounded,
            Activation activation,
            long maxCost) {
        Object result;
        try {
            result = trace(program, activation, maxCost, bounded);
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
        private static final long UNKNOWN = -1;
        private static final long TOO_DEEP = -2;

        private final Variables variables;
        private final Map<String, ?> values;
        private final Map<String, ?> state;
        private final Map<String, ?> enrichment;

        /** The size of each list or map variable read so far (checked once per event). */
        private long[] sizes;

        /** The budget of the evaluation under way: every read of a list or map pays its size. */
        final CostBudget budget = new CostBudget(0);

        Activation(
                Variables variables,
                Map<String, ?> values,
                Map<String, ?> state,
                Map<String, ?> enrichment) {
            this.variables = variables;
            this.values = values == null ? Map.of() : values;
            this.state = state == null ? Map.of() : state;
            this.enrichment = enrichment == null ? Map.of() : enrichment;
        }

        @Override
        public Optional<Object> find(String name) {
            Variable variable = variables.byName.get(name);
            if (variable == null) {
                return Optional.empty();
            }
            Object value;
            if (variable.type == null) {
                value = variable.container == Variables.STATE ? state : enrichment;
            } else {
                Object raw = values.get(name);
                if (raw == null) {
                    return Optional.empty();
                }
                value = convert(variable.type, raw);
            }
            if (variable.container >= 0 && value != null) {
                // cel-java converts a list or map, recursively, every time a rule reads it: the
                // depth is bounded before it does, and each read is paid for.
                budget.charge(checkedSize(variable.container, value));
            }
            return Optional.ofNullable(value);
        }

        private long checkedSize(int container, Object value) {
            if (sizes == null) {
                sizes = new long[variables.containers];
                Arrays.fill(sizes, UNKNOWN);
            }
            long size = sizes[container];
            if (size == UNKNOWN) {
                try {
                    size = CostBudget.size(value, variables.maxCost, variables.maxInputDepth);
                } catch (CostBudget.TooDeepException e) {
                    sizes[container] = TOO_DEEP;
                    throw e;
                }
                sizes[container] = size;
            }
            if (size == TOO_DEEP) {
                throw new CostBudget.TooDeepException(variables.maxInputDepth);
            }
            return size;
        }
    }

    /** How a variable is found: its field type (null for state and enrichment), its slot. */
    private record Variable(FieldType type, int container) {}

    /** The variables of the set, by name, prepared once: each list or map has a size slot. */
    private static final class Variables {
        static final int STATE = 0;
        static final int ENRICHMENT = 1;

        final Map<String, Variable> byName;
        final int containers;
        final long maxCost;
        final int maxInputDepth;

        Variables(Map<String, FieldType> fields, long maxCost, int maxInputDepth) {
            Map<String, Variable> variables = new HashMap<>();
            variables.put(CelRuleSet.STATE, new Variable(null, STATE));
            variables.put(CelRuleSet.ENRICHMENT, new Variable(null, ENRICHMENT));
            int next = ENRICHMENT + 1;
            for (Map.Entry<String, FieldType> field : fields.entrySet()) {
                boolean container =
                        field.getValue() == FieldType.LIST || field.getValue() == FieldType.MAP;
                variables.put(
                        field.getKey(), new Variable(field.getValue(), container ? next++ : -1));
            }
            this.byName = Map.copyOf(variables);
            this.containers = next;
            this.maxCost = maxCost;
            this.maxInputDepth = maxInputDepth;
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
