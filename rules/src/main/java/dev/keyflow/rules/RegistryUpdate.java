package dev.keyflow.rules;

import dev.keyflow.core.ErrorRecord;
import java.util.Objects;
import java.util.Optional;
import javax.annotation.Nullable;

/**
 * What a {@link RuleBundleRegistry} did with one record.
 *
 * @param status activated, unchanged or rejected
 * @param active the version active after the record (empty if none is active yet)
 * @param error for {@link Status#REJECTED}: the error record (stage {@code RULE_BUNDLE}, reason
 *     {@code BUNDLE_REJECTED}, {@code ruleVersion} = the rejected record's label)
 */
public record RegistryUpdate(
        Status status, Optional<CompiledBundle> active, Optional<ErrorRecord> error) {

    /** The three outcomes of a record. */
    public enum Status {
        /** The record's version is now active (a new version or a rollback). */
        ACTIVATED,
        /** The record repeats the active version; nothing changed. */
        UNCHANGED,
        /** The record was refused; the previously active version (if any) stays active. */
        REJECTED
    }

    public RegistryUpdate {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(active, "active");
        Objects.requireNonNull(error, "error");
    }

    static RegistryUpdate of(Status status, @Nullable CompiledBundle active) {
        return new RegistryUpdate(status, Optional.ofNullable(active), Optional.empty());
    }

    static RegistryUpdate rejected(@Nullable CompiledBundle active, ErrorRecord error) {
        return new RegistryUpdate(Status.REJECTED, Optional.ofNullable(active), Optional.of(error));
    }
}
