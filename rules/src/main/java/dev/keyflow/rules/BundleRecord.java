package dev.keyflow.rules;

import java.io.Serializable;

/**
 * One record of the rule bundle stream: a new {@link RuleBundle} version or a {@link Rollback} to a
 * version seen before.
 */
public sealed interface BundleRecord extends Serializable permits RuleBundle, Rollback {

    /** The bundle's name. */
    String name();

    /** The version this record is about. */
    long version();

    /** {@code name@version}, the label outputs and error records carry. */
    default String label() {
        return name() + "@" + version();
    }
}
