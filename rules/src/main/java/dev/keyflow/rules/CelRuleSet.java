package dev.keyflow.rules;

import dev.keyflow.core.Checks;
import dev.keyflow.rules.internal.CelCompilation;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * An immutable, serializable set of CEL validation rules with the typed variables they may read.
 *
 * <pre>{@code
 * CelRuleSet rules = CelRuleSet.builder()
 *         .field("amount", FieldType.DECIMAL)
 *         .field("currency", FieldType.STRING)
 *         .field("lines", FieldType.LIST)
 *         .rule(new CelRule("amount-positive", "amount > 0.0", "amount must be positive", Severity.ERROR))
 *         .rule(new CelRule("known-customer", "has(enrichment.customer)", "no customer", Severity.WARNING))
 *         .maxComprehensionIterations(1_000)
 *         .build();
 * CompiledRuleSet compiled = rules.compile();        // once per bundle version; may throw
 * List<RuleViolation> violations = compiled.evaluate(fields, state, enrichment);   // per event
 * }</pre>
 *
 * <p>Rules see the declared fields under their names, {@code state} (the folded per-key state, a
 * {@code map(string, dyn)}) and {@code enrichment} (a {@code map(string, dyn)}). Every rule must
 * have type {@code bool}.
 *
 * <p><b>Limits</b>, so that a hostile or careless rule, or hostile input, cannot run away. Checked
 * when the set is {@link #compile() compiled}:
 *
 * <ul>
 *   <li>{@link Builder#maxExpressionLength} code points per rule (default {@value
 *       #DEFAULT_MAX_EXPRESSION_LENGTH});
 *   <li>{@link Builder#maxNestingDepth} parser recursion depth (default {@value
 *       #DEFAULT_MAX_NESTING_DEPTH});
 *   <li>{@link Builder#maxComprehensionDepth} nested comprehensions ({@code all}, {@code exists},
 *       {@code map}, {@code filter}; default {@value #DEFAULT_MAX_COMPREHENSION_DEPTH}, i.e. no
 *       comprehension inside another), because iteration costs multiply when nested.
 * </ul>
 *
 * <p>Enforced per rule and per evaluation, turning the rule into a {@code RULE_ERROR}:
 *
 * <ul>
 *   <li>{@link Builder#maxComprehensionIterations} iterations of all comprehensions of the rule
 *       together (default {@value #DEFAULT_MAX_COMPREHENSION_ITERATIONS}; cel-java's own default is
 *       unlimited);
 *   <li>{@link Builder#maxEvaluationCost} (default {@value #DEFAULT_MAX_EVALUATION_COST}), a
 *       deterministic cost that bounds time and allocation: 1 per expression node plus the size of
 *       every value a node builds and of every list or map variable read;
 *   <li>{@link Builder#maxInputDepth} nesting of lists and maps in the input (default {@value
 *       #DEFAULT_MAX_INPUT_DEPTH}; a cyclic value counts as too deep).
 * </ul>
 */
public final class CelRuleSet implements Serializable {

    private static final long serialVersionUID = 1L;

    public static final int DEFAULT_MAX_EXPRESSION_LENGTH = 4096;
    public static final int DEFAULT_MAX_NESTING_DEPTH = 32;
    public static final int DEFAULT_MAX_COMPREHENSION_DEPTH = 1;
    public static final int DEFAULT_MAX_COMPREHENSION_ITERATIONS = 1000;
    public static final long DEFAULT_MAX_EVALUATION_COST = 100_000;
    public static final int DEFAULT_MAX_INPUT_DEPTH = 32;

    /** The variable holding the folded per-key state. */
    public static final String STATE = "state";

    /** The variable holding the enrichment results. */
    public static final String ENRICHMENT = "enrichment";

    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private final Map<String, FieldType> fields;
    private final List<CelRule> rules;
    private final int maxExpressionLength;
    private final int maxNestingDepth;
    private final int maxComprehensionDepth;
    private final int maxComprehensionIterations;
    private final long maxEvaluationCost;
    private final int maxInputDepth;

    private CelRuleSet(Builder b) {
        this.fields = Map.copyOf(b.fields);
        this.rules = List.copyOf(b.rules);
        this.maxExpressionLength = b.maxExpressionLength;
        this.maxNestingDepth = b.maxNestingDepth;
        this.maxComprehensionDepth = b.maxComprehensionDepth;
        this.maxComprehensionIterations = b.maxComprehensionIterations;
        this.maxEvaluationCost = b.maxEvaluationCost;
        this.maxInputDepth = b.maxInputDepth;
    }

    /** Starts a rule set. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Parses, type-checks and plans every rule, once. Call it once per bundle version (in {@code
     * open()} or when a bundle is activated), never per event.
     *
     * @throws RuleRejectedException naming the first rule that does not compile, does not have type
     *     {@code bool}, or exceeds a limit
     */
    public CompiledRuleSet compile() throws RuleRejectedException {
        return CelCompilation.compile(this);
    }

    public Map<String, FieldType> fields() {
        return fields;
    }

    public List<CelRule> rules() {
        return rules;
    }

    public int maxExpressionLength() {
        return maxExpressionLength;
    }

    public int maxNestingDepth() {
        return maxNestingDepth;
    }

    public int maxComprehensionDepth() {
        return maxComprehensionDepth;
    }

    public int maxComprehensionIterations() {
        return maxComprehensionIterations;
    }

    public long maxEvaluationCost() {
        return maxEvaluationCost;
    }

    public int maxInputDepth() {
        return maxInputDepth;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CelRuleSet other
                && fields.equals(other.fields)
                && rules.equals(other.rules)
                && maxExpressionLength == other.maxExpressionLength
                && maxNestingDepth == other.maxNestingDepth
                && maxComprehensionDepth == other.maxComprehensionDepth
                && maxComprehensionIterations == other.maxComprehensionIterations
                && maxEvaluationCost == other.maxEvaluationCost
                && maxInputDepth == other.maxInputDepth;
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                fields, rules, maxExpressionLength, maxComprehensionIterations, maxEvaluationCost);
    }

    @Override
    public String toString() {
        return "CelRuleSet{fields=" + fields + ", rules=" + rules.size() + "}";
    }

    /** Builds a {@link CelRuleSet}; see the class documentation for an example. */
    public static final class Builder {
        private final Map<String, FieldType> fields = new LinkedHashMap<>();
        private final List<CelRule> rules = new ArrayList<>();
        private int maxExpressionLength = DEFAULT_MAX_EXPRESSION_LENGTH;
        private int maxNestingDepth = DEFAULT_MAX_NESTING_DEPTH;
        private int maxComprehensionDepth = DEFAULT_MAX_COMPREHENSION_DEPTH;
        private int maxComprehensionIterations = DEFAULT_MAX_COMPREHENSION_ITERATIONS;
        private long maxEvaluationCost = DEFAULT_MAX_EVALUATION_COST;
        private int maxInputDepth = DEFAULT_MAX_INPUT_DEPTH;

        private Builder() {}

        /** CEL's type names, literals, macros and reserved words: not usable as field names. */
        private static final java.util.Set<String> CEL_NAMES =
                java.util.Set.of(
                        "type",
                        "int",
                        "uint",
                        "double",
                        "bool",
                        "string",
                        "bytes",
                        "list",
                        "map",
                        "null_type",
                        "dyn",
                        "null",
                        "true",
                        "false",
                        "in",
                        "has",
                        "all",
                        "exists",
                        "exists_one",
                        "filter",
                        "as",
                        "break",
                        "const",
                        "continue",
                        "else",
                        "for",
                        "function",
                        "if",
                        "import",
                        "let",
                        "loop",
                        "package",
                        "namespace",
                        "return",
                        "var",
                        "void",
                        "while",
                        "google");

        /** Declares a field the rules may read; its name must be a CEL identifier. */
        public Builder field(String name, FieldType type) {
            Checks.requireText(name, "name");
            Objects.requireNonNull(type, "type");
            if (!IDENTIFIER.matcher(name).matches()) {
                throw new IllegalArgumentException(
                        "name must be a CEL identifier ([A-Za-z_][A-Za-z0-9_]*), was " + name);
            }
            if (name.equals(STATE) || name.equals(ENRICHMENT)) {
                throw new IllegalArgumentException(
                        "name '" + name + "' is reserved for the " + name + " variable");
            }
            if (CEL_NAMES.contains(name)) {
                // A field named like a CEL type or keyword would not shadow it: `type != 'x'`
                // compares CEL's type `type` with a string and is always true.
                throw new IllegalArgumentException(
                        "name '"
                                + name
                                + "' is a CEL built-in or reserved word; rename the field"
                                + " (e.g. eventType)");
            }
            fields.put(name, type);
            return this;
        }

        /** Declares every field of {@code types}. */
        public Builder fields(Map<String, FieldType> types) {
            Objects.requireNonNull(types, "types").forEach(this::field);
            return this;
        }

        /** Adds a rule; ids must be unique (checked in {@link #build()}). */
        public Builder rule(CelRule rule) {
            rules.add(Objects.requireNonNull(rule, "rule"));
            return this;
        }

        /** Adds every rule of {@code rules}. */
        public Builder rules(List<CelRule> rules) {
            Objects.requireNonNull(rules, "rules").forEach(this::rule);
            return this;
        }

        /** Longest accepted rule, in code points. */
        public Builder maxExpressionLength(int maxExpressionLength) {
            this.maxExpressionLength =
                    Checks.requireAtLeastOne(maxExpressionLength, "maxExpressionLength");
            return this;
        }

        /** Deepest accepted nesting of parentheses, calls and operators (parser recursion). */
        public Builder maxNestingDepth(int maxNestingDepth) {
            this.maxNestingDepth = Checks.requireAtLeastOne(maxNestingDepth, "maxNestingDepth");
            return this;
        }

        /** How many comprehensions may be nested inside each other (1: no nesting). */
        public Builder maxComprehensionDepth(int maxComprehensionDepth) {
            this.maxComprehensionDepth =
                    Checks.requireAtLeastOne(maxComprehensionDepth, "maxComprehensionDepth");
            return this;
        }

        /**
         * Iterations one evaluation of a rule may run, counted over all its comprehensions
         * together, before the rule fails with RULE_ERROR.
         */
        public Builder maxComprehensionIterations(int maxComprehensionIterations) {
            this.maxComprehensionIterations =
                    Checks.requireAtLeastOne(
                            maxComprehensionIterations, "maxComprehensionIterations");
            return this;
        }

        /**
         * Cost one evaluation of a rule may spend before it fails with RULE_ERROR: 1 per expression
         * node evaluated plus the size of the value it yields (characters of strings, elements and
         * entries of lists and maps, counted deeply), plus the size of every list or map variable
         * each time it is read.
         */
        public Builder maxEvaluationCost(long maxEvaluationCost) {
            if (maxEvaluationCost < 1) {
                throw new IllegalArgumentException(
                        "maxEvaluationCost must be at least 1, was " + maxEvaluationCost);
            }
            this.maxEvaluationCost = maxEvaluationCost;
            return this;
        }

        /**
         * Deepest nesting of lists and maps accepted in a list, map, {@code state} or {@code
         * enrichment} value; a deeper (or cyclic) value fails every rule that reads it with
         * RULE_ERROR.
         */
        public Builder maxInputDepth(int maxInputDepth) {
            this.maxInputDepth = Checks.requireAtLeastOne(maxInputDepth, "maxInputDepth");
            return this;
        }

        /**
         * Builds the set.
         *
         * @throws IllegalArgumentException if two rules share an id
         */
        public CelRuleSet build() {
            Set<String> ids = new HashSet<>();
            for (CelRule rule : rules) {
                if (!ids.add(rule.id())) {
                    throw new IllegalArgumentException(
                            "rules: the id '" + rule.id() + "' is used more than once");
                }
            }
            return new CelRuleSet(this);
        }
    }
}
