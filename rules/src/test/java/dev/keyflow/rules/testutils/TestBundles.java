package dev.keyflow.rules.testutils;

import dev.keyflow.rules.BundleFormat;
import dev.keyflow.rules.CelRule;
import dev.keyflow.rules.FieldSpec;
import dev.keyflow.rules.FieldType;
import dev.keyflow.rules.FilterRule;
import dev.keyflow.rules.Rollback;
import dev.keyflow.rules.RuleBundle;
import dev.keyflow.rules.Severity;
import java.util.List;
import java.util.Map;

/** Small rule bundles for tests, and their documents as published on the bundle topic. */
public final class TestBundles {

    public static final String NAME = "orders";

    private TestBundles() {}

    /** A valid bundle: {@code amount > minimum} (an ERROR rule) and a filter on the amount. */
    public static RuleBundle orders(long version, double minimum) {
        return new RuleBundle(
                NAME,
                version,
                "/Order/Id",
                Map.of("amount", new FieldSpec("/Order/Amount", FieldType.DOUBLE)),
                null,
                Map.of(),
                List.of(
                        new CelRule(
                                "amount-minimum",
                                "amount > " + minimum,
                                "amount must exceed " + minimum,
                                Severity.ERROR)),
                List.of(new FilterRule("not-negative", "event.amount >= 0")));
    }

    /** A bundle whose rule {@code broken} does not type-check. */
    public static RuleBundle broken(long version) {
        return new RuleBundle(
                NAME,
                version,
                "/Order/Id",
                Map.of("amount", new FieldSpec("/Order/Amount", FieldType.DOUBLE)),
                null,
                Map.of(),
                List.of(new CelRule("broken", "amount + 'x' > 1", "never", Severity.ERROR)),
                List.of());
    }

    /** The JSON document of a record. */
    public static byte[] json(RuleBundle bundle) {
        return BundleFormat.toJson(bundle);
    }

    /** The JSON document of a rollback. */
    public static byte[] rollback(long version) {
        return BundleFormat.toJson(new Rollback(NAME, version));
    }
}
