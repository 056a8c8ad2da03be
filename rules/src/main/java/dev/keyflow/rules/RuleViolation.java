package dev.keyflow.rules;

import dev.keyflow.core.ErrorReason;
import java.util.Objects;

/**
 * A rule that did not hold for an event: either it evaluated to {@code false} ({@link
 * ErrorReason#RULE_VIOLATION}) or it could not be evaluated ({@link ErrorReason#RULE_ERROR}, for
 * example because it reads a missing field or hit the iteration limit).
 *
 * @param ruleId the rule's id
 * @param message the rule's message
 * @param severity the rule's severity
 * @param reason {@code RULE_VIOLATION} or {@code RULE_ERROR}
 * @param detail for a {@code RULE_ERROR}, what went wrong; empty otherwise
 */
public record RuleViolation(
        String ruleId, String message, Severity severity, ErrorReason reason, String detail) {

    public RuleViolation {
        Objects.requireNonNull(ruleId, "ruleId");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(reason, "reason");
        detail = detail == null ? "" : detail;
    }

    /** True if the rule could not be evaluated. */
    public boolean isError() {
        return reason == ErrorReason.RULE_ERROR;
    }
}
