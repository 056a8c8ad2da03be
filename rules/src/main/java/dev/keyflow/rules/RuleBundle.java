package dev.keyflow.rules;

import dev.keyflow.core.Checks;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import javax.annotation.Nullable;

/**
 * One version of a rule bundle: everything that turns raw events into validated, filtered ones,
 * delivered as data. See {@code docs/rules.md} for the JSON/YAML format.
 *
 * <pre>{@code
 * name: orders
 * version: 4
 * keyPath: /Order/Id
 * schema: order.xsd
 * fields:
 *   amount: {path: /Order/Amount, type: decimal}
 * xsds:
 *   order.xsd: "<xs:schema ...>"
 * rules:
 *   - {id: amount-positive, expression: "amount > 0.0", message: "amount must be positive", severity: ERROR}
 * filters:
 *   - {id: big-orders, script: "event.amount > 100"}
 * }</pre>
 *
 * @param name the bundle's name; a registry serves one name
 * @param version a positive number; versions only move forward (see {@link Rollback})
 * @param keyPath where the key is found in the payload (compiled by a {@link BundlePartCompiler})
 * @param fields field name to path and type; the names are the CEL variables
 * @param schema the main XSD among {@code xsds}, if any
 * @param xsds XSD file name to content; imports refer to these names
 * @param rules CEL validation rules
 * @param filters Aviator filters
 */
public record RuleBundle(
        String name,
        long version,
        @Nullable String keyPath,
        Map<String, FieldSpec> fields,
        @Nullable String schema,
        Map<String, String> xsds,
        List<CelRule> rules,
        List<FilterRule> filters)
        implements BundleRecord {

    public RuleBundle {
        Checks.requireText(name, "name");
        if (version < 1) {
            throw new IllegalArgumentException("version must be at least 1, was " + version);
        }
        fields = fields == null ? Map.of() : unmodifiableCopy(fields);
        xsds = xsds == null ? Map.of() : unmodifiableCopy(xsds);
        rules = rules == null ? List.of() : List.copyOf(rules);
        filters = filters == null ? List.of() : List.copyOf(filters);
        if (schema != null && !xsds.containsKey(schema)) {
            throw new IllegalArgumentException(
                    "schema '" + schema + "' is not one of the xsds " + xsds.keySet());
        }
        Set<String> ids = new HashSet<>();
        for (CelRule rule : rules) {
            if (!ids.add(rule.id())) {
                throw new IllegalArgumentException("rule id '" + rule.id() + "' is used twice");
            }
        }
        for (FilterRule filter : filters) {
            if (!ids.add(filter.id())) {
                throw new IllegalArgumentException(
                        "filter id '"
                                + filter.id()
                                + "' is used twice (ids are shared with rules)");
            }
        }
    }

    private static <V> Map<String, V> unmodifiableCopy(Map<String, V> map) {
        // Keeps the order of the document (Map.copyOf would not), which makes bundles readable.
        Map<String, V> copy = new LinkedHashMap<>();
        map.forEach((k, v) -> copy.put(Objects.requireNonNull(k), Objects.requireNonNull(v, k)));
        return java.util.Collections.unmodifiableMap(copy);
    }

    /** The same bundle under another name (for copying a bundle between registries). */
    public RuleBundle withName(String newName) {
        return new RuleBundle(newName, version, keyPath, fields, schema, xsds, rules, filters);
    }

    /** The CEL rule set of this bundle, with the declared field types and default limits. */
    public CelRuleSet celRuleSet() {
        CelRuleSet.Builder builder = CelRuleSet.builder();
        fields.forEach((field, spec) -> builder.field(field, spec.type()));
        return builder.rules(rules).build();
    }
}
