package dev.keyflow.xml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyflow.xml.testutils.CountingHttpServer;
import dev.keyflow.xml.testutils.XmlSamples;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.xml.XMLConstants;
import javax.xml.transform.stream.StreamSource;
import javax.xml.validation.SchemaFactory;
import javax.xml.validation.Validator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.xml.sax.SAXException;

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
    void aContentModelTooLargeToBuildIsRejectedAtCompileTime() {
        // Valid XSD, but nested sequences of maxOccurs 4000 expand beyond the JDK's content model
        // limit (jdk.xml.maxOccurLimit, 5,000 nodes): no document could ever be validated.
        String schema =
                "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">"
                        + "<xs:element name=\"r\"><xs:complexType>"
                        + "<xs:sequence maxOccurs=\"4000\"><xs:sequence maxOccurs=\"4000\">"
                        + "<xs:element name=\"a\" type=\"xs:string\"/>"
                        + "<xs:element name=\"b\" type=\"xs:string\"/>"
                        + "</xs:sequence></xs:sequence>"
                        + "</xs:complexType></xs:element></xs:schema>";
        SchemaBundle bundle =
                SchemaBundle.builder()
                        .version("too-large")
                        .file("main.xsd", utf8(schema))
                        .mainFile("main.xsd")
                        .build();

        assertThatThrownBy(() -> CompiledSchema.compile(bundle))
                .isInstanceOf(SchemaBundleException.class)
                .hasMessageContaining("too-large")
                .hasMessageContaining("jdk.xml.maxOccurLimit");
    }

    @Test
    void aContentModelTooLargeInANestedLocalTypeIsRejectedAtCompileTime() {
        String schema =
                "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">"
                        + "<xs:element name=\"r\"><xs:complexType><xs:sequence>"
                        + "<xs:element name=\"inner\"><xs:complexType>"
                        + "<xs:choice maxOccurs=\"3000\"><xs:sequence maxOccurs=\"3000\">"
                        + "<xs:element name=\"a\" type=\"xs:string\"/>"
                        + "</xs:sequence><xs:element name=\"b\" type=\"xs:int\"/></xs:choice>"
                        + "</xs:complexType></xs:element>"
                        + "</xs:sequence></xs:complexType></xs:element></xs:schema>";
        SchemaBundle bundle =
                SchemaBundle.builder()
                        .version("too-large-nested")
                        .file("main.xsd", utf8(schema))
                        .mainFile("main.xsd")
                        .build();

        assertThatThrownBy(() -> CompiledSchema.compile(bundle))
                .isInstanceOf(SchemaBundleException.class)
                .hasMessageContaining("element 'inner'");
    }

    /**
     * The compile-time estimate agrees with the JDK's own validator, used here directly as the
     * oracle: a shape is refused at compile time exactly when the JDK cannot validate with it.
     */
    @ParameterizedTest
    @CsvSource({
        "sequence, 10, sequence, 10, false",
        "sequence, 40, sequence, 40, false",
        "sequence, 1, sequence, 1000, false",
        "sequence, 10, sequence, 400, false",
        "sequence, 10, sequence, 600, true",
        "sequence, 100, sequence, 100, true",
        "sequence, 4000, sequence, 4000, true",
        "choice, 50, sequence, 50, false",
        "choice, 200, choice, 200, true",
        "sequence, 1, sequence, 9000, true",
        "sequence, 9000, sequence, 1, true",
    })
    void refusesAtCompileTimeExactlyWhatTheJdkCannotValidate(
            String outer, int outerMax, String inner, int innerMax, boolean tooLarge)
            throws Exception {
        String schema =
                "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">"
                        + "<xs:element name=\"r\"><xs:complexType>"
                        + ("<xs:" + outer + " maxOccurs=\"" + outerMax + "\">")
                        + ("<xs:" + inner + " maxOccurs=\"" + innerMax + "\">")
                        + "<xs:element name=\"a\" type=\"xs:string\"/>"
                        + "<xs:element name=\"b\" type=\"xs:string\"/>"
                        + ("</xs:" + inner + "></xs:" + outer + ">")
                        + "</xs:complexType></xs:element></xs:schema>";
        assertThat(jdkRefusesToBuild(schema)).as("the JDK's own verdict").isEqualTo(tooLarge);

        SchemaBundle bundle =
                SchemaBundle.builder()
                        .version("shape")
                        .file("main.xsd", utf8(schema))
                        .mainFile("main.xsd")
                        .build();
        if (tooLarge) {
            assertThatThrownBy(() -> CompiledSchema.compile(bundle))
                    .isInstanceOf(SchemaBundleException.class)
                    .hasMessageMatching("(?s).*(jdk.xml.maxOccurLimit|more than 5,000 nodes).*");
        } else {
            XmlProcessor processor = XmlProcessor.builder().schema(bundle).build();
            processor.open();
            assertThat(processor.process(utf8("<r><a/><b/></r>")).isSuccess()).isTrue();
        }
    }

    @Test
    void largeBoundsOnElementsThatTheValidatorCountsAreAccepted() {
        String schema =
                "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">"
                        + "<xs:element name=\"r\"><xs:complexType><xs:sequence>"
                        + "<xs:element name=\"a\" type=\"xs:string\" maxOccurs=\"5000\"/>"
                        + "<xs:element name=\"b\" type=\"xs:string\"/>"
                        + "<xs:any processContents=\"skip\" minOccurs=\"0\" maxOccurs=\"5000\"/>"
                        + "</xs:sequence></xs:complexType></xs:element></xs:schema>";
        SchemaBundle bundle =
                SchemaBundle.builder()
                        .version("counted")
                        .file("main.xsd", utf8(schema))
                        .mainFile("main.xsd")
                        .build();
        XmlProcessor processor = XmlProcessor.builder().schema(bundle).build();
        processor.open();

        assertThat(processor.process(utf8("<r><a/><a/><b/><x/></r>")).isSuccess()).isTrue();
    }

    private static boolean jdkRefusesToBuild(String schema) throws Exception {
        SchemaFactory factory = SchemaFactory.newDefaultInstance();
        factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        try {
            Validator validator =
                    factory.newSchema(new StreamSource(new StringReader(schema))).newValidator();
            validator.validate(new StreamSource(new StringReader("<r><a/><b/></r>")));
            return false;
        } catch (SAXException e) {
            return String.valueOf(e.getMessage()).contains("content model");
        }
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
