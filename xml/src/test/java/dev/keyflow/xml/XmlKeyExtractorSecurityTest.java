package dev.keyflow.xml;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyflow.core.ErrorReason;
import dev.keyflow.core.KeyResult;
import dev.keyflow.core.testutils.TestRecords;
import dev.keyflow.xml.testutils.Bounded;
import dev.keyflow.xml.testutils.CountingHttpServer;
import dev.keyflow.xml.testutils.XmlAttacks;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every attack on the key extractor ends as a typed failure, in bounded time and memory, without
 * any request reaching the local witness server.
 */
class XmlKeyExtractorSecurityTest {

    private static final long MAX_ALLOCATED = 32L * 1024 * 1024;
    private static final Duration MAX_TIME = Duration.ofSeconds(2);

    private static CountingHttpServer server;
    private static XmlKeyExtractor extractor;

    @BeforeAll
    static void start() {
        server = CountingHttpServer.start();
        extractor = XmlKeyExtractor.builder().keyPath("/r/id").build();
        extractor.open();
    }

    @AfterAll
    static void stop() {
        assertThat(server.requests()).as("requests that reached the network").isZero();
        server.close();
    }

    private static KeyResult attack(byte[] document, ErrorReason expected) {
        Bounded.Measured<KeyResult> run =
                Bounded.measure(
                        () -> extractor.extract(TestRecords.raw().valueBytes(document).build()));
        assertThat(run.value().isSuccess()).as(run.value().toString()).isFalse();
        assertThat(run.value().reason()).as(run.value().message()).isEqualTo(expected);
        assertThat(run.elapsed()).isLessThan(MAX_TIME);
        assertThat(run.allocatedBytes()).isLessThan(MAX_ALLOCATED);
        assertThat(server.requests()).isZero();
        return run.value();
    }

    @Test
    void externalGeneralEntityIsRefused() {
        attack(XmlAttacks.externalGeneralEntity(server.url("/xxe")), ErrorReason.DOCTYPE_FORBIDDEN);
        attack(
                XmlAttacks.externalGeneralEntity("file:///etc/passwd"),
                ErrorReason.DOCTYPE_FORBIDDEN);
    }

    @Test
    void externalParameterEntityIsRefused() {
        attack(XmlAttacks.externalParameterEntity(server.url("/p")), ErrorReason.DOCTYPE_FORBIDDEN);
    }

    @Test
    void anyDoctypeIsForbidden() {
        attack(XmlAttacks.plainDoctype(), ErrorReason.DOCTYPE_FORBIDDEN);
        attack(XmlAttacks.externalDtd(server.url("/r.dtd")), ErrorReason.DOCTYPE_FORBIDDEN);
    }

    @Test
    void billionLaughsIsStoppedAtTheDoctype() {
        attack(XmlAttacks.billionLaughs(), ErrorReason.DOCTYPE_FORBIDDEN);
    }

    @Test
    void quadraticBlowupIsStoppedAtTheDoctype() {
        attack(XmlAttacks.quadraticBlowup(), ErrorReason.DOCTYPE_FORBIDDEN);
    }

    @Test
    void anUndeclaredEntityIsMalformed() {
        attack(XmlAttacks.undeclaredEntity(), ErrorReason.MALFORMED_XML);
    }

    @Test
    void deepNestingHitsTheDepthLimit() {
        KeyResult result = attack(XmlAttacks.deepNesting(100_000), ErrorReason.LIMIT_EXCEEDED);
        assertThat(result.message()).containsIgnoringCase("depth");
    }

    @Test
    void manyAttributesHitTheAttributeLimit() {
        attack(XmlAttacks.manyAttributes(10_000), ErrorReason.LIMIT_EXCEEDED);
    }

    @Test
    void hugeTextHitsTheTextLimitWhereverItIs() {
        attack(XmlAttacks.hugeKeyText(500_000), ErrorReason.LIMIT_EXCEEDED);
        attack(XmlAttacks.hugeTextBeforeKey(500_000), ErrorReason.LIMIT_EXCEEDED);
        attack(XmlAttacks.hugeAttribute(500_000), ErrorReason.LIMIT_EXCEEDED);
    }

    @Test
    void longNamesHitTheNameLimitWithTheirLocation() {
        for (String where : new String[] {"element", "namespace", "attribute", "pi"}) {
            KeyResult result =
                    attack(XmlAttacks.longName(where, 60_000), ErrorReason.LIMIT_EXCEEDED);
            assertThat(result.message()).contains("maxNameLength=1024").contains("line 1");
        }
    }

    @Test
    void aHugeDocumentIsRefusedBeforeParsing() {
        KeyResult result =
                attack(XmlAttacks.hugeDocument(4 * 1024 * 1024), ErrorReason.LIMIT_EXCEEDED);
        assertThat(result.message()).contains("document size");
    }

    @Test
    void invalidUtf8IsMalformedInput() {
        attack(XmlAttacks.invalidUtf8(), ErrorReason.MALFORMED_INPUT);
    }

    @Test
    void aTruncatedDocumentIsMalformed() {
        attack(XmlAttacks.truncated(), ErrorReason.MALFORMED_XML);
    }

    @Test
    void tighterLimitsApply() {
        XmlKeyExtractor strict =
                XmlKeyExtractor.builder()
                        .keyPath("/r/id")
                        .limits(XmlLimits.builder().maxDepth(3).maxElements(5).build())
                        .build();
        strict.open();

        assertThat(strict.extract(TestRecords.raw().value("<r><id>x</id></r>").build()).key())
                .isEqualTo("x");
        assertThat(
                        strict.extract(
                                        TestRecords.raw()
                                                .valueBytes(XmlAttacks.deepNesting(4))
                                                .build())
                                .reason())
                .isEqualTo(ErrorReason.LIMIT_EXCEEDED);
        assertThat(
                        strict.extract(
                                        TestRecords.raw()
                                                .value("<r><a/><a/><a/><a/><a/><id>x</id></r>")
                                                .build())
                                .reason())
                .isEqualTo(ErrorReason.LIMIT_EXCEEDED);
    }
}
