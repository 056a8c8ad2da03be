package dev.keyflow.xml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyflow.core.ErrorReason;
import dev.keyflow.core.ErrorStage;
import dev.keyflow.xml.testutils.XmlSamples;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class XmlFieldExtractionTest {

    private static XmlProcessor.Builder paymentFields() {
        return XmlProcessor.builder()
                .namespace("p", XmlSamples.PAYMENT_NS)
                .namespace("c", XmlSamples.COMMON_NS)
                .field("id", "/p:Payment/p:Header/p:MessageId", FieldType.STRING)
                .field("created", "/p:Payment/p:Header/p:Created", FieldType.TIMESTAMP)
                .field("amount", "/p:Payment/p:Body/p:Amount", FieldType.DECIMAL)
                .field("currency", "/p:Payment/p:Body/p:Amount/@currency", FieldType.STRING)
                .field("urgent", "/p:Payment/p:Body/p:Urgent", FieldType.BOOLEAN)
                .field("sequence", "/p:Payment/p:Body/p:Sequence", FieldType.LONG)
                .field("debtor", "/p:Payment/p:Body/p:Debtor/c:Name", FieldType.STRING)
                .field("creditor", "/p:Payment/p:Body/p:Creditor/c:Name", FieldType.STRING)
                .repeatedField("references", "/p:Payment/p:Body/p:Reference", FieldType.STRING)
                .field("absent", "/p:Payment/p:Body/p:Missing", FieldType.LONG)
                .repeatedField("none", "/p:Payment/p:Body/p:Missing", FieldType.STRING);
    }

    private static XmlResult process(XmlProcessor processor, byte[] document) {
        processor.open();
        return processor.process(document);
    }

    @Test
    void extractsTypedFieldsInOnePassWithValidation() {
        XmlProcessor processor = paymentFields().schema(XmlValidationTest.BUNDLE).build();

        XmlResult result = process(processor, XmlSamples.payment("MSG-7", 10 * 1024));

        assertThat(result.isSuccess()).as(result.toString()).isTrue();
        XmlFields fields = result.fields();
        assertThat(fields.string("id")).isEqualTo("MSG-7");
        assertThat(fields.timestamp("created"))
                .isEqualTo(Instant.parse("2026-11-23T10:15:30.123Z"));
        assertThat(fields.decimal("amount")).isEqualByComparingTo(new BigDecimal("125.50"));
        assertThat(fields.string("currency")).isEqualTo("EUR");
        assertThat(fields.bool("urgent")).isTrue();
        assertThat(fields.longValue("sequence")).isEqualTo(42L);
        assertThat(fields.string("debtor")).isEqualTo("Ann Example");
        assertThat(fields.string("creditor")).isEqualTo("Bob Example & Sons");
        assertThat(fields.list("references", String.class)).containsExactly("R-1", "R-2");
        assertThat(fields.get("absent")).isNull();
        assertThat(fields.list("none", String.class)).isEmpty();
        assertThat(fields.names()).startsWith("id", "created", "amount");
    }

    @Test
    void extractsWithoutASchemaToo() {
        XmlResult result = process(paymentFields().build(), XmlSamples.payment("M", 0));

        assertThat(result.fields().longValue("sequence")).isEqualTo(42L);
    }

    @Test
    void convertsEveryTypeFromItsLexicalForms() {
        XmlProcessor processor =
                XmlProcessor.builder()
                        .repeatedField("l", "/r/l", FieldType.LONG)
                        .repeatedField("d", "/r/d", FieldType.DECIMAL)
                        .repeatedField("b", "/r/b", FieldType.BOOLEAN)
                        .repeatedField("t", "/r/t", FieldType.TIMESTAMP)
                        .field("s", "/r/s", FieldType.STRING)
                        .build();
        String xml =
                "<r><l> -7 </l><l>+9223372036854775807</l><d>1e3</d><d>-0.50</d>"
                        + "<b>1</b><b>false</b><t>2026-01-01T00:00:00</t>"
                        + "<t>2026-01-01T01:00:00+01:00</t><s> keep spaces </s></r>";

        XmlFields fields = process(processor, xml.getBytes(StandardCharsets.UTF_8)).fields();

        assertThat(fields.list("l", Long.class)).containsExactly(-7L, Long.MAX_VALUE);
        assertThat(fields.list("d", BigDecimal.class))
                .usingElementComparator(BigDecimal::compareTo)
                .containsExactly(new BigDecimal("1000"), new BigDecimal("-0.5"));
        assertThat(fields.list("b", Boolean.class)).containsExactly(true, false);
        assertThat(fields.list("t", Instant.class))
                .containsExactly(
                        Instant.parse("2026-01-01T00:00:00Z"),
                        Instant.parse("2026-01-01T00:00:00Z"));
        assertThat(fields.string("s")).isEqualTo(" keep spaces ");
    }

    @Test
    void aConversionFailureNamesTheField() {
        XmlProcessor processor = paymentFields().build();

        XmlResult result =
                process(processor, XmlSamples.paymentBuilder("M").sequence("12x").bytes());

        assertThat(result.stage()).isEqualTo(ErrorStage.FIELD_EXTRACTION);
        assertThat(result.reason()).isEqualTo(ErrorReason.FIELD_INVALID);
        assertThat(result.message()).contains("field sequence").contains("12x");
        assertThat(result.problems().get(0).line()).isPositive();
    }

    @Test
    void everyTypeRejectsWhatItCannotRead() {
        String[][] cases = {
            {"LONG", "9223372036854775808"},
            {"LONG", "1.0"},
            {"DECIMAL", "1,5"},
            {"DECIMAL", "1e99999"},
            {"BOOLEAN", "yes"},
            {"TIMESTAMP", "2026-13-01T00:00:00Z"},
        };
        for (String[] c : cases) {
            XmlProcessor processor =
                    XmlProcessor.builder().field("f", "/r/f", FieldType.valueOf(c[0])).build();

            XmlResult result =
                    process(
                            processor,
                            ("<r><f>" + c[1] + "</f></r>").getBytes(StandardCharsets.UTF_8));

            assertThat(result.reason()).as(c[0] + " " + c[1]).isEqualTo(ErrorReason.FIELD_INVALID);
            assertThat(result.message()).contains("field f");
        }
    }

    @Test
    void aSingleFieldFoundTwiceIsInvalid() {
        XmlProcessor processor =
                XmlProcessor.builder()
                        .namespace("p", XmlSamples.PAYMENT_NS)
                        .field("ref", "/p:Payment/p:Body/p:Reference", FieldType.STRING)
                        .build();

        XmlResult result = process(processor, XmlSamples.payment("M", 0));

        assertThat(result.reason()).isEqualTo(ErrorReason.FIELD_INVALID);
        assertThat(result.message()).contains("field ref").contains("more than once");
    }

    @Test
    void schemaViolationsComeBeforeFieldProblems() {
        XmlProcessor processor = paymentFields().schema(XmlValidationTest.BUNDLE).build();

        XmlResult result =
                process(processor, XmlSamples.paymentBuilder("M").sequence("12x").bytes());

        assertThat(result.stage()).isEqualTo(ErrorStage.VALIDATION);
        assertThat(result.reason()).isEqualTo(ErrorReason.SCHEMA_VIOLATION);
    }

    @Test
    void survivesJavaSerialization() throws Exception {
        XmlProcessor processor = paymentFields().schema(XmlValidationTest.BUNDLE).build();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(processor);
        }
        XmlProcessor copy;
        try (ObjectInputStream in =
                new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            copy = (XmlProcessor) in.readObject();
        }

        assertThat(process(copy, XmlSamples.payment("S", 0)).fields().string("id")).isEqualTo("S");
        assertThat(copy.fields()).isEqualTo(processor.fields());
    }

    @Test
    void theBuilderChecksItsArguments() {
        assertThatThrownBy(() -> XmlProcessor.builder().build())
                .hasMessageContaining("schema, fields");
        assertThatThrownBy(
                        () ->
                                XmlProcessor.builder()
                                        .field("a", "/r/a", FieldType.LONG)
                                        .field("a", "/r/b", FieldType.LONG))
                .hasMessageContaining("'a' is declared twice");
        assertThatThrownBy(() -> XmlProcessor.builder().field("a", "/x:r", FieldType.LONG).build())
                .hasMessageContaining("prefix 'x'");
        assertThatThrownBy(() -> XmlProcessor.builder().maxReportedProblems(0))
                .hasMessageContaining("maxReportedProblems");
        assertThatThrownBy(() -> XmlProcessor.builder().field(" ", "/r", FieldType.LONG))
                .hasMessageContaining("name");
        assertThatThrownBy(() -> XmlProcessor.builder().schema(null))
                .hasMessageContaining("schema");
    }

    @Test
    void fieldsReportWrongTypedAccess() {
        XmlFields fields = process(paymentFields().build(), XmlSamples.payment("M", 0)).fields();

        assertThatThrownBy(() -> fields.longValue("id")).hasMessageContaining("String");
        assertThatThrownBy(() -> fields.get("nope")).hasMessageContaining("no field called nope");
        assertThatThrownBy(() -> fields.list("id", String.class))
                .hasMessageContaining("not repeated");
        assertThat(fields.list("references", String.class)).isEqualTo(List.of("R-1", "R-2"));
    }
}
