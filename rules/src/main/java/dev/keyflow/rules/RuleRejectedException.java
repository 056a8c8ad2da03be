package dev.keyflow.rules;

import java.util.Optional;
import javax.annotation.Nullable;

/**
 * A rule, filter or bundle part that does not compile, type-check or respect the limits. Thrown by
 * compilation only (never while events are evaluated); the bundle registry turns it into an error
 * record with reason {@code BUNDLE_REJECTED} and keeps the previous bundle.
 */
public final class RuleRejectedException extends Exception {

    private static final long serialVersionUID = 1L;

    @Nullable private final String ruleId;

    /** A rejection of the rule {@code ruleId} (null if it concerns no single rule). */
    public RuleRejectedException(@Nullable String ruleId, String message) {
        super(ruleId == null ? message : "rule '" + ruleId + "': " + message);
        this.ruleId = ruleId;
    }

    /** The same, with the cause (for example the engine's own exception). */
    public RuleRejectedException(@Nullable String ruleId, String message, Throwable cause) {
        super(ruleId == null ? message : "rule '" + ruleId + "': " + message, cause);
        this.ruleId = ruleId;
    }

    /** The rule, filter or part at fault, if it is a single one. */
    public Optional<String> ruleId() {
        return Optional.ofNullable(ruleId);
    }
}
