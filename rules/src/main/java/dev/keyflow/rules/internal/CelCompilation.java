package dev.keyflow.rules.internal;

import dev.cel.bundle.Cel;
import dev.cel.bundle.CelBuilder;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationException;
import dev.cel.common.CelValidationResult;
import dev.cel.common.ast.CelExpr;
import dev.cel.common.navigation.CelNavigableAst;
import dev.cel.common.navigation.CelNavigableExpr;
import dev.cel.common.types.CelType;
import dev.cel.common.types.ListType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.keyflow.rules.CelRule;
import dev.keyflow.rules.CelRuleSet;
import dev.keyflow.rules.CompiledRuleSet;
import dev.keyflow.rules.FieldType;
import dev.keyflow.rules.RuleRejectedException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** Compiles a {@link CelRuleSet}: one checked program per rule plus one combined program. */
public final class CelCompilation {

    private static final CelType DYN_MAP = MapType.create(SimpleType.STRING, SimpleType.DYN);

    private CelCompilation() {}

    /** Compiles with the default strategy: a combined program, falling back per rule on error. */
    public static CompiledRuleSet compile(CelRuleSet set) throws RuleRejectedException {
        return compile(set, true);
    }

    /**
     * Compiles {@code set}; with {@code combined} false every event runs one program per rule (kept
     * for the benchmark that compares the two).
     */
    public static CompiledRuleSet compile(CelRuleSet set, boolean combined)
            throws RuleRejectedException {
        CelOptions options =
                CelOptions.current()
                        .maxExpressionCodePointSize(set.maxExpressionLength())
                        .maxParseRecursionDepth(set.maxNestingDepth())
                        .comprehensionMaxIterations(set.maxComprehensionIterations())
                        .enableHeterogeneousNumericComparisons(true)
                        .build();
        Cel cel = cel(set, options).setResultType(SimpleType.BOOL).build();
        List<CelRuntime.Program> programs = new ArrayList<>(set.rules().size());
        List<Boolean> bounded = new ArrayList<>(set.rules().size());
        for (CelRule rule : set.rules()) {
            CelAbstractSyntaxTree ast = check(cel, rule.id(), rule.expression());
            int depth = comprehensionDepth(ast);
            if (depth > set.maxComprehensionDepth()) {
                throw new RuleRejectedException(
                        rule.id(),
                        "nests "
                                + depth
                                + " comprehensions, more than maxComprehensionDepth "
                                + set.maxComprehensionDepth());
            }
            programs.add(plan(cel, rule.id(), ast));
            bounded.add(staticallyBounded(ast));
        }
        Optional<CelRuntime.Program> all = Optional.empty();
        if (combined && set.rules().size() > 1) {
            all = combinedProgram(set, options);
        }
        return new CompiledCelRules(
                set.rules(),
                set.fields(),
                programs,
                bounded,
                all,
                set.maxEvaluationCost(),
                set.maxInputDepth());
    }

    private static CelBuilder cel(CelRuleSet set, CelOptions options) {
        CelBuilder builder =
                CelFactory.plannerCelBuilder()
                        .setOptions(options)
                        .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
                        .addVar(CelRuleSet.STATE, DYN_MAP)
                        .addVar(CelRuleSet.ENRICHMENT, DYN_MAP);
        for (Map.Entry<String, FieldType> field : set.fields().entrySet()) {
            builder.addVar(field.getKey(), celType(field.getValue()));
        }
        return builder;
    }

    /**
     * The program {@code [r1, ..., rn]}; empty if it does not compile although every rule did on
     * its own (then each rule runs on its own: slower, same results, and no valid set is refused).
     */
    private static Optional<CelRuntime.Program> combinedProgram(
            CelRuleSet set, CelOptions options) {
        // Every rule passed the limits on its own; the combined list only joins them, so it gets
        // room for all of them (and nothing else can reach this text).
        int length =
                set.rules().stream().mapToInt(r -> r.expression().length() + 5).sum()
                        + set.maxExpressionLength();
        // The iteration limit (like the cost budget) stays that of one rule: cel-java counts per
        // evaluation, so when the combined program stays within it, so does every rule; when it
        // does not, every rule runs on its own with its own allowance. A rule's result never
        // depends on the other rules of its set.
        CelOptions combinedOptions =
                options.toBuilder()
                        .maxExpressionCodePointSize(length)
                        .maxParseRecursionDepth(set.maxNestingDepth() + 2)
                        .build();
        Cel cel = cel(set, combinedOptions).build();
        String text =
                set.rules().stream()
                        // Each rule on lines of its own: a '//' comment at the end of a rule
                        // must not swallow the rest of the list.
                        .map(r -> "(" + r.expression() + "\n)")
                        .collect(Collectors.joining(",\n", "[", "]"));
        try {
            return Optional.of(plan(cel, null, check(cel, null, text)));
        } catch (RuleRejectedException e) {
            return Optional.empty();
        }
    }

