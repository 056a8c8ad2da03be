package dev.keyflow.xml;

import com.ctc.wstx.exc.WstxLazyException;
import dev.keyflow.core.ErrorReason;
import dev.keyflow.core.KeyExtractor;
import dev.keyflow.core.KeyResult;
import dev.keyflow.core.RawRecord;
import dev.keyflow.xml.internal.Conversions;
import dev.keyflow.xml.internal.HardenedParser;
import dev.keyflow.xml.internal.HardenedXml;
import dev.keyflow.xml.internal.PathCapture;
import dev.keyflow.xml.internal.XmlFailureException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import javax.annotation.Nullable;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * Finds the key (and optionally the event time) of an XML message with a hardened, streaming
 * Woodstox parser, and stops reading as soon as it has them.
 *
 * <p>Use it with core's {@code KeyExtraction}; it opens one parser factory per parallel instance
 * and reuses it for every record. What it guarantees:
 *
 * <ul>
 *   <li>The key is the trimmed text of the element (or the value of the attribute) at the key path.
 *       Only the part of the document up to the key is read: content after it is not checked here
 *       (XSD validation, later, reads everything).
 *   <li>Failures are values: {@code MALFORMED_XML} (not well-formed, truncated), {@code
 *       MALFORMED_INPUT} (no value, or bytes invalid in the document's encoding), {@code
 *       DOCTYPE_FORBIDDEN} (any DOCTYPE, so no entity of any kind is ever expanded), {@code
 *       LIMIT_EXCEEDED} ({@link XmlLimits}: size, depth, attributes, text length, elements), {@code
 *       KEY_MISSING}, {@code KEY_EMPTY} and, with an event-time path, {@code EVENT_TIME_INVALID}
 *       (missing or not an {@code xs:dateTime}).
 *   <li>No network or file access: external entities are refused and DTDs never processed.
 * </ul>
 */
public final class XmlKeyExtractor implements KeyExtractor {

    private static final long serialVersionUID = 1L;

    private final XmlPath keyPath;
    @Nullable private final XmlPath eventTimePath;
    private final XmlLimits limits;

    private transient HardenedParser parser;
    private transient PathCapture key;
    @Nullable private transient PathCapture eventTime;

    private XmlKeyExtractor(Builder b) {
        this.keyPath = XmlPath.parse(b.keyPath, b.namespaces);
        this.eventTimePath =
                b.eventTimePath == null ? null : XmlPath.parse(b.eventTimePath, b.namespaces);
        this.limits = b.limits;
    }

    /** A builder; a key path is required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The path of the key. */
    public XmlPath keyPath() {
        return keyPath;
    }

    /** The path of the event time, if one is read. */
    @Nullable
    public XmlPath eventTimePath() {
        return eventTimePath;
    }

    /** The limits applied to every document. */
    public XmlLimits limits() {
        return limits;
    }

    @Override
    public void open() {
        parser = new HardenedParser(limits);
        key = new PathCapture(keyPath, limits.maxTextLength());
        eventTime =
                eventTimePath == null
                        ? null
                        : new PathCapture(eventTimePath, limits.maxTextLength());
    }

    @Override
    public KeyResult extract(RawRecord record) {
        if (parser == null) {
            open();
        }
        key.reset();
        if (eventTime != null) {
            eventTime.reset();
        }
        XMLStreamReader reader = null;
        try {
            reader = parser.open(record.value());
            return scan(reader);
        } catch (XmlFailureException e) {
            return KeyResult.failure(e.reason(), describe(e));
        } catch (XMLStreamException e) {
            XmlFailureException failure = HardenedXml.classify(e);
            return KeyResult.failure(failure.reason(), describe(failure));
        } catch (WstxLazyException e) {
            // Woodstox parses text lazily and reports its errors unchecked, wrapped.
            XmlFailureException failure = HardenedXml.classify(e);
            return KeyResult.failure(failure.reason(), describe(failure));
        } finally {
            parser.close(reader);
        }
    }

