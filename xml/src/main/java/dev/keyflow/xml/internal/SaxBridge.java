package dev.keyflow.xml.internal;

import javax.xml.stream.Location;
import javax.xml.stream.XMLStreamReader;
import org.xml.sax.Attributes;
import org.xml.sax.ContentHandler;
import org.xml.sax.Locator;
import org.xml.sax.SAXException;

/**
 * Feeds the events of a (hardened) StAX reader to a SAX {@link ContentHandler}, such as the JDK's
 * XSD {@code ValidatorHandler}, so that validation sees exactly what the hardened parser read and
 * nothing is parsed twice. The caller drives the reader and calls the method matching each event.
 * Not thread-safe; one per reader thread, reusable across documents.
 *
 * <p>The bridge counts the characters it has handed to the handler ({@link #charactersFed()}):
 * names, namespace URIs, attribute values and text. The JDK validator keeps every distinct name and
 * URI it has seen in a symbol table that only grows, so its owner replaces a handler once this
 * count passes a budget, which bounds what one handler can retain whatever the documents hold.
 */
public final class SaxBridge implements Locator {

    private final ContentHandler handler;
    private final ReaderAttributes attributes = new ReaderAttributes();
    private XMLStreamReader reader;
    private long charactersFed;

    public SaxBridge(ContentHandler handler) {
        this.handler = handler;
    }

    /** Starts a document read by {@code reader}. */
    public void startDocument(XMLStreamReader reader) throws SAXException {
        this.reader = reader;
        this.attributes.reader = reader;
        handler.setDocumentLocator(this);
        handler.startDocument();
    }

    public void startElement() throws SAXException {
        long fed = 0;
        for (int i = 0, n = reader.getNamespaceCount(); i < n; i++) {
            String prefix = prefixOrEmpty(reader.getNamespacePrefix(i));
            String uri = uri(reader.getNamespaceURI(i));
            fed += prefix.length() + uri.length();
            handler.startPrefixMapping(prefix, uri);
        }
        String uri = uri(reader.getNamespaceURI());
        String qName = qName();
        fed += uri.length() + qName.length();
        for (int i = 0, n = reader.getAttributeCount(); i < n; i++) {
            fed +=
                    prefixOrEmpty(reader.getAttributePrefix(i)).length()
                            + reader.getAttributeLocalName(i).length()
                            + uri(reader.getAttributeNamespace(i)).length()
                            + reader.getAttributeValue(i).length();
        }
        charactersFed += fed;
        handler.startElement(uri, reader.getLocalName(), qName, attributes);
    }

    public void endElement() throws SAXException {
        handler.endElement(uri(reader.getNamespaceURI()), reader.getLocalName(), qName());
        for (int i = 0, n = reader.getNamespaceCount(); i < n; i++) {
            String prefix = reader.getNamespacePrefix(i);
            handler.endPrefixMapping(prefix == null ? "" : prefix);
        }
    }

    public void characters() throws SAXException {
        charactersFed += reader.getTextLength();
        handler.characters(
                reader.getTextCharacters(), reader.getTextStart(), reader.getTextLength());
    }

    public void endDocument() throws SAXException {
        handler.endDocument();
    }

    /** The characters handed to the handler since this bridge was created. */
    public long charactersFed() {
        return charactersFed;
    }

    private String qName() {
        String prefix = reader.getPrefix();
        return prefix == null || prefix.isEmpty()
                ? reader.getLocalName()
                : prefix + ':' + reader.getLocalName();
    }

    private static String uri(String uri) {
        return uri == null ? "" : uri;
    }

    private static String prefixOrEmpty(String prefix) {
        return prefix == null ? "" : prefix;
    }

    @Override
    public String getPublicId() {
        return null;
    }

    @Override
    public String getSystemId() {
        return null;
    }

    @Override
    public int getLineNumber() {
        Location at = reader == null ? null : reader.getLocation();
        return at == null ? -1 : at.getLineNumber();
    }

    @Override
    public int getColumnNumber() {
        Location at = reader == null ? null : reader.getLocation();
        return at == null ? -1 : at.getColumnNumber();
    }

    /** The current start element's attributes, read straight from the reader. */
    private static final class ReaderAttributes implements Attributes {
        private XMLStreamReader reader;
        private long charactersFed;

        @Override
        public int getLength() {
            return reader.getAttributeCount();
        }

        @Override
        public String getURI(int index) {
            return index < 0 || index >= getLength()
                    ? null
                    : uri(reader.getAttributeNamespace(index));
        }

        @Override
        public String getLocalName(int index) {
            return index < 0 || index >= getLength() ? null : reader.getAttributeLocalName(index);
        }

        @Override
        public String getQName(int index) {
            if (index < 0 || index >= getLength()) {
                return null;
            }
            String prefix = reader.getAttributePrefix(index);
            String local = reader.getAttributeLocalName(index);
            return prefix == null || prefix.isEmpty() ? local : prefix + ':' + local;
        }

        @Override
        public String getType(int index) {
            return index < 0 || index >= getLength() ? null : "CDATA";
        }

        @Override
        public String getValue(int index) {
            return index < 0 || index >= getLength() ? null : reader.getAttributeValue(index);
        }

        @Override
        public int getIndex(String uri, String localName) {
            for (int i = 0, n = getLength(); i < n; i++) {
                if (reader.getAttributeLocalName(i).equals(localName)
                        && uri(reader.getAttributeNamespace(i)).equals(uri(uri))) {
                    return i;
                }
            }
            return -1;
        }

        @Override
        public int getIndex(String qName) {
            for (int i = 0, n = getLength(); i < n; i++) {
                if (getQName(i).equals(qName)) {
                    return i;
                }
            }
            return -1;
        }

        @Override
        public String getType(String uri, String localName) {
            return getType(getIndex(uri, localName));
        }

        @Override
        public String getType(String qName) {
            return getType(getIndex(qName));
        }

        @Override
        public String getValue(String uri, String localName) {
            return getValue(getIndex(uri, localName));
        }

        @Override
        public String getValue(String qName) {
            return getValue(getIndex(qName));
        }
    }
}
