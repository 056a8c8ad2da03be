package dev.keyflow.xml.testutils;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Realistic multi-namespace XML test data: a payment schema set (a main schema importing a shared
 * one, which includes and imports two more, one with an internal DTD subset, with the unusual
 * prefixes {@code xsd:} and {@code x:}) and payment messages of a chosen size.
 *
 * <pre>{@code
 * Map<String, byte[]> files = XmlSamples.paymentSchemaFiles();
 * byte[] message = XmlSamples.payment("MSG-1", 10 * 1024);
 * }</pre>
 */
public final class XmlSamples {

    /** The payment messages' namespace. */
    public static final String PAYMENT_NS = "urn:keyflow:test:payment:1";

    /** The shared types' namespace. */
    public static final String COMMON_NS = "urn:keyflow:test:common:1";

    /** The main schema file of {@link #paymentSchemaFiles()}. */
    public static final String PAYMENT_MAIN = "payment.xsd";

    private static final List<String> PAYMENT_FILES =
            List.of("payment.xsd", "common/common.xsd", "common/text.xsd", "common/codes.xsd");

    private XmlSamples() {}

    /** The payment schema set: file name (relative to the bundle root) to content. */
    public static Map<String, byte[]> paymentSchemaFiles() {
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (String name : PAYMENT_FILES) {
            files.put(name, resource("payment/" + name));
        }
        return files;
    }

    /** A valid payment message of at least {@code minBytes} bytes (notes pad it out). */
    public static byte[] payment(String messageId, int minBytes) {
        return paymentBuilder(messageId).minBytes(minBytes).bytes();
    }

    /** A builder of payment messages with valid defaults, to vary one thing at a time. */
    public static Payment paymentBuilder(String messageId) {
        return new Payment(
                Objects.requireNonNull(messageId, "messageId"),
                "2026-11-23T10:15:30.123Z",
                "125.50",
                "EUR",
                "true",
                "42",
                List.of("R-1", "R-2"),
                0,
                "");
    }

    /** An immutable payment message builder; each setter returns a new builder. */
    public static final class Payment {
        private final String messageId;
        private final String created;
        private final String amount;
        private final String currency;
        private final String urgent;
        private final String sequence;
        private final List<String> references;
        private final int minBytes;
        private final String prolog;

        private Payment(
                String messageId,
                String created,
                String amount,
                String currency,
                String urgent,
                String sequence,
                List<String> references,
                int minBytes,
                String prolog) {
            this.messageId = messageId;
            this.created = created;
            this.amount = amount;
            this.currency = currency;
            this.urgent = urgent;
            this.sequence = sequence;
            this.references = references;
            this.minBytes = minBytes;
            this.prolog = prolog;
        }

        public Payment created(String created) {
            return new Payment(
                    messageId,
                    created,
                    amount,
                    currency,
                    urgent,
                    sequence,
                    references,
                    minBytes,
                    prolog);
        }

        public Payment amount(String amount) {
            return new Payment(
                    messageId,
                    created,
                    amount,
                    currency,
                    urgent,
                    sequence,
                    references,
                    minBytes,
                    prolog);
        }

        public Payment currency(String currency) {
            return new Payment(
                    messageId,
                    created,
                    amount,
                    currency,
                    urgent,
                    sequence,
                    references,
                    minBytes,
                    prolog);
        }

        public Payment urgent(String urgent) {
            return new Payment(
                    messageId,
                    created,
                    amount,
                    currency,
                    urgent,
                    sequence,
                    references,
                    minBytes,
                    prolog);
        }

        public Payment sequence(String sequence) {
            return new Payment(
                    messageId,
                    created,
                    amount,
                    currency,
                    urgent,
                    sequence,
                    references,
                    minBytes,
                    prolog);
        }

        public Payment references(List<String> references) {
            return new Payment(
                    messageId,
                    created,
                    amount,
                    currency,
                    urgent,
                    sequence,
                    List.copyOf(references),
                    minBytes,
                    prolog);
        }

        public Payment minBytes(int minBytes) {
            return new Payment(
                    messageId,
                    created,
                    amount,
                    currency,
                    urgent,
                    sequence,
                    references,
                    minBytes,
                    prolog);
        }

        /** Text placed between the XML declaration and the root element (e.g. a DOCTYPE). */
        public Payment prolog(String prolog) {
            return new Payment(
                    messageId,
                    created,
                    amount,
                    currency,
                    urgent,
                    sequence,
                    references,
                    minBytes,
                    prolog);
        }

        public String xml() {
            StringBuilder sb = new StringBuilder(Math.max(1024, minBytes + 256));
            sb.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n").append(prolog);
            sb.append("<p:Payment xmlns:p=\"")
                    .append(PAYMENT_NS)
                    .append("\" xmlns:c=\"")
                    .append(COMMON_NS)
                    .append("\" version=\"1\">\n");
            sb.append("  <p:Header id=\"H-").append(sequence.trim()).append("\">\n");
            sb.append("    <p:MessageId>").append(messageId).append("</p:MessageId>\n");
            sb.append("    <p:Created>").append(created).append("</p:Created>\n");
            sb.append("  </p:Header>\n  <p:Body>\n");
            party(sb, "Debtor", "Ann Example", "DE89370400440532013000");
            party(sb, "Creditor", "Bob Example &amp; Sons", "FR1420041010050500013M02606");
            sb.append("    <p:Amount currency=\"")
                    .append(currency)
                    .append("\">")
                    .append(amount)
                    .append("</p:Amount>\n");
            sb.append("    <p:Urgent>").append(urgent).append("</p:Urgent>\n");
            sb.append("    <p:Sequence>").append(sequence).append("</p:Sequence>\n");
            for (String reference : references) {
                sb.append("    <p:Reference>").append(reference).append("</p:Reference>\n");
            }
            String tail = "  </p:Body>\n</p:Payment>\n";
            int note = 0;
            while (sb.length() + tail.length() < minBytes) {
                sb.append("    <p:Note>Note ")
                        .append(note++)
                        .append(": invoice lines settled as agreed, see the remittance advice.")
                        .append("</p:Note>\n");
            }
            return sb.append(tail).toString();
        }

        public byte[] bytes() {
            return xml().getBytes(StandardCharsets.UTF_8);
        }

        private static void party(StringBuilder sb, String role, String name, String account) {
            sb.append("    <p:")
                    .append(role)
                    .append(">\n      <c:Name>")
                    .append(name)
                    .append("</c:Name>\n      <c:Account>")
                    .append(account)
                    .append("</c:Account>\n    </p:")
                    .append(role)
                    .append(">\n");
        }
    }

    private static byte[] resource(String name) {
        try (InputStream in = XmlSamples.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
