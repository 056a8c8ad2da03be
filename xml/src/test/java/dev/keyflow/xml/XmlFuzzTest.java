package dev.keyflow.xml;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyflow.core.ErrorReason;
import dev.keyflow.core.KeyResult;
import dev.keyflow.core.testutils.TestRecords;
import dev.keyflow.xml.testutils.XmlSamples;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Thousands of seeded random mutations of valid messages (truncation, byte flips, tag swaps,
 * inserted and deleted bytes, duplicated ranges) through the key extractor and the validating field
 * extractor: every outcome is a valid result or a typed failure, never an exception.
 */
class XmlFuzzTest {

    private static final long SEED = 20261123L;
    private static final int ROUNDS = 4000;

    private static final Set<ErrorReason> EXPECTED =
            EnumSet.of(
                    ErrorReason.MALFORMED_XML,
                    ErrorReason.MALFORMED_INPUT,
                    ErrorReason.DOCTYPE_FORBIDDEN,
                    ErrorReason.LIMIT_EXCEEDED,
                    ErrorReason.KEY_MISSING,
                    ErrorReason.KEY_EMPTY,
                    ErrorReason.EVENT_TIME_INVALID,
                    ErrorReason.SCHEMA_VIOLATION,
                    ErrorReason.FIELD_INVALID);

    private static final Pattern TAG = Pattern.compile("</?([A-Za-z]+:)?[A-Za-z]+");

    @Test
    void mutatedDocumentsGiveOnlyValidResultsOrTypedFailures() {
        XmlKeyExtractor keys =
                XmlKeyExtractor.builder()
                        .namespace("p", XmlSamples.PAYMENT_NS)
                        .keyPath("/p:Payment/p:Header/p:MessageId")
                        .eventTimePath("/p:Payment/p:Header/p:Created")
                        .limits(XmlLimits.builder().maxDocumentBytes(64 * 1024).build())
                        .build();
        keys.open();
        XmlProcessor processor =
                XmlProcessor.builder()
                        .schema(XmlValidationTest.BUNDLE)
                        .namespace("p", XmlSamples.PAYMENT_NS)
                        .field("id", "/p:Payment/p:Header/p:MessageId", FieldType.STRING)
                        .field("amount", "/p:Payment/p:Body/p:Amount", FieldType.DECIMAL)
                        .field("sequence", "/p:Payment/p:Body/p:Sequence", FieldType.LONG)
                        .field("created", "/p:Payment/p:Header/p:Created", FieldType.TIMESTAMP)
                        .repeatedField("refs", "/p:Payment/p:Body/p:Reference", FieldType.STRING)
                        .limits(XmlLimits.builder().maxDocumentBytes(64 * 1024).build())
                        .build();
        processor.open();
        byte[][] seeds = {
            XmlSamples.payment("MSG-1", 0),
            XmlSamples.payment("MSG-2", 1024),
            XmlSamples.payment("MSG-3", 4 * 1024)
        };
        Random random = new Random(SEED);
        Map<ErrorReason, Integer> seen = new EnumMap<>(ErrorReason.class);
        int keySuccesses = 0;
        int validDocuments = 0;

        for (int round = 0; round < ROUNDS; round++) {
            byte[] document = mutate(seeds[random.nextInt(seeds.length)], random);
            String context = "round " + round + ": " + new String(document, StandardCharsets.UTF_8);

            KeyResult key = keys.extract(TestRecords.raw().valueBytes(document).build());
            if (key.isSuccess()) {
                keySuccesses++;
                assertThat(key.key()).as(context).isNotBlank();
                assertThat(key.eventTime()).as(context).isPresent();
            } else {
                assertThat(key.reason()).as(context).isIn(EXPECTED);
                seen.merge(key.reason(), 1, Integer::sum);
            }

            XmlResult result = processor.process(document);
            if (result.isSuccess()) {
                validDocuments++;
                // The schema requires these, so a valid document has them.
                assertThat(result.fields().string("id")).as(context).isNotNull();
                assertThat(result.fields().decimal("amount")).as(context).isNotNull();
                assertThat(key.isSuccess()).as(context).isTrue();
            } else {
                assertThat(result.reason()).as(context).isIn(EXPECTED);
                assertThat(result.message()).as(context).isNotBlank();
                seen.merge(result.reason(), 1, Integer::sum);
            }
        }

        // The mutations must exercise both outcomes and several failure kinds, or this proves
        // nothing.
        assertThat(keySuccesses).isBetween(ROUNDS / 20, ROUNDS - ROUNDS / 20);
        assertThat(validDocuments).isPositive();
        assertThat(seen)
                .containsKeys(
                        ErrorReason.MALFORMED_XML,
                        ErrorReason.MALFORMED_INPUT,
                        ErrorReason.SCHEMA_VIOLATION,
                        ErrorReason.KEY_MISSING);
    }

