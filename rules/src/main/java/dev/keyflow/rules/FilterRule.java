package dev.keyflow.rules;

import dev.keyflow.core.Checks;
import java.io.Serializable;

/**
 * An Aviator filter as written in a bundle; compiled with the default sandbox of {@link
 * AviatorFilter}.
 *
 * @param id unique within the bundle
 * @param script an AviatorScript expression returning a boolean
 */
public record FilterRule(String id, String script) implements Serializable {

    public FilterRule {
        Checks.requireText(id, "id");
        Checks.requireText(script, "script");
    }
}
