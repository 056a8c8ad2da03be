package dev.keyflow.rules;

import dev.keyflow.core.Checks;

/**
 * Makes an earlier accepted version of a bundle active again; the only way to move back.
 *
 * <pre>{@code
 * {"name": "orders", "rollbackTo": 3}
 * }</pre>
 *
 * @param name the bundle's name
 * @param rollbackTo the version to activate; the registry must still keep it
 */
public record Rollback(String name, long rollbackTo) implements BundleRecord {

    public Rollback {
        Checks.requireText(name, "name");
        if (rollbackTo < 1) {
            throw new IllegalArgumentException("rollbackTo must be at least 1, was " + rollbackTo);
        }
    }

    @Override
    public long version() {
        return rollbackTo;
    }
}
