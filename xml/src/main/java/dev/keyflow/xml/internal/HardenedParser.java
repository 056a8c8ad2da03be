package dev.keyflow.xml.internal;

import com.ctc.wstx.exc.WstxLazyException;
import com.ctc.wstx.stax.WstxInputFactory;
import com.ctc.wstx.util.SymbolTable;
import dev.keyflow.core.ErrorReason;
import dev.keyflow.xml.XmlLimits;
import java.util.List;
import javax.annotation.Nullable;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import org.codehaus.stax2.XMLStreamReader2;
import org.codehaus.stax2.io.Stax2ByteArraySource;

/**
 * The hardened parser of one operator instance: opens readers over messages with a factory
 * configured by {@link HardenedXml#newInputFactory}, and refuses, in {@link #next}, a DOCTYPE, an
 * undeclared entity reference, and names over {@link XmlLimits#maxNameLength()}.
 *
 * <p>It also bounds what parsing leaves behind. Woodstox merges the element and attribute names of
 * every document it has read into one name table shared by every factory in the JVM, which keeps up
 * to 12,000 names of any length; documents that each bring new long names would make it hold
 * gigabytes. This parser lets a document's names into that table only if the document was read
 * without a parser failure and its longest name is at most {@value #SHARED_NAME_LENGTH} characters,
 * so the shared table stays within a few MiB; other documents pay for their names once and leave
 * nothing behind. Not thread-safe: one per reading thread.
 */
public final class HardenedParser {

    /** The longest name a document may have and still share its names with later documents. */
    static final int SHARED_NAME_LENGTH = 256;

    private final XmlLimits limits;
    private final NameGuardedFactory factory;
    private boolean failed;
    private int longestName;

    public HardenedParser(XmlLimits limits) {
        this.limits = limits;
        this.factory = new NameGuardedFactory();
        HardenedXml.configure(factory, limits);
    }

    /**
     * Opens a reader over {@code payload}, checking the size limit first.
     *
     * @throws XmlFailureException for a missing payload ({@code MALFORMED_INPUT}) or one over the
     *     size limit ({@code LIMIT_EXCEEDED})
     */
    public XMLStreamReader2 open(byte[] payload) throws XmlFailureException, XMLStreamException {
        failed = false;
        longestName = 0;
        if (payload == null) {
            throw new XmlFailureException(
                    ErrorReason.MALFORMED_INPUT, "the record has no value", List.of());
        }
        if (payload.length > limits.maxDocumentBytes()) {
            throw new XmlFailureException(
                    ErrorReason.LIMIT_EXCEEDED,
                    "document size "
                            + payload.length
                            + " bytes exceeds the limit maxDocumentBytes="
                            + limits.maxDocumentBytes(),
                    List.of());
        }
        return (XMLStreamReader2)
                factory.createXMLStreamReader(new Stax2ByteArraySource(payload, 0, payload.length));
    }

    /**
     * The next event; a DOCTYPE, an entity reference or a name over the limit is a failure.
     *
     * @throws XmlFailureException {@code DOCTYPE_FORBIDDEN} when the document declares one, {@code
     *     MALFORMED_XML} for an undeclared entity reference, {@code LIMIT_EXCEEDED} when an element
     *     or attribute name, a namespace URI or a processing instruction target is too long
     */
    public int next(XMLStreamReader reader) throws XMLStreamException, XmlFailureException {
        int event;
        try {
            event = reader.next();
        } catch (XMLStreamException | WstxLazyException e) {
            failed = true;
            throw e;
        }
        switch (event) {
            case XMLStreamReader.START_ELEMENT -> checkNames(reader);
            case XMLStreamReader.PROCESSING_INSTRUCTION ->
                    checkName(
                            "a processing instruction target", null, reader.getPITarget(), reader);
            case XMLStreamReader.DTD ->
                    throw fail(
                            ErrorReason.DOCTYPE_FORBIDDEN,
                            "messages may not declare a DOCTYPE",
                            reader);
            case XMLStreamReader.ENTITY_REFERENCE ->
                    throw fail(
                            ErrorReason.MALFORMED_XML,
                            "undeclared entity reference &" + reader.getLocalName() + ";",
                            reader);
            default -> {}
        }
        return event;
    }

    /**
     * Closes {@code reader} (see {@link HardenedXml#close}); its names are shared with later
     * documents only if it was read without failure and they are short.
     */
    public void close(@Nullable XMLStreamReader reader) {
        factory.shareNames = !failed && longestName <= SHARED_NAME_LENGTH;
        try {
            HardenedXml.close(reader);
        } finally {
            factory.shareNames = false;
        }
    }

    private void checkNames(XMLStreamReader reader) throws XmlFailureException {
        checkName("an element name", reader.getPrefix(), reader.getLocalName(), reader);
        for (int i = 0, n = reader.getNamespaceCount(); i < n; i++) {
            String uri = reader.getNamespaceURI(i);
            if (uri != null && uri.length() > limits.maxNameLength()) {
                throw nameTooLong("a namespace URI", uri.length(), reader);
            }
        }
        for (int i = 0, n = reader.getAttributeCount(); i < n; i++) {
            checkName(
                    "an attribute name",
                    reader.getAttributePrefix(i),
                    reader.getAttributeLocalName(i),
                    reader);
        }
    }

    private void checkName(
            String what, @Nullable String prefix, String local, XMLStreamReader reader)
            throws XmlFailureException {
        int length =
                (prefix == null || prefix.isEmpty() ? 0 : prefix.length() + 1) + local.length();
        if (length > limits.maxNameLength()) {
            throw nameTooLong(what, length, reader);
        }
        longestName = Math.max(longestName, length);
    }

    private XmlFailureException nameTooLong(String what, int length, XMLStreamReader reader) {
        return fail(
                ErrorReason.LIMIT_EXCEEDED,
                what
                        + " of "
                        + length
                        + " characters exceeds the limit maxNameLength="
                        + limits.maxNameLength(),
                reader);
    }

    private XmlFailureException fail(ErrorReason reason, String message, XMLStreamReader reader) {
        failed = true;
        return HardenedXml.failure(reason, message, reader);
    }

    /** Woodstox's factory, merging a closed reader's names into the shared table only if told. */
    private static final class NameGuardedFactory extends WstxInputFactory {
        private boolean shareNames;

        @Override
        public synchronized void updateSymbolTable(SymbolTable symbols) {
            if (shareNames) {
                super.updateSymbolTable(symbols);
            }
        }
    }
}