    private KeyResult scan(XMLStreamReader reader) throws XMLStreamException, XmlFailureException {
        String keyValue = null;
        String timeValue = null;
        boolean needTime = eventTime != null;
        int depth = 0;
        while (true) {
            int event = parser.next(reader);
            switch (event) {
                case XMLStreamConstants.START_ELEMENT:
                    depth++;
                    if (keyValue == null) {
                        keyValue = key.start(reader, depth);
                    }
                    if (needTime && timeValue == null) {
                        timeValue = eventTime.start(reader, depth);
                    }
                    break;
                case XMLStreamConstants.CHARACTERS:
                case XMLStreamConstants.CDATA:
                case XMLStreamConstants.SPACE:
                    if (keyValue == null) {
                        key.text(reader, depth);
                    }
                    if (needTime && timeValue == null) {
                        eventTime.text(reader, depth);
                    }
                    break;
                case XMLStreamConstants.END_ELEMENT:
                    if (keyValue == null) {
                        keyValue = key.end(depth);
                    }
                    if (needTime && timeValue == null) {
                        timeValue = eventTime.end(depth);
                    }
                    depth--;
                    break;
                case XMLStreamConstants.END_DOCUMENT:
                    if (keyValue == null) {
                        return KeyResult.failure(
                                ErrorReason.KEY_MISSING, "no value at " + keyPath.expression());
                    }
                    return KeyResult.failure(
                            ErrorReason.EVENT_TIME_INVALID,
                            "no event time at " + eventTimePath.expression());
                default:
                    break;
            }
            if (keyValue != null && (!needTime || timeValue != null)) {
                return result(keyValue.strip(), timeValue);
            }
        }
    }

    private KeyResult result(String keyValue, @Nullable String timeValue) {
        if (keyValue.isEmpty()) {
            return KeyResult.failure(
                    ErrorReason.KEY_EMPTY, "the value at " + keyPath.expression() + " is empty");
        }
        if (timeValue == null) {
            return KeyResult.of(keyValue);
        }
        try {
            return KeyResult.of(
                    keyValue, Conversions.parseTimestamp(timeValue.strip()).toEpochMilli());
        } catch (IllegalArgumentException | ArithmeticException e) {
            return KeyResult.failure(
                    ErrorReason.EVENT_TIME_INVALID,
                    "event time at " + eventTimePath.expression() + ": " + e.getMessage());
        }
    }

    private static String describe(XmlFailureException e) {
        return e.problems().isEmpty()
                ? e.getMessage()
                : e.getMessage() + " (" + e.problems().get(0) + ")";
    }

    /**
     * Builds an {@link XmlKeyExtractor}.
     *
     * <pre>{@code
     * KeyExtractor extractor =
     *         XmlKeyExtractor.builder()
     *                 .namespace("p", "urn:example:payments")
     *                 .keyPath("/p:Payment/p:Header/p:MessageId")
     *                 .eventTimePath("/p:Payment/p:Header/p:Created") // optional
     *                 .limits(XmlLimits.defaults()) // optional
     *                 .build();
     * }</pre>
     */
    public static final class Builder {
        private final Map<String, String> namespaces = new LinkedHashMap<>();
        private String keyPath;
        private String eventTimePath;
        private XmlLimits limits = XmlLimits.defaults();

        private Builder() {}

        /** Binds {@code prefix} (used in paths) to a namespace URI. */
        public Builder namespace(String prefix, String uri) {
            Objects.requireNonNull(prefix, "prefix");
            Objects.requireNonNull(uri, "uri");
            if (prefix.isEmpty() || uri.isEmpty()) {
                throw new IllegalArgumentException(
                        "prefix and uri must not be empty (an unprefixed path step has no"
                                + " namespace)");
            }
            namespaces.put(prefix, uri);
            return this;
        }

        /** Binds every prefix of {@code prefixToUri}. */
        public Builder namespaces(Map<String, String> prefixToUri) {
            Objects.requireNonNull(prefixToUri, "prefixToUri").forEach(this::namespace);
            return this;
        }

        /** The path of the key element or attribute, for example {@code /p:Doc/p:Hdr/@id}. */
        public Builder keyPath(String keyPath) {
            this.keyPath = nonEmpty(keyPath, "keyPath");
            return this;
        }

        /** The path of an {@code xs:dateTime} to use as the event time (optional). */
        public Builder eventTimePath(String eventTimePath) {
            this.eventTimePath = nonEmpty(eventTimePath, "eventTimePath");
            return this;
        }

        /** The document limits (default {@link XmlLimits#defaults()}). */
        public Builder limits(XmlLimits limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /**
         * The extractor.
         *
         * @throws IllegalArgumentException if no key path is set or a path does not parse
         */
        public XmlKeyExtractor build() {
            if (keyPath == null) {
                throw new IllegalArgumentException("keyPath is required");
            }
            return new XmlKeyExtractor(this);
        }

        private static String nonEmpty(String value, String name) {
            Objects.requireNonNull(value, name);
            if (value.isBlank()) {
                throw new IllegalArgumentException(name + " must not be blank");
            }
            return value;
        }
    }
}
