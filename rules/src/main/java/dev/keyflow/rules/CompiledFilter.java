package dev.keyflow.rules;

import java.util.List;
import java.util.Map;

/**
 * A filter compiled in its sandbox; thread-safe. {@link #test} never throws: every failure is a
 * {@link FilterResult.Outcome#FAILED} result, which rejects the event.
 */
public interface CompiledFilter {

    /** The filter's id. */
    String id();

    /**
     * Runs the filter on one event. The inputs are copied into a bounded, immutable view first; an
     * input over the bounds fails the filter.
     */
    FilterResult test(
            Map<String, ?> event, Map<String, ?> user, Map<String, ?> visit, List<?> history);
}
