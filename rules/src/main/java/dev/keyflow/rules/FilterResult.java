package dev.keyflow.rules;

import dev.keyflow.core.ErrorReason;
import dev.keyflow.core.ErrorRecord;
import dev.keyflow.core.ErrorStage;
import java.util.Objects;

/**
 * What a filter decided for one event. Fail-safe: only {@link Outcome#PASSED} lets the event
 * through; a script that fails (error, timeout, input too large, non-boolean result) rejects it.
 *
 * @param outcome passed, filtered out, or failed
 * @param filterId the filter that decided (for a set: the first that did not pass)
 * @param detail for {@link Outcome#FAILED}, what went wrong; empty otherwise
 */
public record FilterResult(Outcome outcome, String filterId, String detail) {

    /** The three ways a filter can decide. */
    public enum Outcome {
        /** The script returned {@code true}. */
        PASSED,
        /** The script returned {@code false}. */
        FILTERED_OUT,
        /** The script could not decide; the event is rejected and reported. */
        FAILED
    }

    public FilterResult {
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(filterId, "filterId");
        detail = detail == null ? "" : detail;
    }

    /** True only if the event may pass. */
    public boolean passed() {
        return outcome == Outcome.PASSED;
    }

    /**
     * An error record for a {@link Outcome#FAILED} result (stage {@code RULES}, reason {@code
     * RULE_ERROR}); add the event's key and payload before building it.
     *
     * @throws IllegalStateException if the filter did not fail
     */
    public ErrorRecord.Builder toError() {
        if (outcome != Outcome.FAILED) {
            throw new IllegalStateException("filter " + filterId + " did not fail: " + outcome);
        }
        return ErrorRecord.builder(ErrorStage.RULES, ErrorReason.RULE_ERROR)
                .message("filter '" + filterId + "' failed, event rejected: " + detail);
    }
}
