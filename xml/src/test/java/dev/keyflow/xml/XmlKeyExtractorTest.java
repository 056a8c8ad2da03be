package dev.keyflow.xml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyflow.core.ErrorReason;
import dev.keyflow.core.KeyResult;
import dev.keyflow.core.testutils.TestRecords;
import dev.keyflow.xml.testutils.XmlSamples;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class XmlKeyExtractorTest {

    private static final XmlKeyExtractor EXTRACTOR =
            XmlKeyExtractor.builder()
                    .namespace("p", XmlSamples.PAYMENT_NS)
                    .keyPath("/p:Payment/p:Header/p:MessageId")
                    .build();

    private static KeyResult extract(XmlKeyExtractor extractor, String xml) {
        extractor.open();
        return extractor.extract(TestRecords.raw().value(xml).build());
    }

    private static KeyResult extract(XmlKeyExtractor extractor, byte[] xml) {
        extractor.open();
        return extractor.extract(TestRecords.raw().valueBytes(xml).build());
    }

    @Test
    void findsTheKeyOfARealisticMessage() {
        KeyResult result = extract(EXTRACTOR, XmlSamples.payment("MSG-0001", 10 * 1024));

        assertThat(result.isSuccess()).as(result.toString()).isTrue();
        assertThat(result.key()).isEqualTo("MSG-0001");
        assertThat(result.eventTime()).isEmpty();
    }

    @Test
    void readsTheEventTimeNextToTheKey() {
        XmlKeyExtractor extractor =
                XmlKeyExtractor.builder()
                        .namespace("p", XmlSamples.PAYMENT_NS)
                        .keyPath("/p:Payment/p:Header/p:MessageId")
                        .eventTimePath("/p:Payment/p:Header/p:Created")
                        .build();

        KeyResult result = extract(extractor, XmlSamples.payment("MSG-2", 0));

        assertThat(result.key()).isEqualTo("MSG-2");
        assertThat(result.eventTime())
                .hasValue(Instant.parse("2026-11-23T10:15:30.123Z").toEpochMilli());
    }

    @Test
    void anUnreadableEventTimeIsTyped() {
        XmlKeyExtractor extractor =
                XmlKeyExtractor.builder()
                        .namespace("p", XmlSamples.PAYMENT_NS)
                        .keyPath("/p:Payment/p:Header/p:MessageId")
                        .eventTimePath("/p:Payment/p:Header/p:Created")
                        .build();

        KeyResult bad =
                extract(extractor, XmlSamples.paymentBuilder("M").created("yesterday").bytes());
        KeyResult missing =
                extract(
                        XmlKeyExtractor.builder()
                                .namespace("p", XmlSamples.PAYMENT_NS)
                                .keyPath("/p:Payment/p:Header/p:MessageId")
                                .eventTimePath("/p:Payment/p:Header/p:Sent")
                                .build(),
                        XmlSamples.payment("M", 0));

        assertThat(bad.reason()).isEqualTo(ErrorReason.EVENT_TIME_INVALID);
        assertThat(bad.message()).contains("yesterday");
        assertThat(missing.reason()).isEqualTo(ErrorReason.EVENT_TIME_INVALID);
    }

    @Test
    void readsAKeyFromAnAttribute() {
        XmlKeyExtractor extractor =
                XmlKeyExtractor.builder()
                        .namespace("p", XmlSamples.PAYMENT_NS)
                        .keyPath("/p:Payment/p:Header/@id")
                        .build();

        assertThat(extract(extractor, XmlSamples.payment("M", 0)).key()).isEqualTo("H-42");
    }

    @Test
    void matchesNamespacesNotPrefixes() {
        String otherPrefix =
                "<q:Payment xmlns:q=\""
                        + XmlSamples.PAYMENT_NS
                        + "\"><q:Header>"
                        + "<q:MessageId>K-1</q:MessageId></q:Header></q:Payment>";
        String defaultNamespace =
                "<Payment xmlns=\""
                        + XmlSamples.PAYMENT_NS
                        + "\"><Header>"
                        + "<MessageId>K-2</MessageId></Header></Payment>";
        String otherNamespace =
                "<p:Payment xmlns:p=\"urn:other\"><p:Header>"
                        + "<p:MessageId>K-3</p:MessageId></p:Header></p:Payment>";

        assertThat(extract(EXTRACTOR, otherPrefix).key()).isEqualTo("K-1");
        assertThat(extract(EXTRACTOR, defaultNamespace).key()).isEqualTo("K-2");
        assertThat(extract(EXTRACTOR, otherNamespace).reason()).isEqualTo(ErrorReason.KEY_MISSING);
    }

    @Test
    void matchesTheWholePathNotJustTheLastName() {
        String misplaced =
                "<p:Payment xmlns:p=\""
                        + XmlSamples.PAYMENT_NS
                        + "\"><p:Body>"
                        + "<p:MessageId>WRONG</p:MessageId></p:Body><p:Header>"
                        + "<p:MessageId>RIGHT</p:MessageId></p:Header></p:Payment>";

        assertThat(extract(EXTRACTOR, misplaced).key()).isEqualTo("RIGHT");
    }

    @Test
    void trimsTheKeyAndJoinsItsTextAroundCdataAndComments() {
        String xml =
                "<p:Payment xmlns:p=\""
                        + XmlSamples.PAYMENT_NS
                        + "\"><p:Header><p:MessageId>\n"
                        + "  A<![CDATA[B]]><!-- c -->C &amp; D  </p:MessageId></p:Header></p:Payment>";

        assertThat(extract(EXTRACTOR, xml).key()).isEqualTo("ABC & D");
    }

    @Test
    void stopsReadingOnceTheKeyIsFound() {
        String brokenAfterKey =
                "<p:Payment xmlns:p=\""
                        + XmlSamples.PAYMENT_NS
                        + "\"><p:Header>"
                        + "<p:MessageId>K</p:MessageId></p:Header><p:Body><unclosed></p:Payment>";

        assertThat(extract(EXTRACTOR, brokenAfterKey).key()).isEqualTo("K");
    }

    @Test
    void reportsAMissingKey() {
        KeyResult result =
                extract(EXTRACTOR, "<p:Payment xmlns:p=\"" + XmlSamples.PAYMENT_NS + "\"/>");

        assertThat(result.reason()).isEqualTo(ErrorReason.KEY_MISSING);
        assertThat(result.message()).contains("/p:Payment/p:Header/p:MessageId");
    }

    @Test
    void reportsAnEmptyKey() {
        String blank =
                "<p:Payment xmlns:p=\""
                        + XmlSamples.PAYMENT_NS
                        + "\"><p:Header>"
                        + "<p:MessageId>  </p:MessageId></p:Header></p:Payment>";
        String empty =
                "<p:Payment xmlns:p=\""
                        + XmlSamples.PAYMENT_NS
                        + "\"><p:Header>"
                        + "<p:MessageId/></p:Header></p:Payment>";

        assertThat(extract(EXTRACTOR, blank).reason()).isEqualTo(ErrorReason.KEY_EMPTY);
        assertThat(extract(EXTRACTOR, empty).reason()).isEqualTo(ErrorReason.KEY_EMPTY);
    }

    @Test
    void reportsMalformedXmlWithItsPosition() {
        KeyResult result = extract(EXTRACTOR, "<p:Payment xmlns:p=\"x\"><a></b></p:Payment>");

        assertThat(result.reason()).isEqualTo(ErrorReason.MALFORMED_XML);
        assertThat(result.message()).contains("line 1");
    }

    @Test
    void aRecordWithoutValueIsMalformedInput() {
        EXTRACTOR.open();

        assertThat(EXTRACTOR.extract(TestRecords.raw().build()).reason())
                .isEqualTo(ErrorReason.MALFORMED_INPUT);
    }

    @Test
    void survivesJavaSerializationAndReusesItsParserAcrossRecords() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(EXTRACTOR);
        }
        XmlKeyExtractor copy;
        try (ObjectInputStream in =
                new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            copy = (XmlKeyExtractor) in.readObject();
        }
        copy.open();

        for (int i = 0; i < 100; i++) {
            assertThat(
                            copy.extract(
                                            TestRecords.raw()
                                                    .valueBytes(XmlSamples.payment("K" + i, 0))
                                                    .build())
                                    .key())
                    .isEqualTo("K" + i);
        }
        assertThat(copy.keyPath()).isEqualTo(EXTRACTOR.keyPath());
    }

    @Test
    void theBuilderChecksItsArguments() {
        assertThatThrownBy(() -> XmlKeyExtractor.builder().build()).hasMessageContaining("keyPath");
        assertThatThrownBy(() -> XmlKeyExtractor.builder().keyPath(" "))
                .hasMessageContaining("keyPath");
        assertThatThrownBy(() -> XmlKeyExtractor.builder().keyPath("/q:Doc/q:Id").build())
                .hasMessageContaining("prefix 'q'");
        assertThatThrownBy(() -> XmlKeyExtractor.builder().keyPath("//Id").build())
                .hasMessageContaining("absolute");
        assertThatThrownBy(() -> XmlKeyExtractor.builder().keyPath("/Doc[1]/Id").build())
                .hasMessageContaining("unsupported step");
        assertThatThrownBy(() -> XmlKeyExtractor.builder().namespace("", "urn:x"))
                .hasMessageContaining("prefix");
        assertThatThrownBy(() -> XmlKeyExtractor.builder().limits(null))
                .hasMessageContaining("limits");
    }
}
