package dev.keyflow.xml.internal;

import dev.keyflow.core.ErrorReason;
import dev.keyflow.xml.XmlPath;
import javax.annotation.Nullable;
import javax.xml.stream.XMLStreamReader;

/**
 * Follows one {@link XmlPath} through a stream of StAX events and captures the values it selects.
 *
 * <p>The caller reports every start element, text and end element with the depth of the element
 * they belong to; the capture keeps how many leading steps of the path the currently open elements
 * match, so matching costs one name comparison per element at most. An element's value is the
 * concatenation of its direct text children (text inside child elements is not part of it). Not
 * thread-safe; {@link #reset()} before each document.
 */
public final class PathCapture {

    private final XmlPath.Name[] steps;
    @Nullable private final XmlPath.Name attribute;
    private final int maxTextLength;
    private final StringBuilder text = new StringBuilder();
    private int matched;
    private boolean capturing;

    public PathCapture(XmlPath path, int maxTextLength) {
        this.steps = path.elements().toArray(new XmlPath.Name[0]);
        this.attribute = path.attribute();
        this.maxTextLength = maxTextLength;
    }

    /** Forgets the previous document. */
    public void reset() {
        matched = 0;
        capturing = false;
        text.setLength(0);
    }

    /**
     * A start element at {@code depth} (root = 1). Returns the selected attribute's value if the
     * path ends in an attribute of this element, else null; starts capturing text if the path
     * selects this element.
     */
    @Nullable
    public String start(XMLStreamReader reader, int depth) {
        if (matched != depth - 1 || depth > steps.length) {
            return null;
        }
        if (!steps[depth - 1].matches(reader.getNamespaceURI(), reader.getLocalName())) {
            return null;
        }
        matched = depth;
        if (depth < steps.length) {
            return null;
        }
        if (attribute != null) {
            for (int i = 0, n = reader.getAttributeCount(); i < n; i++) {
                if (attribute.matches(
                        reader.getAttributeNamespace(i), reader.getAttributeLocalName(i))) {
                    return reader.getAttributeValue(i);
                }
            }
            return null;
        }
        capturing = true;
        text.setLength(0);
        return null;
    }

    /** Text directly inside the element at {@code depth}. */
    public void text(XMLStreamReader reader, int depth) throws XmlFailureException {
        if (capturing && depth == steps.length) {
            int length = reader.getTextLength();
            if (text.length() + length > maxTextLength) {
                throw HardenedXml.failure(
                        ErrorReason.LIMIT_EXCEEDED,
                        "text longer than the limit of " + maxTextLength + " characters",
                        reader);
            }
            text.append(reader.getTextCharacters(), reader.getTextStart(), length);
        }
    }

    /**
     * An end element at {@code depth}. Returns the captured text if this closes the element the
     * path selects, else null.
     */
    @Nullable
    public String end(int depth) {
        String value = null;
        if (capturing && depth == steps.length) {
            capturing = false;
            value = text.toString();
        }
        if (matched == depth) {
            matched = depth - 1;
        }
        return value;
    }

    /** True while the selected element is open and its text is being captured. */
    public boolean capturing() {
        return capturing;
    }

    /** Whether the path selects an attribute. */
    public boolean selectsAttribute() {
        return attribute != null;
    }
}
