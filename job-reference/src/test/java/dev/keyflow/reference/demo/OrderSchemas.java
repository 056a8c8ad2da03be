package dev.keyflow.reference.demo;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.net.URL;
import java.util.Objects;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.transform.stream.StreamSource;
import javax.xml.validation.Schema;
import javax.xml.validation.SchemaFactory;
import javax.xml.validation.Validator;
import org.w3c.dom.ls.LSInput;
import org.xml.sax.SAXException;

/**
 * The reference domain's XSDs from the classpath ({@code rules/orders/orders.xsd} importing {@code
 * rules/orders/common/types.xsd}, resolved here), and a hardened parser; for checking generated
 * documents in tests.
 */
final class OrderSchemas {

    private static final String ORDERS = "rules/orders/orders.xsd";
    private static final String TYPES = "rules/orders/common/types.xsd";

    private final Schema schema;

    OrderSchemas() throws SAXException, IOException {
        SchemaFactory factory = SchemaFactory.newInstance(XMLConstants.W3C_XML_SCHEMA_NS_URI);
        factory.setResourceResolver(
                (type, namespace, publicId, systemId, baseUri) -> {
                    if (!"urn:keyflow:common:v1".equals(namespace)
                            || !"common/types.xsd".equals(systemId)) {
                        throw new IllegalArgumentException(
                                "unexpected schema import " + namespace + " at " + systemId);
                    }
                    return new ClasspathInput(TYPES, publicId);
                });
        try (InputStream orders = resource(ORDERS).openStream()) {
            schema = factory.newSchema(new StreamSource(orders, ORDERS));
        }
    }

    /** Validates {@code xml}; throws the parser's or validator's exception if it is not valid. */
    void validate(byte[] xml) throws SAXException, IOException {
        Validator validator = schema.newValidator();
        validator.setProperty(XMLConstants.ACCESS_EXTERNAL_DTD, "");
        validator.validate(new StreamSource(new ByteArrayInputStream(xml)));
    }

    /** Parses {@code xml} refusing any DOCTYPE; throws if it is not well-formed or has one. */
    static void parseHardened(byte[] xml)
            throws ParserConfigurationException, SAXException, IOException {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        factory.newDocumentBuilder().parse(new ByteArrayInputStream(xml));
    }

    private static URL resource(String name) {
        return Objects.requireNonNull(
                OrderSchemas.class.getClassLoader().getResource(name), "no resource " + name);
    }

    /** An {@link LSInput} reading a classpath resource. */
    private static final class ClasspathInput implements LSInput {
        private final String name;
        private final String publicId;

        ClasspathInput(String name, String publicId) {
            this.name = name;
            this.publicId = publicId;
        }

        @Override
        public InputStream getByteStream() {
            try {
                return resource(name).openStream();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        @Override
        public String getSystemId() {
            return name;
        }

        @Override
        public String getPublicId() {
            return publicId;
        }

        @Override
        public Reader getCharacterStream() {
            return null;
        }

        @Override
        public String getStringData() {
            return null;
        }

        @Override
        public String getEncoding() {
            return null;
        }

        @Override
        public String getBaseURI() {
            return null;
        }

        @Override
        public boolean getCertifiedText() {
            return false;
        }

        @Override
        public void setCharacterStream(Reader characterStream) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void setByteStream(InputStream byteStream) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void setStringData(String stringData) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void setSystemId(String systemId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void setPublicId(String publicId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void setBaseURI(String baseURI) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void setEncoding(String encoding) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void setCertifiedText(boolean certifiedText) {
            throw new UnsupportedOperationException();
        }
    }
}
