package dev.keyflow.rules.internal;

import com.googlecode.aviator.AviatorEvaluator;
import com.googlecode.aviator.AviatorEvaluatorInstance;
import com.googlecode.aviator.BaseExpression;
import com.googlecode.aviator.EvalMode;
import com.googlecode.aviator.Expression;
import com.googlecode.aviator.Feature;
import com.googlecode.aviator.Options;
import com.googlecode.aviator.exception.ExpressionRuntimeException;
import com.googlecode.aviator.lexer.token.OperatorType;
import com.googlecode.aviator.runtime.LambdaFunctionBootstrap;
import com.googlecode.aviator.runtime.function.AbstractFunction;
import com.googlecode.aviator.runtime.type.AviatorObject;
import dev.keyflow.rules.AviatorFilter;
import dev.keyflow.rules.CompiledFilter;
import dev.keyflow.rules.RuleRejectedException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Builds the sandboxed Aviator instance of one filter and compiles the filter in it.
 *
 * <p>Everything is taken away first and only what a filter needs is given back: no features, empty
 * class allow-lists, no modules, built-in functions by allow-list, and operators that cannot be
 * bounded (regex match, power, left shift) replaced by functions that fail.
 */
public final class AviatorSandbox {

    /** The built-in functions (and operator functions) a filter may call. */
    public static final Set<String> ALLOWED_FUNCTIONS =
            Set.of(
                    // operators that Aviator implements as functions
                    "!",
                    "%",
                    "&",
                    "*",
                    "+",
                    "-neg",
                    "-sub",
                    "/",
                    "^",
                    "|",
                    "~",
                    // conversions and checks
                    "boolean",
                    "double",
                    "long",
                    "str",
                    "type",
                    "is_empty",
                    "count",
                    "include",
                    "min",
                    "max",
                    // maths
                    "math.abs",
                    "math.ceil",
                    "math.floor",
                    "math.round",
                    "math.sqrt",
                    "math.log",
                    "math.log10",
                    // strings (no regex: no split, replace_all, replace_first)
                    "string.contains",
                    "string.startsWith",
                    "string.endsWith",
                    "string.indexOf",
                    "string.length",
                    "string.substring",
                    // read-only collection access
                    "seq.get",
                    "seq.contains_key");

    /** Control functions the compiler emits for loops; given back only with loops allowed. */
    private static final Set<String> LOOP_FUNCTIONS =
            Set.of(
                    "__if_callcc",
                    "__reducer_callcc",
                    "__reducer_break",
                    "__reducer_cont",
                    "__reducer_return",
                    "with_meta");

    /** The variables a filter sees. */
    public static final List<String> INPUTS = List.of("event", "user", "visit", "history");

    private AviatorSandbox() {}

    /** Compiles {@code filter} in a fresh sandbox. */
    public static CompiledFilter compile(AviatorFilter filter) throws RuleRejectedException {
        if (filter.script().length() > filter.maxScriptLength()) {
            throw new RuleRejectedException(
                    filter.id(),
                    "script has "
                            + filter.script().length()
                            + " characters, more than maxScriptLength "
                            + filter.maxScriptLength());
        }
        if (filter.script().contains("#{")) {
            // With the feature off '#{...}' stays a literal, but a script that tries it is
            // refused outright rather than left to mean something else in a later release.
            throw new RuleRejectedException(filter.id(), "string interpolation is not allowed");
        }
        AviatorEvaluatorInstance aviator = newSandbox(filter);
        Expression expression;
        try {
            expression = aviator.compile(filter.script(), false);
        } catch (RuntimeException | StackOverflowError e) {
            // Aviator reports syntax errors and forbidden features as runtime exceptions; a
            // deeply nested script overflows its recursive-descent parser.
            throw new RuleRejectedException(
                    filter.id(),
                    "does not compile in the sandbox: "
                            + e.getClass().getSimpleName()
                            + ": "
                            + e.getMessage(),
                    e);
        }
        Set<String> allowed = allowedFunctions(filter);
        if (expression instanceof BaseExpression base) {
            for (String function : base.getFunctionNames()) {
                if (!allowed.contains(function)) {
                    throw new RuleRejectedException(
                            filter.id(), "calls '" + function + "', which the sandbox forbids");
                }
            }
        }
        for (String path : variablePaths(expression)) {
            Optional<String> getter = JavaGetters.reachedBy(path);
            if (getter.isPresent()) {
                throw new RuleRejectedException(
                        filter.id(),
                        "reads '"
                                + path
                                + "': '"
                                + getter.get()
                                + "' would call a Java method of a string, number or list;"
                                + " read a map key of that name with seq.get(map, '"
                                + getter.get()
                                + "')");
            }
        }
        if (!filter.loops()) {
            // Without let/for there are no local variables: every variable is an input.
            for (String variable : expression.getVariableNames()) {
                if (!INPUTS.contains(variable)) {
                    throw new RuleRejectedException(
                            filter.id(),
                            "reads '"
                                    + variable
                                    + "'; a filter may read only "
                                    + String.join(", ", INPUTS));
                }
            }
        }
        return new SandboxedFilter(filter, expression);
    }

