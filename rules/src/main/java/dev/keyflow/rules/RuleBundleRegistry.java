package dev.keyflow.rules;

import dev.keyflow.core.ErrorReason;
import dev.keyflow.core.ErrorRecord;
import dev.keyflow.core.ErrorStage;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import javax.annotation.Nullable;

/**
 * Holds the active version of one rule bundle and decides which records may change it. Not
 * thread-safe: one registry per operator instance, used on the operator thread.
 *
 * <pre>{@code
 * RuleBundleRegistry registry = new RuleBundleRegistry(BundleCompiler.builder("orders").build());
 * RegistryUpdate update = registry.offer(BundleFormat.parse(bytes));   // or registry.offer(bytes)
 * update.error().ifPresent(errors::collect);                           // BUNDLE_REJECTED
 * registry.active().ifPresent(bundle -> ...);
 * }</pre>
 *
 * <p>Rules:
 *
 * <ul>
 *   <li>A new version is compiled completely ({@link BundleCompiler#compile}) before it is
 *       activated; if anything fails, it is rejected and the previous version stays active.
 *   <li>Versions only move forward: a bundle must have a version greater than every version
 *       accepted before. The active version delivered again with the same content changes nothing
 *       (replays of the compacted topic are harmless); with other content it is rejected.
 *   <li>Only a {@link Rollback} moves to another accepted version (older, or newer after an earlier
 *       rollback); the registry keeps the last {@link BundleCompiler#keepVersions()} accepted
 *       versions for that.
 *   <li>A record for another bundle name, or that cannot be parsed, is rejected.
 * </ul>
 *
 * <p>A rejection is a value: an {@link ErrorRecord} at stage {@link ErrorStage#RULE_BUNDLE} (the
 * issue asked for a CONFIG stage; RULE_BUNDLE is keyflow's stage for bundles) with reason {@link
 * ErrorReason#BUNDLE_REJECTED}, the record's label as {@code ruleVersion} and a message that names
 * the rule, filter or part at fault and the version that stays active.
 */
public final class RuleBundleRegistry {

    private final BundleCompiler compiler;
    private final TreeMap<Long, CompiledBundle> kept = new TreeMap<>();
    @Nullable private CompiledBundle active;
    private long highestAccepted;

    public RuleBundleRegistry(BundleCompiler compiler) {
        this.compiler = Objects.requireNonNull(compiler, "compiler");
    }

    /** The active version, if any has been accepted. */
    public Optional<CompiledBundle> active() {
        return Optional.ofNullable(active);
    }

    /** The versions kept for rollbacks, oldest first. */
    public java.util.Set<Long> keptVersions() {
        return java.util.Collections.unmodifiableSet(kept.keySet());
    }

    /** Parses and offers one document of the bundle topic; unreadable documents are rejected. */
    public RegistryUpdate offer(byte[] document) {
        BundleRecord record;
        try {
            record = BundleFormat.parse(document);
        } catch (RuleRejectedException e) {
            return reject(null, document, e.getMessage());
        }
        return offer(record, document);
    }

    /** Offers one record. */
    public RegistryUpdate offer(BundleRecord record) {
        return offer(record, null);
    }

    private RegistryUpdate offer(BundleRecord record, @Nullable byte[] document) {
        Objects.requireNonNull(record, "record");
        if (!record.name().equals(compiler.bundleName())) {
            return reject(
                    record,
                    document,
                    "bundle '" + record.name() + "' is not '" + compiler.bundleName() + "'");
        }
        if (record instanceof Rollback rollback) {
            return rollback(rollback, document);
        }
        RuleBundle bundle = (RuleBundle) record;
        if (active != null && bundle.version() == active.version()) {
            return bundle.equals(active.bundle())
                    ? RegistryUpdate.of(RegistryUpdate.Status.UNCHANGED, active)
                    : reject(
                            record,
                            document,
                            "version "
                                    + bundle.version()
                                    + " is active with other content; publish a new version");
        }
        if (bundle.version() <= highestAccepted) {
            return reject(
                    record,
                    document,
                    "version "
                            + bundle.version()
                            + " is not newer than "
                            + highestAccepted
                            + "; versions only move forward (send a rollback record to go back)");
        }
        CompiledBundle compiled;
        try {
            compiled = compiler.compile(bundle);
        } catch (RuleRejectedException e) {
            return reject(record, document, e.getMessage());
        }
        active = compiled;
        highestAccepted = bundle.version();
        kept.put(bundle.version(), compiled);
        while (kept.size() > compiler.keepVersions()) {
            kept.pollFirstEntry();
        }
        return RegistryUpdate.of(RegistryUpdate.Status.ACTIVATED, active);
    }

    private RegistryUpdate rollback(Rollback rollback, @Nullable byte[] document) {
        if (active != null && active.version() == rollback.rollbackTo()) {
            return RegistryUpdate.of(RegistryUpdate.Status.UNCHANGED, active);
        }
        CompiledBundle target = kept.get(rollback.rollbackTo());
        if (target == null) {
            return reject(
                    rollback,
                    document,
                    "cannot roll back to version "
                            + rollback.rollbackTo()
                            + ": it is not kept (kept: "
                            + kept.keySet()
                            + ")");
        }
        active = target;
        return RegistryUpdate.of(RegistryUpdate.Status.ACTIVATED, active);
    }

    private RegistryUpdate reject(
            @Nullable BundleRecord record, @Nullable byte[] document, String why) {
        String stays =
                active == null ? "no version is active yet" : active.label() + " stays active";
        ErrorRecord error =
                ErrorRecord.builder(ErrorStage.RULE_BUNDLE, ErrorReason.BUNDLE_REJECTED)
                        .message(
                                (record == null ? "bundle record" : record.label())
                                        + " rejected: "
                                        + why
                                        + "; "
                                        + stays)
                        .ruleVersion(record == null ? null : record.label())
                        .payload(document)
                        .build();
        return RegistryUpdate.rejected(active, error);
    }

    /** Used by tests and restore: the compiled versions kept, by version. */
    Map<Long, CompiledBundle> kept() {
        return java.util.Collections.unmodifiableMap(kept);
    }
}
