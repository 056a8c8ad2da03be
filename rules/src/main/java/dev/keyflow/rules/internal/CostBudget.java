package dev.keyflow.rules.internal;

import com.google.protobuf.ByteString;
import dev.cel.common.ast.CelExpr;
import dev.cel.common.values.CelByteString;
import dev.cel.runtime.CelEvaluationListener;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Map;
import java.util.Set;

/**
 * The cost budget of one CEL evaluation at a time (not thread-safe, like the activation it belongs
 * to): cel-java calls it after every expression node, and it charges the size of the value the node
 * builds, failing the evaluation once the budget is spent.
 *
 * <p>A node costs 1; a node that builds a value (a call, a list or map literal, a comprehension)
 * costs 1 plus the {@link #size size} of that value: the length of a string, or the number of
 * elements and entries of a list or map at every level. That is what the interpreter spends: it
 * copies strings it concatenates and converts collections element by element (cel-java 0.14's
 * planner converts an accumulated list again at every step of {@code map} and {@code filter}).
 * Counting stops as soon as the budget is exceeded, so charging never costs more than the budget
 * itself, also for a cyclic value. The count is deterministic: the same rule on the same event
 * always succeeds or fails the same way, so replays agree.
 *
 * <p>Once exceeded, every later node fails too, so the evaluation cannot carry on behind an
 * operator that tolerates errors ({@code ||}, {@code &&}, a comprehension's accumulator).
 */
final class CostBudget implements CelEvaluationListener {

    /** Calls that yield one of their arguments (or a part of it) without building anything. */
    private static final Set<String> PASS_THROUGH = Set.of("_?_:_", "_[_]", "_[?_]", "dyn");

    private long limit;
    private long spent;

    CostBudget(long limit) {
        this.limit = limit;
    }

    /** Starts the next evaluation (of the same event) with a fresh budget of {@code limit}. */
    void restart(long limit) {
        this.limit = limit;
        this.spent = 0;
    }

    @Override
    public void callback(CelExpr expr, Object value) {
        // Most nodes yield a boolean or a number: 1, without looking at the node.
        if (hasSize(value) && builds(expr)) {
            charge(1 + size(value, limit - spent, Integer.MAX_VALUE));
        } else {
            charge(1);
        }
    }

    private static boolean hasSize(Object value) {
        return value instanceof String
                || value instanceof Collection<?>
                || value instanceof Map<?, ?>
                || value instanceof CelByteString
                || value instanceof ByteString;
    }

    /**
     * Whether the node built its value: not a literal or a read (a list or map variable pays for
     * its conversion when it is resolved, see {@code CompiledCelRules}), not a pass-through call.
     */
    private static boolean builds(CelExpr expr) {
        return switch (expr.getKind()) {
            case CONSTANT, IDENT, SELECT -> false;
            case CALL -> !PASS_THROUGH.contains(expr.call().function());
            default -> true;
        };
    }

    /** Spends {@code cost}; throws once the budget is exceeded, and at every call after that. */
    void charge(long cost) {
        if (spent > limit) {
            throw new CostExceededException(limit);
        }
        spent += cost;
        if (spent > limit) {
            throw new CostExceededException(limit);
        }
    }

    /** Throws if the budget was exceeded at some point (an {@code ||} may have swallowed it). */
    void checkNotExceeded() {
        if (spent > limit) {
            throw new CostExceededException(limit);
        }
    }

    /**
     * The size of {@code value}: the length of a string or bytes value; for a list or map the
     * number of its elements and entries, at every level (the interpreter converts each of them,
     * but shares the strings inside); 0 for anything else. Counting stops as soon as the size
     * exceeds {@code max} (the result is then greater than {@code max}), so it costs at most about
     * {@code max} steps, also for a cyclic value.
     *
     * @throws TooDeepException if lists and maps nest deeper than {@code maxDepth}
     */
    static long size(Object value, long max, int maxDepth) {
        if (value instanceof String text) {
            return text.length();
        }
        if (value instanceof CelByteString bytes) {
            return bytes.size();
        }
        if (value instanceof ByteString bytes) {
            return bytes.size();
        }
        if (!isContainer(value)) {
            return 0;
        }
        Collection<?> top =
                value instanceof Collection<?> collection
                        ? collection
                        : ((Map<?, ?>) value).values();
        if (!hasContainer(top)) {
            return top.size(); // the common case: a flat list or map
        }
        if (maxDepth < 2) {
            throw new TooDeepException(maxDepth);
        }
        long total = 0;
        ArrayDeque<Object> pending = new ArrayDeque<>();
        ArrayDeque<Integer> depths = new ArrayDeque<>();
        pending.push(value);
        depths.push(1);
        while (!pending.isEmpty()) {
            Object next = pending.pop();
            int depth = depths.pop();
            if (depth > maxDepth) {
                throw new TooDeepException(maxDepth);
            }
            Collection<?> children =
                    next instanceof Collection<?> collection
                            ? collection
                            : ((Map<?, ?>) next).values();
            total += children.size();
            if (total > max) {
                return total;
            }
            for (Object child : children) {
                if (isContainer(child)) {
                    pending.push(child);
                    depths.push(depth + 1);
                }
            }
        }
        return total;
    }

    private static boolean hasContainer(Collection<?> children) {
        for (Object child : children) {
            if (isContainer(child)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isContainer(Object value) {
        return value instanceof Collection<?> || value instanceof Map<?, ?>;
    }

    /** Lists and maps nest deeper than allowed (a cyclic value nests without end). */
    static final class TooDeepException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TooDeepException(int maxDepth) {
            super("lists and maps nest deeper than maxInputDepth " + maxDepth, null, false, false);
        }
    }

    /** The budget is spent: thrown out of the evaluation, reported as a RULE_ERROR. */
    static final class CostExceededException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CostExceededException(long limit) {
            super("evaluation cost exceeds maxEvaluationCost " + limit, null, false, false);
        }
    }
}
