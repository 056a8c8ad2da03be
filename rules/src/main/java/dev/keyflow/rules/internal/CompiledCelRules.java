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
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The compiled rules. With a combined program, an event costs one evaluation of {@code [r1, r2,
 * ...]}; only if that fails (one rule errs) is every rule evaluated on its own, so that the failing
 * rule is named and the others still count.
 */
final class CompiledCelRules implements CompiledRuleSet {

    private final List<CelRule> rules;
    private final Map<String, FieldType> fields;
    private final List<CelRuntime.Program> programs;
    private final Optional<CelRuntime.Program> combined;

    CompiledCelRules(
            List<CelRule> rules,
            Map<String, FieldType> fields,
            List<CelRuntime.Program> programs,
            Optional<CelRuntime.Program> combined) {
        this.rules = List.copyOf(rules);
        this.fields = Map.copyOf(fields);
        this.programs = List.copyOf(programs);
        this.combined = combined;
    }

    @Override
    public int size() {
        return rules.size();
    }

    @Override
    public List<RuleViolation> evaluate(
            Map<String, ?> fieldValues, Map<String, ?> state, Map<String, ?> enrichment) {
        CelVariableResolver activation = new Activation(fields, fieldValues, state, enrichment);
        if (combined.isPresent()) {
            Optional<List<RuleViolation>> fast = evaluateCombined(combined.get(), activation);
            if (fast.isPresent()) {
                return fast.get();
            }
        }
        List<RuleViolation> violations = null;
        for (int i = 0; i < rules.size(); i++) {
            RuleViolation violation = evaluateOne(rules.get(i), programs.get(i), activation);
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
            CelRuntime.Program program, CelVariableResolver activation) {
        Object result;
        try {
            result = program.eval(activation);
        } catch (CelEvaluationException | RuntimeException e) {
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

    private static RuleViolation evaluateOne(
            CelRule rule, CelRuntime.Program program, CelVariableResolver activation) {
        Object result;
        try {
            result = program.eval(activation);
        } catch (CelEvaluationException | RuntimeException e) {
            // A rule's failure is a value: RULE_ERROR with the cause, the other rules go on.
            return new RuleViolation(
                    rule.id(),
                    rule.message(),
                    rule.severity(),
                    ErrorReason.RULE_ERROR,
                    e.getClass().getSimpleName() + ": " + e.getMessage());
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

        Activation(
                Map<String, FieldType> types,
                Map<String, ?> values,
                Map<String, ?> state,
                Map<String, ?> enrichment) {
            this.types = types;
            this.values = values == null ? Map.of() : values;
            this.state = state == null ? Map.of() : state;
            this.enrichment = enrichment == null ? Map.of() : enrichment;
        }

        @Override
        public Optional<Object> find(String name) {
            if (name.equals(CelRuleSet.STATE)) {
                return Optional.of(state);
            }
            if (name.equals(CelRuleSet.ENRICHMENT)) {
                return Optional.of(enrichment);
            }
            FieldType type = types.get(name);
            Object value = values.get(name);
            if (type == null || value == null) {
                return Optional.empty();
            }
            return Optional.ofNullable(convert(type, value));
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
