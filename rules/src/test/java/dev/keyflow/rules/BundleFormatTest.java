package dev.keyflow.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.keyflow.rules.testutils.TestBundles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BundleFormatTest {

    private static final String YAML =
            """
            name: orders
            version: 4
            keyPath: /Order/Id
            schema: order.xsd
            fields:
              amount: {path: /Order/Amount, type: decimal}
              placed: {path: /Order/Placed, type: timestamp}
            xsds:
              order.xsd: "<xs:schema xmlns:xs='http://www.w3.org/2001/XMLSchema'/>"
            rules:
              - id: amount-positive
                expression: amount > 0.0
                message: amount must be positive
                severity: error
            filters:
              - {id: big, script: "event.amount > 100"}
            """;

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void yamlAndJsonDescribeTheSameBundle() throws Exception {
        RuleBundle fromYaml = (RuleBundle) BundleFormat.parse(bytes(YAML));
        BundleRecord fromJson = BundleFormat.parse(BundleFormat.toJson(fromYaml));

        assertThat(fromJson).isEqualTo(fromYaml);
        assertThat(fromYaml.label()).isEqualTo("orders@4");
        assertThat(fromYaml.fields().get("amount"))
                .isEqualTo(new FieldSpec("/Order/Amount", FieldType.DECIMAL));
        assertThat(fromYaml.rules()).extracting(CelRule::severity).containsExactly(Severity.ERROR);
        assertThat(fromYaml.filters()).containsExactly(new FilterRule("big", "event.amount > 100"));
        assertThat(fromYaml.xsds()).containsKey("order.xsd");
    }

    @Test
    void aRollbackRecordNamesAnEarlierVersion() throws Exception {
        assertThat(BundleFormat.parse(bytes("{\"name\": \"orders\", \"rollbackTo\": 3}")))
                .isEqualTo(new Rollback("orders", 3));
        assertThat(BundleFormat.parse(TestBundles.rollback(2)))
                .isEqualTo(new Rollback("orders", 2));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "name: orders\nversion: 1\nsurprise: true", // unknown property
                "name: orders", // no version
                "version: 2", // no name
                "name: orders\nversion: 0",
                "name: orders\nversion: 1\nfields: {a: {path: /a, type: complex}}",
                "name: orders\nversion: 1\nschema: missing.xsd",
                "name: orders\nversion: 1\nrules: [{id: a, expression: 'true', message: m, severity: ERROR},"
                        + " {id: a, expression: 'true', message: m, severity: ERROR}]",
                "- just\n- a list",
                "{not json",
                ""
            })
    void invalidDocumentsAreRejected(String document) {
        assertThrows(RuleRejectedException.class, () -> BundleFormat.parse(bytes(document)));
    }

    @Test
    void aDirectoryHoldsTheBundleFileAndItsXsds(@TempDir Path dir) throws Exception {
        Files.writeString(
                dir.resolve("bundle.yaml"),
                YAML.replace(
                        "xsds:\n  order.xsd: \"<xs:schema xmlns:xs='http://www.w3.org/2001/XMLSchema'/>\"\n",
                        ""));
        Files.writeString(dir.resolve("order.xsd"), "<xs:schema/>");
        Files.createDirectories(dir.resolve("common"));
        Files.writeString(dir.resolve("common/types.xsd"), "<xs:schema/>");

        RuleBundle bundle = BundleFormat.readDirectory(dir);

        assertThat(bundle.xsds()).containsOnlyKeys("order.xsd", "common/types.xsd");
        assertThat(bundle.schema()).isEqualTo("order.xsd");
        assertThat(BundleFormat.parse(BundleFormat.toJson(bundle))).isEqualTo(bundle);
    }

    @Test
    void aDirectoryWithoutABundleFileIsRejected(@TempDir Path dir) {
        RuleRejectedException e =
                assertThrows(RuleRejectedException.class, () -> BundleFormat.readDirectory(dir));
        assertThat(e.getMessage()).contains("no bundle file");
    }

    @Test
    void theBundleBuildsItsCelRuleSetFromTheFieldTypes() throws Exception {
        RuleBundle bundle = (RuleBundle) BundleFormat.parse(bytes(YAML));

        CelRuleSet set = bundle.celRuleSet();

        assertThat(set.fields())
                .containsEntry("amount", FieldType.DECIMAL)
                .containsEntry("placed", FieldType.TIMESTAMP);
        assertThat(set.rules()).hasSize(1);
        assertThat(List.of(set.compile().size())).containsExactly(1);
    }
}
