package dev.keyflow.rules.internal;

import com.googlecode.aviator.Expression;
import dev.keyflow.rules.AviatorFilter;
import dev.keyflow.rules.CompiledFilter;
import dev.keyflow.rules.FilterResult;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A compiled filter: copies the input into a bounded immutable view, runs, decides fail-safe. */
final class SandboxedFilter implements CompiledFilter {

    private final AviatorFilter spec;
    private final Expression expression;

    SandboxedFilter(AviatorFilter spec, Expression expression) {
        this.spec = spec;
        this.expression = expression;
    }

    @Override
    public String id() {
        return spec.id();
    }

    @Override
    public FilterResult test(
            Map<String, ?> event, Map<String, ?> user, Map<String, ?> visit, List<?> history) {
        Map<String, Object> env = new HashMap<>(8);
        try {
            InputView view =
                    new InputView(
                            spec.maxStringLength(), spec.maxCollectionSize(), spec.maxDepth());
            env.put("event", view.copy(event == null ? Map.of() : event));
            env.put("user", view.copy(user == null ? Map.of() : user));
            env.put("visit", view.copy(visit == null ? Map.of() : visit));
            env.put("history", view.copy(history == null ? List.of() : history));
        } catch (InputView.InputRejectedException e) {
            return failed("input rejected: " + e.getMessage());
        }
        Object result;
        try {
            result = expression.execute(env);
        } catch (RuntimeException | StackOverflowError e) {
            // Fail-safe: whatever went wrong (timeout, forbidden operator, missing function,
            // immutable input), the event is rejected and the cause is reported.
            return failed(e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        if (result instanceof Boolean decided) {
            return new FilterResult(
                    decided ? FilterResult.Outcome.PASSED : FilterResult.Outcome.FILTERED_OUT,
                    spec.id(),
                    "");
        }
        return failed(
                "returned "
                        + (result == null ? "nil" : result.getClass().getSimpleName())
                        + ", not a boolean");
    }

    private FilterResult failed(String detail) {
        return new FilterResult(FilterResult.Outcome.FAILED, spec.id(), detail);
    }
}
