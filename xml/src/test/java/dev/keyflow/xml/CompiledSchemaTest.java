package dev.keyflow.xml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyflow.xml.testutils.CountingHttpServer;
import dev.keyflow.xml.testutils.XmlSamples;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompiledSchemaTest {

    private static SchemaBundle payment(String version) {
        return SchemaBundle.builder()
                .version(version)
                .files(XmlSamples.paymentSchemaFiles())
                .mainFile(XmlSamples.PAYMENT_MAIN)
                .build();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String importing(String namespace, String location) {
        return "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" xmlns:e=\""
                + namespace
                + "\" targetNamespace=\"urn:main\">"
                + "<xs:import namespace=\""
                + namespace
                + "\" schemaLocation=\""
                + location
                + "\"/><xs:element name=\"Doc\" type=\"e:T\"/></xs:schema>";
    }

    private static final String EVIL_TYPES =
            "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" targetNamespace=\"urn:evil\">"
                    + "<xs:simpleType name=\"T\"><xs:restriction base=\"xs:string\"/>"
                    + "</xs:simpleType></xs:schema>";

    @Test
    void compilesAMultiFileMultiNamespaceBundleWithAnInternalDtdSubset() {
        CompiledSchema compiled = CompiledSchema.compile(payment("v1"));

        assertThat(compiled.bundle().version()).isEqualTo("v1");
    }

    @Test
    void sharesOneCompiledSchemaPerBundleContent() {
        CompiledSchema first = CompiledSchema.shared(payment("v-shared"));
        CompiledSchema second = CompiledSchema.shared(payment("v-shared"));
        CompiledSchema other = CompiledSchema.shared(payment("v-other"));

        assertThat(second).isSameAs(first);
        assertThat(other).isNotSameAs(first);
    }

    @Test
    void anImportOverHttpIsNeverFetched() {
        try (CountingHttpServer server = CountingHttpServer.start()) {
            SchemaBundle bundle =
                    SchemaBundle.builder()
                            .version("evil")
                            .file("main.xsd", utf8(importing("urn:evil", server.url("/evil.xsd"))))
                            .mainFile("main.xsd")
                            .build();

            assertThatThrownBy(() -> CompiledSchema.compile(bundle))
                    .isInstanceOf(SchemaBundleException.class)
                    .hasMessageContaining("not in the bundle")
                    .hasMessageContaining(server.url("/evil.xsd"));
            assertThat(server.requests()).isZero();
        }
    }

    @Test
    void anAbsoluteUrlIsServedFromTheBundleFileOfTheSameName() {
        try (CountingHttpServer server = CountingHttpServer.start()) {
            SchemaBundle bundle =
                    SchemaBundle.builder()
                            .version("published")
                            .file(
                                    "main.xsd",
                                    utf8(importing("urn:evil", server.url("/std/types.xsd"))))
                            .file("vendor/types.xsd", utf8(EVIL_TYPES))
                            .mainFile("main.xsd")
                            .build();

            CompiledSchema.compile(bundle);

            assertThat(server.requests()).isZero();
        }
    }

    @Test
    void nothingOutsideTheBundleIsRead(@TempDir Path dir) throws Exception {
        Path outside = dir.resolve("types.xsd");
        Files.write(outside, utf8(EVIL_TYPES));
        SchemaBundle fileUrl =
                SchemaBundle.builder()
                        .version("file")
                        .file("main.xsd", utf8(importing("urn:evil", outside.toUri().toString())))
                        .mainFile("main.xsd")
                        .build();
        SchemaBundle escaping =
                SchemaBundle.builder()
                        .version("escape")
                        .file("a/main.xsd", utf8(importing("urn:evil", "../../types.xsd")))
                        .mainFile("a/main.xsd")
                        .build();

        assertThatThrownBy(() -> CompiledSchema.compile(fileUrl))
                .isInstanceOf(SchemaBundleException.class)
                .hasMessageContaining("not in the bundle");
        assertThatThrownBy(() -> CompiledSchema.compile(escaping))
                .isInstanceOf(SchemaBundleException.class)
                .hasMessageContaining("not in the bundle");
    }

    @Test
    void aBrokenSchemaIsRejectedWithItsPosition() {
        SchemaBundle bundle =
                SchemaBundle.builder()
                        .version("broken")
                        .file(
                                "main.xsd",
                                utf8(
                                        "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">\n"
                                                + "<xs:element name=\"Doc\" type=\"xs:nope\"/>\n"
                                                + "</xs:schema>"))
                        .mainFile("main.xsd")
                        .build();

        assertThatThrownBy(() -> CompiledSchema.compile(bundle))
                .isInstanceOfSatisfying(
                        SchemaBundleException.class,
                        e -> {
                            assertThat(e.problems()).isNotEmpty();
                            assertThat(e.problems().get(0).line()).isEqualTo(2);
                            assertThat(e.problems().get(0).message()).contains("nope");
                        });
    }

    @Test
    void theBundleBuilderChecksItsArguments() {
        assertThatThrownBy(() -> SchemaBundle.builder().version(" "))
                .hasMessageContaining("version");
        assertThatThrownBy(() -> SchemaBundle.builder().file("../x.xsd", new byte[0]))
                .hasMessageContaining("name");
        assertThatThrownBy(() -> SchemaBundle.builder().file("/etc/x.xsd", new byte[0]))
                .hasMessageContaining("name");
        assertThatThrownBy(() -> SchemaBundle.builder().file("http://x/y.xsd", new byte[0]))
                .hasMessageContaining("name");
        assertThatThrownBy(
                        () ->
                                SchemaBundle.builder()
                                        .version("v")
                                        .file("a.xsd", new byte[0])
                                        .mainFile("b.xsd")
                                        .build())
                .hasMessageContaining("mainFile 'b.xsd'");
        assertThatThrownBy(() -> SchemaBundle.builder().file("a.xsd", new byte[0]).build())
                .hasMessageContaining("version");
    }
}
