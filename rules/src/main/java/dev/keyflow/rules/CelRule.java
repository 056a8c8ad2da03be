package dev.keyflow.rules;

import dev.keyflow.core.Checks;
import java.io.Serializable;
import java.util.Objects;

/**
 * One validation rule: a CEL expression that must evaluate to {@code true} for a valid event.
 *
 * <pre>{@code
 * new CelRule("amount-positive", "amount > 0.0", "amount must be positive", Severity.ERROR)
 * }</pre>
 *
 * @param id unique within its rule set; named in violations and in bundle rejections
 * @param expression a CEL expression of type {@code bool}
 * @param message what a violation means, for people
 * @param severity how serious a violation is
 */
public record CelRule(String id, String expression, String message, Severity severity)
        implements Serializable {

    public CelRule {
        Checks.requireText(id, "id");
        Checks.requireText(expression, "expression");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(severity, "severity");
    }
}
