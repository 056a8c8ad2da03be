package dev.keyflow.rules;

import dev.keyflow.core.Checks;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Compiles every part of a {@link RuleBundle} (CEL rules, Aviator filters, and the parts of other
 * modules), all or nothing; immutable and serializable, so it can travel inside an operator.
 *
 * <pre>{@code
 * BundleCompiler compiler = BundleCompiler.builder("orders")
 *         .part(xmlPartCompiler)            // from the xml module, wired by the job
 *         .keepVersions(5)
 *         .build();
 * RuleBundleRegistry registry = new RuleBundleRegistry(compiler);
 * }</pre>
 */
public final class BundleCompiler implements Serializable {

    private static final long serialVersionUID = 1L;

    public static final int DEFAULT_KEEP_VERSIONS = 5;

    private final String bundleName;
    private final List<BundlePartCompiler<?>> parts;
    private final int keepVersions;

    private BundleCompiler(Builder b) {
        this.bundleName = b.bundleName;
        this.parts = List.copyOf(b.parts);
        this.keepVersions = b.keepVersions;
    }

    /** Starts a compiler for bundles named {@code bundleName}. */
    public static Builder builder(String bundleName) {
        return new Builder(bundleName);
    }

    /** The bundle name this compiler accepts. */
    public String bundleName() {
        return bundleName;
    }

    /** How many accepted versions a registry keeps for rollbacks (the active one included). */
    public int keepVersions() {
        return keepVersions;
    }

    /**
     * Compiles every part of {@code bundle}.
     *
     * @throws RuleRejectedException naming the rule, filter or part at fault; nothing of the bundle
     *     may be used then
     */
    public CompiledBundle compile(RuleBundle bundle) throws RuleRejectedException {
        Objects.requireNonNull(bundle, "bundle");
        if (!bundle.name().equals(bundleName)) {
            throw new RuleRejectedException(
                    null, "bundle '" + bundle.name() + "' is not '" + bundleName + "'");
        }
        CelRuleSet ruleSet;
        try {
            ruleSet = bundle.celRuleSet();
        } catch (IllegalArgumentException e) {
            throw new RuleRejectedException(null, "fields: " + e.getMessage(), e);
        }
        CompiledRuleSet rules = ruleSet.compile();
        List<CompiledFilter> filters = new ArrayList<>(bundle.filters().size());
        for (FilterRule filter : bundle.filters()) {
            filters.add(AviatorFilter.builder(filter.id(), filter.script()).build().compile());
        }
        Map<String, Object> compiledParts = new LinkedHashMap<>();
        for (BundlePartCompiler<?> part : parts) {
            Object compiled;
            try {
                compiled = part.compile(bundle);
            } catch (RuntimeException e) {
                // A part compiler's bug must not take the job down: the version is rejected.
                throw new RuleRejectedException(
                        null,
                        "part '"
                                + part.name()
                                + "' failed: "
                                + e.getClass().getName()
                                + ": "
                                + e.getMessage(),
                        e);
            }
            if (compiled == null) {
                throw new RuleRejectedException(
                        null, "part '" + part.name() + "' compiled to nothing");
            }
            compiledParts.put(part.name(), compiled);
        }
        return new CompiledBundle(bundle, rules, filters, compiledParts);
    }

    /** Builds a {@link BundleCompiler}; see the class documentation for an example. */
    public static final class Builder {
        private final String bundleName;
        private final List<BundlePartCompiler<?>> parts = new ArrayList<>();
        private int keepVersions = DEFAULT_KEEP_VERSIONS;

        private Builder(String bundleName) {
            this.bundleName = Checks.requireText(bundleName, "bundleName");
        }

        /** Adds the compiler of a part other modules understand; names must be unique. */
        public Builder part(BundlePartCompiler<?> part) {
            Objects.requireNonNull(part, "part");
            Checks.requireText(part.name(), "part.name()");
            parts.add(part);
            return this;
        }

        /** How many accepted versions to keep for rollbacks; at least 1. */
        public Builder keepVersions(int keepVersions) {
            this.keepVersions = Checks.requireAtLeastOne(keepVersions, "keepVersions");
            return this;
        }

        /**
         * Builds the compiler.
         *
         * @throws IllegalArgumentException if two parts share a name
         */
        public BundleCompiler build() {
            Set<String> names = new HashSet<>();
            for (BundlePartCompiler<?> part : parts) {
                if (!names.add(part.name())) {
                    throw new IllegalArgumentException(
                            "parts: the name '" + part.name() + "' is used more than once");
                }
            }
            return new BundleCompiler(this);
        }
    }
}
