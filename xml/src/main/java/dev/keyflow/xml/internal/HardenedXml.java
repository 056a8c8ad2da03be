package dev.keyflow.xml.internal;

import com.ctc.wstx.api.WstxInputProperties;
import com.ctc.wstx.exc.WstxLazyException;
import com.ctc.wstx.stax.WstxInputFactory;
import dev.keyflow.core.ErrorReason;
import dev.keyflow.xml.XmlLimits;
import dev.keyflow.xml.XmlProblem;
import java.io.CharConversionException;
import java.util.List;
import java.util.Locale;
import javax.xml.stream.Location;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * The one place where keyflow creates XML parsers for messages.
 *
 * <p>The factory is Woodstox, instantiated by class (never through {@code newInstance()} lookup,
 * which a jar such as xercesImpl on the classpath silently redirects). It is namespace aware,
 * processes no DTD (a DOCTYPE is reported as an event, and {@link #next} turns it into {@code
 * DOCTYPE_FORBIDDEN}), resolves no external entity (its resolver refuses every request) and
 * enforces {@link XmlLimits} inside the parser. A factory is thread-safe once configured; keyflow
 * creates one per operator instance in {@code open()}.
 */
public final class HardenedXml {

    private HardenedXml() {}

    /** A configured, hardened Woodstox factory. */
    public static WstxInputFactory newInputFactory(XmlLimits limits) {
        WstxInputFactory factory = new WstxInputFactory();
        configure(factory, limits);
        return factory;
    }

    /** Configures {@code factory} as {@link #newInputFactory} does. */
    static void configure(WstxInputFactory factory, XmlLimits limits) {
        factory.setProperty(XMLInputFactory.IS_NAMESPACE_AWARE, true);
        factory.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        factory.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        factory.setProperty(XMLInputFactory.IS_COALESCING, false);
        factory.setXMLResolver(
                (publicId, systemId, baseUri, namespace) -> {
                    throw new XMLStreamException(
                            "external entities are never resolved (" + systemId + ")");
                });
        // Small messages: a 1 K-char decode buffer keeps stop-at-key reads short.
        factory.setProperty(WstxInputProperties.P_INPUT_BUFFER_LENGTH, 1024);
        factory.setProperty(WstxInputProperties.P_MAX_ELEMENT_DEPTH, limits.maxDepth());
        factory.setProperty(
                WstxInputProperties.P_MAX_ATTRIBUTES_PER_ELEMENT, limits.maxAttributes());
        factory.setProperty(WstxInputProperties.P_MAX_ATTRIBUTE_SIZE, limits.maxTextLength());
        factory.setProperty(WstxInputProperties.P_MAX_TEXT_LENGTH, limits.maxTextLength());
        factory.setProperty(WstxInputProperties.P_MAX_ELEMENT_COUNT, (long) limits.maxElements());
        factory.setProperty(WstxInputProperties.P_MAX_CHARACTERS, (long) limits.maxDocumentBytes());
    }

    /** A failure located at the reader's current position. */
    public static XmlFailureException failure(
            ErrorReason reason, String message, XMLStreamReader reader) {
        Location at = reader.getLocation();
        return new XmlFailureException(
                reason,
                message,
                List.of(
                        new XmlProblem(
                                at == null ? -1 : at.getLineNumber(),
                                at == null ? -1 : at.getColumnNumber(),
                                message)));
    }

    /** The typed failure for an exception thrown by the parser. */
    public static XmlFailureException classify(XMLStreamException e) {
        Location at = e.getLocation();
        String message = parserMessage(e);
        ErrorReason reason;
        if (causedBy(e, CharConversionException.class)) {
            reason = ErrorReason.MALFORMED_INPUT;
        } else if (message.toLowerCase(Locale.ROOT).contains(") exceeded")) {
            reason = ErrorReason.LIMIT_EXCEEDED;
        } else if (message.contains("DOCTYPE") || message.contains("DTD")) {
            reason = ErrorReason.DOCTYPE_FORBIDDEN;
        } else {
            reason = ErrorReason.MALFORMED_XML;
        }
        return new XmlFailureException(
                reason,
                message,
                List.of(
                        new XmlProblem(
                                at == null ? -1 : at.getLineNumber(),
                                at == null ? -1 : at.getColumnNumber(),
                                message)));
    }

    /** The typed failure for a parse error Woodstox found lazily and threw unchecked. */
    public static XmlFailureException classify(WstxLazyException e) {
        return e.getCause() instanceof XMLStreamException cause
                ? classify(cause)
                : new XmlFailureException(
                        ErrorReason.MALFORMED_XML, String.valueOf(e.getMessage()), List.of());
    }

    private static String parserMessage(XMLStreamException e) {
        // Woodstox appends the location to the message; keep the first line only.
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int newline = message.indexOf('\n');
        String first = newline < 0 ? message : message.substring(0, newline);
        return first.startsWith("ParseError at ") && newline >= 0
                ? message.substring(newline + 1).replace("Message: ", "").trim()
                : first.trim();
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
            if (t.getCause() == t) {
                return false;
            }
        }
        return false;
    }

    /**
     * Closes a reader over an in-memory document. That releases recycled buffers only and cannot
     * fail on input; should it fail anyway, the exception is rethrown unchecked, so that the
     * calling operator reports it as {@code PROCESSING_FAILED} rather than hiding it.
     */
    public static void close(XMLStreamReader reader) {
        if (reader == null) {
            return;
        }
        try {
            reader.close();
        } catch (XMLStreamException e) {
            throw new IllegalStateException("closing an in-memory XML reader failed", e);
        }
    }
}
