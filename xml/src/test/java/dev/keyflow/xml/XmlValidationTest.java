package dev.keyflow.xml;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyflow.core.ErrorReason;
import dev.keyflow.core.ErrorStage;
import dev.keyflow.xml.testutils.CountingHttpServer;
import dev.keyflow.xml.testutils.XmlSamples;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class XmlValidationTest {

    static final SchemaBundle BUNDLE =
            SchemaBundle.builder()
                    .version("payments-1")
                    .files(XmlSamples.paymentSchemaFiles())
                    .mainFile(XmlSamples.PAYMENT_MAIN)
                    .build();

    private XmlProcessor validator;

    @BeforeEach
    void open() {
        validator = XmlProcessor.builder().schema(BUNDLE).build();
        validator.open();
    }

    @Test
    void acceptsValidMessagesOfEverySize() {
        for (int size : new int[] {0, 1024, 10 * 1024, 100 * 1024}) {
            XmlResult result = validator.process(XmlSamples.payment("M-" + size, size));

            assertThat(result.isSuccess()).as(result.toString()).isTrue();
        }
    }

    @Test
    void checksTypesFromEveryFileOfTheImportChain() {
        // payment.xsd -> common.xsd (import) -> text.xsd (include) and codes.xsd (import, with
        // an entity from its internal DTD subset in the pattern).
        assertViolation(XmlSamples.paymentBuilder("M").currency("euro").bytes(), "euro");
        assertViolation(XmlSamples.paymentBuilder("M").amount("1.234").bytes(), "1.234");
        assertViolation(XmlSamples.paymentBuilder("M").urgent("maybe").bytes(), "maybe");
        assertViolation(XmlSamples.paymentBuilder("M".repeat(36)).bytes(), "35");
    }

    @Test
    void reportsLineColumnAndTheValidatorsMessage() {
        String xml = XmlSamples.paymentBuilder("M").sequence("forty-two").xml();
        int line = lineOf(xml, "<p:Sequence>forty-two");

        XmlResult result = validator.process(xml.getBytes(StandardCharsets.UTF_8));

        assertThat(result.stage()).isEqualTo(ErrorStage.VALIDATION);
        assertThat(result.reason()).isEqualTo(ErrorReason.SCHEMA_VIOLATION);
        XmlProblem first = result.problems().get(0);
        assertThat(first.line()).isEqualTo(line);
        assertThat(first.column()).isPositive();
        assertThat(first.message()).contains("forty-two");
        assertThat(result.message()).contains("payments-1").contains("line " + line);
    }

    @Test
    void reportsOnlyTheFirstFewProblems() {
        XmlProcessor twoProblems =
                XmlProcessor.builder().schema(BUNDLE).maxReportedProblems(2).build();
        twoProblems.open();
        byte[] manyErrors =
                XmlSamples.paymentBuilder("M")
                        .references(List.of("M".repeat(40), "N".repeat(40), "O".repeat(40)))
                        .urgent("no")
                        .sequence("x")
                        .bytes();

        XmlResult result = twoProblems.process(manyErrors);

        assertThat(result.reason()).isEqualTo(ErrorReason.SCHEMA_VIOLATION);
        assertThat(result.problems()).hasSize(2);
    }

    @Test
    void rejectsElementsTheSchemaDoesNotKnow() {
        String xml =
                XmlSamples.paymentBuilder("M")
                        .xml()
                        .replace("<p:Urgent>", "<p:Extra>x</p:Extra><p:Urgent>");

        assertViolation(xml.getBytes(StandardCharsets.UTF_8), "Extra");
    }

    @Test
    void aDocumentCannotMakeTheValidatorLoadSchemas() {
        try (CountingHttpServer server = CountingHttpServer.start()) {
            String xml =
                    "<e:Doc xmlns:e=\"urn:elsewhere\""
                            + " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\""
                            + " xsi:schemaLocation=\"urn:elsewhere "
                            + server.url("/elsewhere.xsd")
                            + "\"/>";

            XmlResult result = validator.process(xml.getBytes(StandardCharsets.UTF_8));

            assertThat(result.reason()).isEqualTo(ErrorReason.SCHEMA_VIOLATION);
            assertThat(server.requests()).isZero();
        }
    }

    @Test
    void stillWorksAfterInvalidAndBrokenDocuments() {
        byte[] valid = XmlSamples.payment("OK", 2048);
        byte[] invalid = XmlSamples.paymentBuilder("M").amount("-1").bytes();
        byte[] truncated = java.util.Arrays.copyOf(valid, valid.length / 2);

        for (int i = 0; i < 20; i++) {
            assertThat(validator.process(invalid).reason()).isEqualTo(ErrorReason.SCHEMA_VIOLATION);
            assertThat(validator.process(truncated).reason()).isEqualTo(ErrorReason.MALFORMED_XML);
            assertThat(validator.process(valid).isSuccess()).isTrue();
        }
    }

    @Test
    void parserFailuresAreReportedAtTheValidationStage() {
        XmlResult result =
                validator.process(
                        XmlSamples.paymentBuilder("M").prolog("<!DOCTYPE p:Payment>\n").bytes());

        assertThat(result.stage()).isEqualTo(ErrorStage.VALIDATION);
        assertThat(result.reason()).isEqualTo(ErrorReason.DOCTYPE_FORBIDDEN);
    }

    private void assertViolation(byte[] document, String mentioned) {
        XmlResult result = validator.process(document);
        assertThat(result.isSuccess()).as("expected a violation mentioning " + mentioned).isFalse();
        assertThat(result.reason()).isEqualTo(ErrorReason.SCHEMA_VIOLATION);
        assertThat(result.message()).contains(mentioned);
    }

    static int lineOf(String xml, String text) {
        int index = xml.indexOf(text);
        return (int) xml.substring(0, index).chars().filter(c -> c == '\n').count() + 1;
    }
}
