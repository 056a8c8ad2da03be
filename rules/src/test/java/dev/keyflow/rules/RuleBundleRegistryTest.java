package dev.keyflow.rules;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyflow.core.ErrorReason;
import dev.keyflow.core.ErrorRecord;
import dev.keyflow.core.ErrorStage;
import dev.keyflow.rules.testutils.TestBundles;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RuleBundleRegistryTest {

    /** A part another module would compile: here the key path, upper-cased. */
    private static final BundlePartCompiler<String> KEY_PATH =
            new BundlePartCompiler<>() {
                @Override
                public String name() {
                    return "key-path";
                }

                @Override
                public String compile(RuleBundle bundle) throws RuleRejectedException {
                    if (bundle.keyPath() == null || !bundle.keyPath().startsWith("/")) {
                        throw new RuleRejectedException(
                                "key-path", "keyPath must be absolute: " + bundle.keyPath());
                    }
                    return bundle.keyPath().toUpperCase();
                }
            };

    private final RuleBundleRegistry registry =
            new RuleBundleRegistry(
                    BundleCompiler.builder(TestBundles.NAME)
                            .part(KEY_PATH)
                            .keepVersions(2)
                            .build());

    private static long activeVersion(RegistryUpdate update) {
        return update.active().orElseThrow().version();
    }

    private static ErrorRecord error(RegistryUpdate update) {
        assertThat(update.status()).isEqualTo(RegistryUpdate.Status.REJECTED);
        ErrorRecord error = update.error().orElseThrow();
        assertThat(error.stage()).isEqualTo(ErrorStage.RULE_BUNDLE);
        assertThat(error.reason()).isEqualTo(ErrorReason.BUNDLE_REJECTED);
        return error;
    }

    @Test
    void aValidBundleIsCompiledAndActivated() {
        RegistryUpdate update = registry.offer(TestBundles.json(TestBundles.orders(1, 10)));

        assertThat(update.status()).isEqualTo(RegistryUpdate.Status.ACTIVATED);
        CompiledBundle active = registry.active().orElseThrow();
        assertThat(active.label()).isEqualTo("orders@1");
        assertThat(active.part(KEY_PATH)).isEqualTo("/ORDER/ID");
        assertThat(active.validate(Map.of("amount", 5.0), Map.of(), Map.of()))
                .extracting(RuleViolation::ruleId)
                .containsExactly("amount-minimum");
        assertThat(active.filter(Map.of("amount", -1.0), Map.of(), Map.of(), List.of()).outcome())
                .isEqualTo(FilterResult.Outcome.FILTERED_OUT);
    }

    @Test
    void aBrokenVersionIsRejectedAndThePreviousStaysLive() {
        registry.offer(TestBundles.orders(1, 10));

        RegistryUpdate update = registry.offer(TestBundles.json(TestBundles.broken(2)));

        ErrorRecord error = error(update);
        assertThat(error.message())
                .contains("orders@2")
                .contains("rule 'broken'")
                .contains("orders@1 stays active");
        assertThat(error.ruleVersion()).isEqualTo("orders@2");
        assertThat(error.payload()).isEqualTo(TestBundles.json(TestBundles.broken(2)));
        assertThat(activeVersion(update)).isEqualTo(1);
        assertThat(registry.active().orElseThrow().version()).isEqualTo(1);
    }

    @Test
    void brokenFiltersPartsAndDocumentsAreRejectedToo() {
        RuleBundle escaping =
                new RuleBundle(
                        TestBundles.NAME,
                        1,
                        "/Order/Id",
                        Map.of(),
                        null,
                        Map.of(),
                        List.of(),
                        List.of(new FilterRule("escape", "System.exit(0) == nil")));
        RuleBundle relativeKey =
                new RuleBundle(
                        TestBundles.NAME,
                        1,
                        "Order/Id",
                        Map.of(),
                        null,
                        Map.of(),
                        List.of(),
                        List.of());

        RuleBundle typeField =
                new RuleBundle(
                        TestBundles.NAME,
                        1,
                        "/Order/Id",
                        Map.of("type", new FieldSpec("/Order/Type", FieldType.STRING)),
                        null,
                        Map.of(),
                        List.of(),
                        List.of());

        assertThat(error(registry.offer(escaping)).message()).contains("rule 'escape'");
        assertThat(error(registry.offer(typeField)).message()).contains("'type' is a CEL built-in");
        assertThat(error(registry.offer(relativeKey)).message())
                .contains("keyPath must be absolute");
        assertThat(error(registry.offer("name: [".getBytes(StandardCharsets.UTF_8))).message())
                .contains("not valid");
        assertThat(error(registry.offer(TestBundles.orders(1, 1).withName("payments"))).message())
                .contains("'payments' is not 'orders'");
        assertThat(registry.active()).isEmpty();
    }

    @Test
    void versionsOnlyMoveForward() {
        registry.offer(TestBundles.orders(1, 10));
        registry.offer(TestBundles.orders(3, 30));

        assertThat(error(registry.offer(TestBundles.orders(2, 20))).message())
                .contains("not newer than 3");
        assertThat(registry.offer(TestBundles.orders(3, 30)).status())
                .isEqualTo(RegistryUpdate.Status.UNCHANGED);
        assertThat(error(registry.offer(TestBundles.orders(3, 99))).message())
                .contains("other content");
        assertThat(registry.active().orElseThrow().version()).isEqualTo(3);
    }

    @Test
    void anExplicitRollbackMovesBackToAKeptVersion() {
        registry.offer(TestBundles.orders(1, 10));
        registry.offer(TestBundles.orders(2, 20));
        registry.offer(TestBundles.orders(3, 30)); // keepVersions(2): 1 is dropped

        RegistryUpdate back = registry.offer(TestBundles.rollback(2));

        assertThat(back.status()).isEqualTo(RegistryUpdate.Status.ACTIVATED);
        assertThat(activeVersion(back)).isEqualTo(2);
        assertThat(error(registry.offer(TestBundles.rollback(1))).message()).contains("not kept");
        assertThat(error(registry.offer(TestBundles.orders(3, 30))).message())
                .contains("not newer than 3");
        assertThat(registry.offer(TestBundles.orders(4, 40)).status())
                .isEqualTo(RegistryUpdate.Status.ACTIVATED);
        assertThat(registry.keptVersions()).containsExactly(3L, 4L);
    }
}