    private static CelAbstractSyntaxTree check(Cel cel, String ruleId, String expression)
            throws RuleRejectedException {
        CelValidationResult result = cel.compile(expression);
        if (result.hasError()) {
            throw new RuleRejectedException(
                    ruleId, "does not compile or type-check: " + result.getErrorString());
        }
        try {
            return result.getAst();
        } catch (CelValidationException e) {
            throw new RuleRejectedException(ruleId, "does not compile: " + e.getMessage(), e);
        }
    }

    private static CelRuntime.Program plan(Cel cel, String ruleId, CelAbstractSyntaxTree ast)
            throws RuleRejectedException {
        try {
            return cel.createProgram(ast);
        } catch (CelEvaluationException e) {
            throw new RuleRejectedException(ruleId, "cannot be planned: " + e.getMessage(), e);
        }
    }

    /**
     * Whether the cost of {@code ast} is bounded by its size and the size of its input alone: no
     * comprehension, and only calls that build nothing larger than a number, a boolean or a part of
     * their input (no concatenation of strings, bytes or lists, no conversion to string or bytes).
     * Every node of such a rule runs at most once, so it needs no per-node cost listener; reads of
     * list and map variables are still paid for. Unknown functions count as unbounded.
     */
    static boolean staticallyBounded(CelAbstractSyntaxTree ast) {
        return CelNavigableAst.fromAst(ast)
                .getRoot()
                .allNodes()
                .allMatch(node -> boundedNode(ast, node.expr()));
    }

    private static boolean boundedNode(CelAbstractSyntaxTree ast, CelExpr expr) {
        return switch (expr.getKind()) {
            case COMPREHENSION -> false;
            case CALL -> {
                String function = expr.call().function();
                if (function.equals("_+_")) {
                    yield ast.getReference(expr.id())
                            .map(r -> NUMERIC_ADD.containsAll(r.overloadIds()))
                            .orElse(false);
                }
                yield CHEAP_CALLS.contains(function);
            }
            default -> true;
        };
    }

    /** Additions that yield a number, a timestamp or a duration. */
    private static final Set<String> NUMERIC_ADD =
            Set.of(
                    "add_int64",
                    "add_uint64",
                    "add_double",
                    "add_timestamp_duration",
                    "add_duration_timestamp",
                    "add_duration_duration");

    /** Calls whose result is a number, a boolean, a time, or one of their arguments. */
    private static final Set<String> CHEAP_CALLS =
            Set.of(
                    "_==_",
                    "_!=_",
                    "_<_",
                    "_<=_",
                    "_>_",
                    "_>=_",
                    "_&&_",
                    "_||_",
                    "!_",
                    "@not_strictly_false",
                    "_?_:_",
                    "-_",
                    "_-_",
                    "_*_",
                    "_/_",
                    "_%_",
                    "@in",
                    "_[_]",
                    "size",
                    "contains",
                    "startsWith",
                    "endsWith",
                    "matches",
                    "int",
                    "uint",
                    "double",
                    "bool",
                    "timestamp",
                    "duration",
                    "dyn",
                    "type");

    /** The deepest nesting of comprehensions in {@code ast} (0 if it has none). */
    static int comprehensionDepth(CelAbstractSyntaxTree ast) {
        return CelNavigableAst.fromAst(ast)
                .getRoot()
                .allNodes()
                .filter(n -> n.getKind() == CelExpr.ExprKind.Kind.COMPREHENSION)
                .mapToInt(CelCompilation::comprehensionsAtOrAbove)
                .max()
                .orElse(0);
    }

    private static int comprehensionsAtOrAbove(CelNavigableExpr node) {
        int count = 0;
        Optional<CelNavigableExpr> current = Optional.of(node);
        while (current.isPresent()) {
            if (current.get().getKind() == CelExpr.ExprKind.Kind.COMPREHENSION) {
                count++;
            }
            current = current.get().parent();
        }
        return count;
    }

    static CelType celType(FieldType type) {
        return switch (type) {
            case STRING -> SimpleType.STRING;
            case INT -> SimpleType.INT;
            case DOUBLE, DECIMAL -> SimpleType.DOUBLE;
            case BOOL -> SimpleType.BOOL;
            case TIMESTAMP -> SimpleType.TIMESTAMP;
            case LIST -> ListType.create(SimpleType.DYN);
            case MAP -> DYN_MAP;
        };
    }
}
