package dev.keyflow.xml;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyflow.core.ErrorReason;
import dev.keyflow.xml.testutils.Bounded;
import dev.keyflow.xml.testutils.CountingHttpServer;
import dev.keyflow.xml.testutils.XmlAttacks;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The validate-and-extract pass meets every attack with the same typed failures as the key
 * extractor, in bounded time and memory, and reaches no server.
 */
class XmlProcessorSecurityTest {

    private static final long MAX_ALLOCATED = 48L * 1024 * 1024;
    private static final Duration MAX_TIME = Duration.ofSeconds(2);

    private static CountingHttpServer server;
    private static XmlProcessor validating;
    private static XmlProcessor extracting;

    @BeforeAll
    static void start() {
        server = CountingHttpServer.start();
        validating =
                XmlProcessor.builder()
                        .schema(XmlValidationTest.BUNDLE)
                        .field("id", "/r/id", FieldType.STRING)
                        .build();
        validating.open();
        extracting = XmlProcessor.builder().field("id", "/r/id", FieldType.STRING).build();
        extracting.open();
    }

    @AfterAll
    static void stop() {
        assertThat(server.requests()).as("requests that reached the network").isZero();
        server.close();
    }

    private static void attack(byte[] document, ErrorReason expected) {
        for (XmlProcessor processor : new XmlProcessor[] {validating, extracting}) {
            Bounded.Measured<XmlResult> run = Bounded.measure(() -> processor.process(document));
            assertThat(run.value().isSuccess()).as(run.value().toString()).isFalse();
            assertThat(run.value().reason()).as(run.value().message()).isEqualTo(expected);
            assertThat(run.elapsed()).isLessThan(MAX_TIME);
            assertThat(run.allocatedBytes()).isLessThan(MAX_ALLOCATED);
            assertThat(server.requests()).isZero();
        }
    }

    @Test
    void externalEntitiesAndDoctypesAreRefused() {
        attack(XmlAttacks.externalGeneralEntity(server.url("/xxe")), ErrorReason.DOCTYPE_FORBIDDEN);
        attack(XmlAttacks.externalParameterEntity(server.url("/p")), ErrorReason.DOCTYPE_FORBIDDEN);
        attack(XmlAttacks.externalDtd(server.url("/r.dtd")), ErrorReason.DOCTYPE_FORBIDDEN);
        attack(XmlAttacks.plainDoctype(), ErrorReason.DOCTYPE_FORBIDDEN);
    }

    @Test
    void entityExpansionAttacksAreStopped() {
        attack(XmlAttacks.billionLaughs(), ErrorReason.DOCTYPE_FORBIDDEN);
        attack(XmlAttacks.quadraticBlowup(), ErrorReason.DOCTYPE_FORBIDDEN);
        attack(XmlAttacks.undeclaredEntity(), ErrorReason.MALFORMED_XML);
    }

    @Test
    void limitsHold() {
        attack(XmlAttacks.deepNesting(100_000), ErrorReason.LIMIT_EXCEEDED);
        attack(XmlAttacks.manyAttributes(10_000), ErrorReason.LIMIT_EXCEEDED);
        attack(XmlAttacks.hugeKeyText(500_000), ErrorReason.LIMIT_EXCEEDED);
        attack(XmlAttacks.hugeTextBeforeKey(500_000), ErrorReason.LIMIT_EXCEEDED);
        attack(XmlAttacks.hugeAttribute(500_000), ErrorReason.LIMIT_EXCEEDED);
        attack(XmlAttacks.hugeDocument(4 * 1024 * 1024), ErrorReason.LIMIT_EXCEEDED);
        for (String where : new String[] {"element", "namespace", "attribute", "pi"}) {
            attack(XmlAttacks.longName(where, 60_000), ErrorReason.LIMIT_EXCEEDED);
        }
    }

    @Test
    void brokenBytesAreTyped() {
        attack(XmlAttacks.invalidUtf8(), ErrorReason.MALFORMED_INPUT);
        attack(XmlAttacks.truncated(), ErrorReason.MALFORMED_XML);
        attack(null, ErrorReason.MALFORMED_INPUT);
    }
}
