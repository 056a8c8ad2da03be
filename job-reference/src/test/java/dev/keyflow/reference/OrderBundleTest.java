package dev.keyflow.reference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyflow.core.ErrorReason;
import dev.keyflow.reference.orders.OrderState;
import dev.keyflow.reference.orders.Orders;
import dev.keyflow.rules.BundleCompiler;
import dev.keyflow.rules.CompiledBundle;
import dev.keyflow.rules.RuleBundleRegistry;
import dev.keyflow.rules.RuleViolation;
import dev.keyflow.xml.XmlLimits;
import dev.keyflow.xml.XmlProcessor;
import dev.keyflow.xml.XmlResult;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The rule bundle shipped in the job jar: it compiles, validates and rejects what it should. */
class OrderBundleTest {

    private static final XmlBundlePart XML =
            new XmlBundlePart(Orders.NAMESPACES, XmlLimits.defaults());
    private static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");

    private final CompiledBundle bundle = shippedBundle();

    @Test
    void aValidItemPassesSchemaAndRules() {
        assertThat(violations(ReferenceJobSmokeITCase.item("SKU-1", "2", "10.00"))).isEmpty();
    }

    @Test
    void rulesRejectQuantitiesOutOfRange() {
        assertThat(violations(ReferenceJobSmokeITCase.item("SKU-1", "0", "10.00")))
                .extracting(RuleViolation::ruleId, RuleViolation::reason)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(
                                "quantity-in-range", ErrorReason.RULE_VIOLATION));
        assertThat(violations(ReferenceJobSmokeITCase.item("SKU-1", "500", "10.00")))
                .extracting(RuleViolation::ruleId)
                .containsExactly("quantity-in-range");
    }

    @Test
    void theSchemaRejectsANonNumericQuantity() {
        XmlResult result = process(ReferenceJobSmokeITCase.item("SKU-1", "many", "10.00"));
        assertThat(result.isSuccess()).isFalse();
        assertThat(result.reason()).isEqualTo(ErrorReason.SCHEMA_VIOLATION);
    }

    private List<RuleViolation> violations(String body) {
        XmlResult result = process(body);
        assertThat(result.isSuccess()).as(String.valueOf(result)).isTrue();
        return bundle.validate(
                result.fields().asMap(), OrderState.initial().asRuleInput(), Map.of());
    }

    private XmlResult process(String body) {
        XmlProcessor xml = bundle.part(XML);
        return xml.process(
                ReferenceJobSmokeITCase.xml("A", "e1", "ITEM_ADDED", T0, body)
                        .getBytes(StandardCharsets.UTF_8));
    }

    private static CompiledBundle shippedBundle() {
        RuleBundleRegistry registry =
                new RuleBundleRegistry(BundleCompiler.builder("orders").part(XML).build());
        var update = registry.offer(BundleSources.fromClasspath());
        assertThat(update.error()).isEmpty();
        return registry.active().orElseThrow();
    }
}