    private static byte[] mutate(byte[] original, Random random) {
        byte[] doc = original.clone();
        int mutations = 1 + random.nextInt(3);
        for (int m = 0; m < mutations; m++) {
            switch (random.nextInt(6)) {
                case 0:
                    doc = Arrays.copyOf(doc, random.nextInt(doc.length + 1));
                    break;
                case 1:
                    if (doc.length > 0) {
                        doc[random.nextInt(doc.length)] = (byte) random.nextInt(256);
                    }
                    break;
                case 2:
                    doc = swapTags(doc, random);
                    break;
                case 3:
                    doc = insert(doc, random);
                    break;
                case 4:
                    doc = delete(doc, random);
                    break;
                default:
                    doc = duplicate(doc, random);
                    break;
            }
        }
        return doc;
    }

    private static byte[] swapTags(byte[] doc, Random random) {
        String text = new String(doc, StandardCharsets.ISO_8859_1);
        Matcher matcher = TAG.matcher(text);
        java.util.List<int[]> tags = new java.util.ArrayList<>();
        while (matcher.find()) {
            tags.add(new int[] {matcher.start(), matcher.end()});
        }
        if (tags.size() < 2) {
            return doc;
        }
        int[] a = tags.get(random.nextInt(tags.size()));
        int[] b = tags.get(random.nextInt(tags.size()));
        if (a[0] == b[0]) {
            return doc;
        }
        int[] first = a[0] < b[0] ? a : b;
        int[] second = a[0] < b[0] ? b : a;
        if (first[1] > second[0]) {
            return doc;
        }
        String swapped =
                text.substring(0, first[0])
                        + text.substring(second[0], second[1])
                        + text.substring(first[1], second[0])
                        + text.substring(first[0], first[1])
                        + text.substring(second[1]);
        return swapped.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static final String[] INSERTS = {
        "<",
        ">",
        "&",
        "&amp;",
        "&lt;",
        "]]>",
        "<![CDATA[",
        "<!--",
        "-->",
        "<?pi x?>",
        "<!DOCTYPE r>",
        "\"",
        "'",
        "=",
        "/",
        "xmlns:p=\"urn:x\"",
        "\u0000",
        "\uFFFE",
        "&#0;",
        "&#x110000;",
        "<a:b>",
        "\u00e9"
    };

    private static byte[] insert(byte[] doc, Random random) {
        byte[] piece =
                random.nextBoolean()
                        ? INSERTS[random.nextInt(INSERTS.length)].getBytes(StandardCharsets.UTF_8)
                        : new byte[] {(byte) random.nextInt(256)};
        int at = random.nextInt(doc.length + 1);
        byte[] out = new byte[doc.length + piece.length];
        System.arraycopy(doc, 0, out, 0, at);
        System.arraycopy(piece, 0, out, at, piece.length);
        System.arraycopy(doc, at, out, at + piece.length, doc.length - at);
        return out;
    }

    private static byte[] delete(byte[] doc, Random random) {
        if (doc.length == 0) {
            return doc;
        }
        int from = random.nextInt(doc.length);
        int to = Math.min(doc.length, from + 1 + random.nextInt(16));
        byte[] out = new byte[doc.length - (to - from)];
        System.arraycopy(doc, 0, out, 0, from);
        System.arraycopy(doc, to, out, from, doc.length - to);
        return out;
    }

    private static byte[] duplicate(byte[] doc, Random random) {
        if (doc.length == 0) {
            return doc;
        }
        int from = random.nextInt(doc.length);
        int to = Math.min(doc.length, from + 1 + random.nextInt(64));
        byte[] out = new byte[doc.length + (to - from)];
        System.arraycopy(doc, 0, out, 0, to);
        System.arraycopy(doc, from, out, to, doc.length - from);
        return out;
    }
}
