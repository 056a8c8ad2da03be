package dev.keyflow.xml.testutils;

import java.nio.charset.StandardCharsets;

/**
 * Hostile XML documents, each a classic attack or abuse of a parser, for security tests of any
 * XML-reading component.
 *
 * <pre>{@code
 * byte[] attack = XmlAttacks.billionLaughs();
 * }</pre>
 *
 * Where an attack names a URL, pass the address of a local server that counts requests, so that a
 * test can prove nothing was fetched.
 */
public final class XmlAttacks {

    private XmlAttacks() {}

    /** XXE: an external general entity pointing at {@code url}, used in the content. */
    public static byte[] externalGeneralEntity(String url) {
        return utf8(
                "<?xml version=\"1.0\"?>\n<!DOCTYPE r [<!ENTITY xxe SYSTEM \""
                        + url
                        + "\">]>\n<r><id>&xxe;</id></r>");
    }

    /** XXE: an external parameter entity pointing at {@code url}, expanded in the DTD. */
    public static byte[] externalParameterEntity(String url) {
        return utf8(
                "<?xml version=\"1.0\"?>\n<!DOCTYPE r [<!ENTITY % p SYSTEM \""
                        + url
                        + "\"> %p;]>\n<r><id>x</id></r>");
    }

    /** A DOCTYPE with an external DTD at {@code url} and nothing else. */
    public static byte[] externalDtd(String url) {
        return utf8(
                "<?xml version=\"1.0\"?>\n<!DOCTYPE r SYSTEM \"" + url + "\">\n<r><id>x</id></r>");
    }

    /** The smallest DOCTYPE there is. */
    public static byte[] plainDoctype() {
        return utf8("<!DOCTYPE r>\n<r><id>x</id></r>");
    }

    /** Billion laughs: ten levels of ten-fold entity expansion (10^9 "lol"s). */
    public static byte[] billionLaughs() {
        StringBuilder sb = new StringBuilder("<?xml version=\"1.0\"?>\n<!DOCTYPE r [\n");
        sb.append(" <!ENTITY lol0 \"lol\">\n");
        for (int i = 1; i <= 9; i++) {
            sb.append(" <!ENTITY lol").append(i).append(" \"");
            for (int j = 0; j < 10; j++) {
                sb.append("&lol").append(i - 1).append(';');
            }
            sb.append("\">\n");
        }
        return utf8(sb.append("]>\n<r><id>&lol9;</id></r>").toString());
    }

    /** Quadratic blow-up: one 50 000-character entity referenced 10 000 times. */
    public static byte[] quadraticBlowup() {
        String big = "a".repeat(50_000);
        String refs = "&a;".repeat(10_000);
        return utf8(
                "<?xml version=\"1.0\"?>\n<!DOCTYPE r [<!ENTITY a \""
                        + big
                        + "\">]>\n<r><id>"
                        + refs
                        + "</id></r>");
    }

    /** An undeclared entity reference, without any DOCTYPE. */
    public static byte[] undeclaredEntity() {
        return utf8("<r><id>&xxe;</id></r>");
    }

    /** {@code depth} nested elements, the key below them. */
    public static byte[] deepNesting(int depth) {
        return utf8("<a>".repeat(depth) + "<id>x</id>" + "</a>".repeat(depth));
    }

    /** One element with {@code count} attributes before the key. */
    public static byte[] manyAttributes(int count) {
        StringBuilder sb = new StringBuilder("<r");
        for (int i = 0; i < count; i++) {
            sb.append(" a").append(i).append("=\"v\"");
        }
        return utf8(sb.append("><id>x</id></r>").toString());
    }

    /** A key element holding {@code length} characters. */
    public static byte[] hugeKeyText(int length) {
        return utf8("<r><id>" + "k".repeat(length) + "</id></r>");
    }

    /** A text node of {@code length} characters before the key. */
    public static byte[] hugeTextBeforeKey(int length) {
        return utf8("<r><note>" + "t".repeat(length) + "</note><id>x</id></r>");
    }

    /** An attribute value of {@code length} characters. */
    public static byte[] hugeAttribute(int length) {
        return utf8("<r a=\"" + "v".repeat(length) + "\"><id>x</id></r>");
    }

    /** A well-formed document of at least {@code bytes} bytes, the key at the end. */
    public static byte[] hugeDocument(int bytes) {
        StringBuilder sb = new StringBuilder(bytes + 64).append("<r>");
        while (sb.length() < bytes) {
            sb.append("<n>padding padding padding</n>");
        }
        return utf8(sb.append("<id>x</id></r>").toString());
    }

    /**
     * A root element declaring {@code count} namespaces, each with a URI of {@code uriLength}
     * characters that no other document of the same {@code seed} shares.
     */
    public static byte[] uniqueNamespaces(long seed, int count, int uriLength) {
        StringBuilder sb = new StringBuilder(count * (uriLength + 16) + 32).append("<r");
        for (int i = 0; i < count; i++) {
            String unique = "urn:" + seed + ":" + i + ":";
            sb.append(" xmlns:n")
                    .append(i)
                    .append("=\"")
                    .append(unique)
                    .append("u".repeat(Math.max(0, uriLength - unique.length())))
                    .append('"');
        }
        return utf8(sb.append("><id>x</id></r>").toString());
    }

    /**
     * A root element with {@code count} empty child elements, each with a name of {@code length}
     * characters that no other document of the same {@code seed} shares.
     */
    public static byte[] uniqueElementNames(long seed, int count, int length) {
        StringBuilder sb = new StringBuilder(count * (length + 8) + 32).append("<r>");
        for (int i = 0; i < count; i++) {
            String unique = "e" + seed + "_" + i + "_";
            sb.append('<')
                    .append(unique)
                    .append("n".repeat(Math.max(0, length - unique.length())))
                    .append("/>");
        }
        return utf8(sb.append("<id>x</id></r>").toString());
    }

    /** A key document with a long element name, namespace URI, attribute name or PI target. */
    public static byte[] longName(String where, int length) {
        String name = "n".repeat(length);
        return utf8(
                switch (where) {
                    case "element" -> "<r><" + name + "/><id>x</id></r>";
                    case "namespace" -> "<r xmlns:p=\"urn:" + name + "\"><id>x</id></r>";
                    case "attribute" -> "<r " + name + "=\"v\"><id>x</id></r>";
                    case "pi" -> "<r><?" + name + " data?><id>x</id></r>";
                    default -> throw new IllegalArgumentException(where);
                });
    }

    /** A document with a byte sequence that is not UTF-8, before the key. */
    public static byte[] invalidUtf8() {
        byte[] head = utf8("<?xml version=\"1.0\" encoding=\"UTF-8\"?><r><n>");
        byte[] bad = {(byte) 0xC3, (byte) 0x28, (byte) 0xFF};
        byte[] tail = utf8("</n><id>x</id></r>");
        byte[] all = new byte[head.length + bad.length + tail.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(bad, 0, all, head.length, bad.length);
        System.arraycopy(tail, 0, all, head.length + bad.length, tail.length);
        return all;
    }

    /** A document cut off before the key is complete. */
    public static byte[] truncated() {
        return utf8("<?xml version=\"1.0\"?><r><n>text</n><id>ab");
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
