package dev.keyflow.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.keyflow.rules.testutils.TestBundles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
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

    /** Documents that were accepted although they are not what they seem. */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "name: orders\nversion: 1.5", // became version 1
                "name: orders\nversion: '2'",
                "name: orders\nversion: \"2\"",
                "name: orders\nversion: 2.0",
                "{\"name\": \"orders\", \"version\": 1.5}",
                "{\"name\": \"orders\", \"version\": \"2\"}",
                "{\"name\": \"orders\", \"rollbackTo\": 2.5}",
                "{\"name\": \"orders\", \"rollbackTo\": \"2\"}",
                // trailing content was ignored
                "name: orders\nversion: 2\n---\nname: orders\nversion: 3\n",
                "{\"name\": \"orders\", \"version\": 2} garbage",
                "{\"name\": \"orders\", \"version\": 2}{\"name\": \"orders\", \"version\": 3}"
            })
    void ambiguousDocumentsAreRejected(String document) {
        assertThrows(RuleRejectedException.class, () -> BundleFormat.parse(bytes(document)));
    }

    @Test
    void largeYamlIsRefusedBeforeParsing() {
        // A double-quoted 1 MiB string cost SnakeYAML 2 GB of allocation (512 KiB: 0.5 GB); a
        // 4 MiB bundle 9.7 s and 65 GB before it was refused (over 3 Mi code points, while the
        // docs said 8 MiB).
        String quoted =
                "name: orders\nversion: 1\nrules:\n  - {id: r, expression: 'true', severity: ERROR,"
                        + " message: \""
                        + "a".repeat(512 * 1024)
                        + "\"}\n";
        String large = "name: orders\nversion: 1\nkeyPath: /a\n" + "# padding\n".repeat(420_000);

        RuleRejectedException longLine =
                assertTimeoutPreemptively(
                        Duration.ofSeconds(30),
                        () ->
                                assertThrows(
                                        RuleRejectedException.class,
                                        () -> BundleFormat.parse(bytes(quoted))));
        RuleRejectedException tooLarge =
                assertTimeoutPreemptively(
                        Duration.ofSeconds(30),
                        () ->
                                assertThrows(
                                        RuleRejectedException.class,
                                        () -> BundleFormat.parse(bytes(large))));

        assertThat(longLine.getMessage()).contains("line of").contains("block scalar");
        assertThat(tooLarge.getMessage())
                .contains("more than " + BundleFormat.MAX_YAML_BYTES)
                .contains("JSON");
    }

    @Test
    void aDirectoryMayNotHoldSymbolicLinksOrSpecialFiles(@TempDir Path tmp) throws Exception {
        Path secret = Files.writeString(tmp.resolve("secret.txt"), "root:x:0:0");
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("types.xsd"), "<xs:schema/>");

        Path fileLink = bundleDirectory(tmp.resolve("file-link"));
        Files.createSymbolicLink(fileLink.resolve("evil.xsd"), secret);
        Path dirLink = bundleDirectory(tmp.resolve("dir-link"));
        Files.createSymbolicLink(dirLink.resolve("common"), outside);
        Path bundleLink = Files.createDirectories(tmp.resolve("bundle-link"));
        Files.createSymbolicLink(
                bundleLink.resolve("bundle.yaml"),
                bundleDirectory(tmp.resolve("real")).resolve("bundle.yaml"));

        for (Path dir : List.of(fileLink, dirLink, bundleLink)) {
            RuleRejectedException e =
                    assertThrows(
                            RuleRejectedException.class, () -> BundleFormat.readDirectory(dir));
            assertThat(e.getMessage()).as(dir.toString()).contains("symbolic link");
        }
        // The directory itself may be a link (current -> v4).
        Path current = Files.createSymbolicLink(tmp.resolve("current"), tmp.resolve("real"));
        assertThat(BundleFormat.readDirectory(current).xsds()).containsOnlyKeys("order.xsd");
    }

    @Test
    void aDirectoryIsBoundedInTotal(@TempDir Path tmp) throws Exception {
        Path dir = bundleDirectory(tmp.resolve("big"));
        byte[] xsd = new byte[BundleFormat.MAX_DOCUMENT_BYTES];
        Arrays.fill(xsd, (byte) ' ');
        Files.write(dir.resolve("big.xsd"), xsd);

        RuleRejectedException e =
                assertThrows(RuleRejectedException.class, () -> BundleFormat.readDirectory(dir));

        assertThat(e.getMessage()).contains("more than " + BundleFormat.MAX_DOCUMENT_BYTES);
    }

    /** A valid bundle directory: the bundle file and order.xsd. */
    private static Path bundleDirectory(Path dir) throws Exception {
        Files.createDirectories(dir);
        Files.writeString(
                dir.resolve("bundle.yaml"),
                YAML.replace(
                        "xsds:\n  order.xsd: \"<xs:schema xmlns:xs='http://www.w3.org/2001/XMLSchema'/>\"\n",
                        ""));
        Files.writeString(dir.resolve("order.xsd"), "<xs:schema/>");
        return dir;
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