    /** Every variable path of {@code expression}, with those of loop bodies (lambdas inside). */
    private static Set<String> variablePaths(Expression expression) {
        Set<String> paths = new LinkedHashSet<>(expression.getVariableFullNames());
        if (expression instanceof BaseExpression base && base.getLambdaBootstraps() != null) {
            for (LambdaFunctionBootstrap lambda : base.getLambdaBootstraps().values()) {
                paths.addAll(variablePaths(lambda.getExpression()));
            }
        }
        return paths;
    }

    private static Set<String> allowedFunctions(AviatorFilter filter) {
        Set<String> allowed = new HashSet<>(ALLOWED_FUNCTIONS);
        if (filter.loops()) {
            allowed.addAll(LOOP_FUNCTIONS);
        }
        return allowed;
    }

    private static AviatorEvaluatorInstance newSandbox(AviatorFilter filter) {
        AviatorEvaluatorInstance aviator = AviatorEvaluator.newInstance(EvalMode.ASM);
        Set<Feature> features =
                filter.loops()
                        ? Feature.asSet(
                                Feature.If,
                                Feature.ForLoop,
                                Feature.WhileLoop,
                                Feature.Let,
                                Feature.LexicalScope,
                                Feature.Assignment,
                                Feature.Return)
                        : Feature.asSet();
        aviator.setOption(Options.FEATURE_SET, features);
        aviator.setOption(Options.ALLOWED_CLASS_SET, Collections.<Class<?>>emptySet());
        aviator.setOption(Options.ASSIGNABLE_ALLOWED_CLASS_SET, Collections.<Class<?>>emptySet());
        aviator.setOption(Options.EVAL_TIMEOUT_MS, filter.timeout().toMillis());
        aviator.setOption(Options.MAX_LOOP_COUNT, filter.maxLoopIterations());
        aviator.setOption(Options.TRACE_EVAL, false);
        aviator.setOption(Options.PUT_CAPTURING_GROUPS_INTO_ENV, false);
        aviator.setOption(Options.CAPTURE_FUNCTION_ARGS, false);
        aviator.setOption(Options.NIL_WHEN_PROPERTY_NOT_FOUND, false);
        aviator.setOption(Options.ENABLE_PROPERTY_SYNTAX_SUGAR, true);
        aviator.setCachedExpressionByDefault(false);
        aviator.setFunctionMissing(null);
        for (String module : new ArrayList<>(aviator.getModuleCache().keySet())) {
            aviator.removeModule(module); // the preloaded io module: file read, write, delete
        }
        Set<String> allowed = allowedFunctions(filter);
        for (String function : new ArrayList<>(aviator.getFuncMap().keySet())) {
            if (!allowed.contains(function)) {
                aviator.removeFunction(function);
            }
        }
        BoundedArithmetic.install(aviator, filter.maxStringLength(), filter.timeout().toNanos());
        aviator.addOpFunction(OperatorType.MATCH, new Forbidden("=~", "regular expressions"));
        aviator.addOpFunction(OperatorType.Exponent, new Forbidden("**", "powers"));
        aviator.addOpFunction(OperatorType.SHIFT_LEFT, new Forbidden("<<", "left shifts"));
        return aviator;
    }

    /** An operator a filter may not use: fails when it is evaluated. */
    private static final class Forbidden extends AbstractFunction {
        private static final long serialVersionUID = 1L;
        private final String name;
        private final String what;

        Forbidden(String name, String what) {
            this.name = name;
            this.what = what;
        }

        @Override
        public String getName() {
            return name;
        }

        @Override
        public AviatorObject call(Map<String, Object> env, AviatorObject a, AviatorObject b) {
            throw new ExpressionRuntimeException(
                    what + " (" + name + ") are not allowed in filters");
        }

        @Override
        public AviatorObject call(Map<String, Object> env, AviatorObject a) {
            throw new ExpressionRuntimeException(
                    what + " (" + name + ") are not allowed in filters");
        }
    }

    /** Used by the tests: the functions a filter may call under the given settings. */
    static List<String> allowed(AviatorFilter filter) {
        return List.copyOf(allowedFunctions(filter));
    }
}
