package dev.keyflow.xml;

import java.io.Serializable;
import java.util.Objects;

/**
 * The bounds every XML document must stay within before keyflow parses it any further.
 *
 * <p>A document over a limit ends as a {@code LIMIT_EXCEEDED} failure, found while parsing (size is
 * checked before parsing starts), so time and memory per document stay bounded whatever its
 * content. The defaults suit messages of up to a few hundred KB:
 *
 * <table>
 *   <caption>defaults</caption>
 *   <tr><th>limit</th><th>default</th></tr>
 *   <tr><td>document size</td><td>1 MiB (bytes)</td></tr>
 *   <tr><td>element depth</td><td>64</td></tr>
 *   <tr><td>attributes per element</td><td>64</td></tr>
 *   <tr><td>text node or attribute value length</td><td>64 Ki characters</td></tr>
 *   <tr><td>elements per document</td><td>100 000</td></tr>
 *   <tr><td>element or attribute name, or namespace URI</td><td>1 024 characters</td></tr>
 * </table>
 *
 * <pre>{@code
 * XmlLimits limits = XmlLimits.builder().maxDocumentBytes(256 * 1024).maxDepth(32).build();
 * }</pre>
 */
public final class XmlLimits implements Serializable {

    private static final long serialVersionUID = 1L;

    private static final XmlLimits DEFAULTS = builder().build();

    private final int maxDocumentBytes;
    private final int maxDepth;
    private final int maxAttributes;
    private final int maxTextLength;
    private final int maxElements;
    private final int maxNameLength;

    private XmlLimits(Builder b) {
        this.maxDocumentBytes = b.maxDocumentBytes;
        this.maxDepth = b.maxDepth;
        this.maxAttributes = b.maxAttributes;
        this.maxTextLength = b.maxTextLength;
        this.maxElements = b.maxElements;
        this.maxNameLength = b.maxNameLength;
    }

    /** The default limits (see the class comment). */
    public static XmlLimits defaults() {
        return DEFAULTS;
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** The largest document, in bytes of its encoded form. */
    public int maxDocumentBytes() {
        return maxDocumentBytes;
    }

    /** The deepest element nesting; the root element is depth 1. */
    public int maxDepth() {
        return maxDepth;
    }

    /** The most attributes (namespace declarations included) on one element. */
    public int maxAttributes() {
        return maxAttributes;
    }

    /** The longest text node or attribute value, in characters. */
    public int maxTextLength() {
        return maxTextLength;
    }

    /** The most elements in one document. */
    public int maxElements() {
        return maxElements;
    }

    /**
     * The longest element or attribute name (prefix included) or namespace URI, in characters.
     * Names are a validator's vocabulary: a long one costs time on every lookup.
     */
    public int maxNameLength() {
        return maxNameLength;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof XmlLimits other
                && maxDocumentBytes == other.maxDocumentBytes
                && maxDepth == other.maxDepth
                && maxAttributes == other.maxAttributes
                && maxTextLength == other.maxTextLength
                && maxElements == other.maxElements
                && maxNameLength == other.maxNameLength;
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                maxDocumentBytes,
                maxDepth,
                maxAttributes,
                maxTextLength,
                maxElements,
                maxNameLength);
    }

    @Override
    public String toString() {
        return "XmlLimits{bytes="
                + maxDocumentBytes
                + ", depth="
                + maxDepth
                + ", attributes="
                + maxAttributes
                + ", text="
                + maxTextLength
                + ", elements="
                + maxElements
                + ", names="
                + maxNameLength
                + '}';
    }

    /**
     * Builds {@link XmlLimits}; every setter rejects a value below 1 at once.
     *
     * <pre>{@code
     * XmlLimits limits = XmlLimits.builder().maxDepth(32).maxTextLength(4096).build();
     * }</pre>
     */
    public static final class Builder {
        private int maxDocumentBytes = 1024 * 1024;
        private int maxDepth = 64;
        private int maxAttributes = 64;
        private int maxTextLength = 64 * 1024;
        private int maxElements = 100_000;
        private int maxNameLength = 1024;

        private Builder() {}

        /** The largest document in bytes (default 1 MiB). */
        public Builder maxDocumentBytes(int maxDocumentBytes) {
            this.maxDocumentBytes = positive(maxDocumentBytes, "maxDocumentBytes");
            return this;
        }

        /** The deepest element nesting (default 64). */
        public Builder maxDepth(int maxDepth) {
            this.maxDepth = positive(maxDepth, "maxDepth");
            return this;
        }

        /** The most attributes on one element (default 64). */
        public Builder maxAttributes(int maxAttributes) {
            this.maxAttributes = positive(maxAttributes, "maxAttributes");
            return this;
        }

        /** The longest text node or attribute value in characters (default 64 Ki). */
        public Builder maxTextLength(int maxTextLength) {
            this.maxTextLength = positive(maxTextLength, "maxTextLength");
            return this;
        }

        /** The most elements in one document (default 100 000). */
        public Builder maxElements(int maxElements) {
            this.maxElements = positive(maxElements, "maxElements");
            return this;
        }

        /**
         * The longest element or attribute name (prefix included) or namespace URI in characters
         * (default 1 024).
         */
        public Builder maxNameLength(int maxNameLength) {
            this.maxNameLength = positive(maxNameLength, "maxNameLength");
            return this;
        }

        /** The limits. */
        public XmlLimits build() {
            return new XmlLimits(this);
        }

        private static int positive(int value, String name) {
            if (value < 1) {
                throw new IllegalArgumentException(name + " must be at least 1, was " + value);
            }
            return value;
        }
    }
}
