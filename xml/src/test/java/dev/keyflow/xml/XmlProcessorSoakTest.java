package dev.keyflow.xml;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyflow.core.ErrorReason;
import dev.keyflow.core.KeyResult;
import dev.keyflow.core.testutils.TestRecords;
import dev.keyflow.xml.testutils.XmlAttacks;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.function.Consumer;
import java.util.function.LongFunction;
import org.junit.jupiter.api.Test;

/**
 * A long stream of hostile documents, each with names or namespace URIs that no other document
 * shares, does not make a parser or validator hold more memory: the heap after garbage collection
 * stays flat while the same instance keeps processing. The name limit is raised to 64 Ki characters
 * here, as a user with long names may do, so that the documents reach the parser's and the
 * validator's symbol tables.
 */
class XmlProcessorSoakTest {

    /** What a flat heap may drift by between two measurements (GC noise, JIT, class data). */
    private static final long MAX_GROWTH = 64L * 1024 * 1024;

    private static final XmlLimits LONG_NAMES =
            XmlLimits.builder().maxDocumentBytes(2 * 1024 * 1024).maxNameLength(64 * 1024).build();

    @Test
    void validatorDoesNotAccumulateNamespaceUris() {
        // 16 namespaces of 60,000 characters: about 1 MiB a document.
        soak(seed -> XmlAttacks.uniqueNamespaces(seed, 16, 60_000), rejectedBy(validator()));
    }

    @Test
    void validatorDoesNotAccumulateElementNames() {
        soak(seed -> XmlAttacks.uniqueElementNames(seed, 16, 60_000), rejectedBy(validator()));
    }

    @Test
    void keyExtractorDoesNotAccumulateElementNames() {
        XmlKeyExtractor extractor =
                XmlKeyExtractor.builder().keyPath("/r/id").limits(LONG_NAMES).build();
        extractor.open();
        soak(
                seed -> XmlAttacks.uniqueElementNames(seed, 16, 60_000),
                document -> {
                    KeyResult result =
                            extractor.extract(TestRecords.raw().valueBytes(document).build());
                    assertThat(result.key()).isEqualTo("x");
                });
    }

    private static XmlProcessor validator() {
        XmlProcessor processor =
                XmlProcessor.builder().schema(XmlValidationTest.BUNDLE).limits(LONG_NAMES).build();
        processor.open();
        return processor;
    }

    private static Consumer<byte[]> rejectedBy(XmlProcessor processor) {
        return document -> {
            XmlResult result = processor.process(document);
            assertThat(result.reason())
                    .as(result.message())
                    .isEqualTo(ErrorReason.SCHEMA_VIOLATION);
        };
    }

    /**
     * Processes documents in rounds and compares the retained heap after a warm-up round with the
     * retained heap after the last round, both measured after full collections.
     */
    private static void soak(LongFunction<byte[]> document, Consumer<byte[]> process) {
        int documentsPerRound = 50;
        int rounds = 4;
        long seed = 0;
        long baseline = 0;
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < documentsPerRound; i++) {
                process.accept(document.apply(seed++));
            }
            if (round == 0) {
                baseline = retainedHeap();
            }
        }
        long growth = retainedHeap() - baseline;
        assertThat(growth)
                .as("heap growth after %d more hostile documents", (rounds - 1) * documentsPerRound)
                .isLessThan(MAX_GROWTH);
    }

    private static long retainedHeap() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long least = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            least = Math.min(least, memory.getHeapMemoryUsage().getUsed());
        }
        return least;
    }
}
