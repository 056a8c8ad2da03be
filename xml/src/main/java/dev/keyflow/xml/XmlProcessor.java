package dev.keyflow.xml;

import com.ctc.wstx.exc.WstxLazyException;
import dev.keyflow.core.ErrorReason;
import dev.keyflow.core.ErrorStage;
import dev.keyflow.xml.internal.Conversions;
import dev.keyflow.xml.internal.HardenedParser;
import dev.keyflow.xml.internal.HardenedXml;
import dev.keyflow.xml.internal.PathCapture;
import dev.keyflow.xml.internal.SaxBridge;
import dev.keyflow.xml.internal.XmlFailureException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.annotation.Nullable;
import javax.xml.stream.Location;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import javax.xml.validation.ValidatorHandler;
import org.xml.sax.ErrorHandler;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;

/**
 * Validates an XML document against its bundle's XSD and extracts typed fields, in one streaming
 * pass of the hardened parser.
 *
 * <p>A processor is a serializable spec; {@link #open()} (once per parallel instance) creates the
 * parser factory, takes the bundle's {@link CompiledSchema#shared shared compiled schema} and a
 * validator of its own. {@link #process} is then called by one thread at a time.
 *
 * <p>Guarantees and failure modes, all returned as values in {@link XmlResult}:
 *
 * <ul>
 *   <li>The document is read once, by the same hardened parser as the key extractor (no DOCTYPE, no
 *       external entities, {@link XmlLimits}); the validator sees that parser's events and never
 *       the raw bytes. Parser failures are {@code MALFORMED_XML}, {@code MALFORMED_INPUT}, {@code
 *       DOCTYPE_FORBIDDEN} or {@code LIMIT_EXCEEDED}.
 *   <li>With a schema, an invalid document is {@code SCHEMA_VIOLATION} (stage {@code VALIDATION})
 *       with the validator's first problems, each with line and column; reading stops after {@code
 *       maxReportedProblems} of them. The validator is the JDK's strict XSD 1.0 one (identity
 *       constraints included); a document cannot make it load anything ({@code xsi:schemaLocation}
 *       hints are ignored).
 *   <li>Fields: a value that does not convert to its declared type, or a single field found twice,
 *       is {@code FIELD_INVALID} (stage {@code FIELD_EXTRACTION}) naming the field. Schema
 *       violations are reported before field problems.
 * </ul>
 */
public final class XmlProcessor implements Serializable {

    private static final long serialVersionUID = 1L;

    /**
     * After how many characters handed to one JDK validator it is replaced by a new one. The
     * validator keeps every distinct name and namespace URI it has seen; this budget bounds what it
     * can hold (a few tens of MiB at most) while the cost of a new validator (tens of microseconds)
     * is spread over thousands of ordinary documents.
     */
    static final long VALIDATOR_RENEWAL_CHARACTERS = 8L * 1024 * 1024;

    @Nullable private final SchemaBundle schema;
    private final List<FieldSpec> fields;
    private final XmlLimits limits;
    private final int maxReportedProblems;

    private transient HardenedParser parser;
    @Nullable private transient CompiledSchema compiled;
    @Nullable private transient SaxBridge bridge;
    private transient Problems problems;
    private transient PathCapture[] captures;
    private transient Object[] values;
    private transient String conversionFailure;
    private transient XmlProblem conversionProblem;

    private XmlProcessor(Builder b) {
        this.schema = b.schema;
        List<FieldSpec> specs = new ArrayList<>();
        for (PendingField f : b.fields) {
            specs.add(
                    new FieldSpec(f.name, XmlPath.parse(f.path, b.namespaces), f.type, f.repeated));
        }
        this.fields = List.copyOf(specs);
        this.limits = b.limits;
        this.maxReportedProblems = b.maxReportedProblems;
    }

    /** A builder; set a schema, fields, or both. */
    public static Builder builder() {
        return new Builder();
    }

    /** The schema bundle validated against, if any. */
    @Nullable
    public SchemaBundle schema() {
        return schema;
    }

    /** The declared fields. */
    public List<FieldSpec> fields() {
        return fields;
    }

    /**
     * Creates the parser factory and the validator.
     *
     * @throws SchemaBundleException if the schema bundle does not compile
     */
    public void open() {
        parser = new HardenedParser(limits);
        problems = new Problems(maxReportedProblems);
        if (schema != null) {
            compiled = CompiledSchema.shared(schema);
            bridge = newBridge();
        }
        captures = new PathCapture[fields.size()];
        for (int i = 0; i < captures.length; i++) {
            captures[i] = new PathCapture(fields.get(i).path(), limits.maxTextLength());
        }
        values = new Object[fields.size()];
    }

    /** Validates {@code payload} and extracts its fields. */
    public XmlResult process(byte[] payload) {
        if (parser == null) {
            open();
        }
        reset();
        ErrorStage stage = schema != null ? ErrorStage.VALIDATION : ErrorStage.FIELD_EXTRACTION;
        XMLStreamReader reader = null;
        try {
            reader = parser.open(payload);
            read(reader);
        } catch (XmlFailureException e) {
            return XmlResult.failure(
                    stage, e.reason(), describe(e.getMessage(), e.problems()), e.problems());
        } catch (XMLStreamException | WstxLazyException e) {
            // Woodstox parses text lazily and reports those errors unchecked, wrapped.
            XmlFailureException failure =
                    e instanceof WstxLazyException lazy
                            ? HardenedXml.classify(lazy)
                            : HardenedXml.classify((XMLStreamException) e);
            return XmlResult.failure(
                    stage,
                    failure.reason(),
                    describe(failure.getMessage(), failure.problems()),
                    failure.problems());
        } catch (SAXException e) {
            if (problems.list.isEmpty()) {
                problems.list.add(new XmlProblem(-1, -1, String.valueOf(e.getMessage())));
            }
        } finally {
            parser.close(reader);
        }
        if (!problems.list.isEmpty()) {
            return XmlResult.failure(
                    ErrorStage.VALIDATION,
                    ErrorReason.SCHEMA_VIOLATION,
                    describe(
                            "the document does not conform to schema bundle " + schema.version(),
                            problems.list),
                    problems.list);
        }
        if (conversionFailure != null) {
            return XmlResult.failure(
                    ErrorStage.FIELD_EXTRACTION,
                    ErrorReason.FIELD_INVALID,
                    conversionFailure,
                    List.of(conversionProblem));
        }
        Map<String, Object> result = new LinkedHashMap<>();
        for (int i = 0; i < values.length; i++) {
            FieldSpec spec = fields.get(i);
            Object value = values[i];
            if (spec.repeated()) {
                @SuppressWarnings("unchecked")
                List<Object> list = (List<Object>) value;
                value = list == null ? List.of() : List.copyOf(list);
            }
            result.put(spec.name(), value);
        }
        return XmlResult.success(new XmlFields(result));
    }

    private SaxBridge newBridge() {
        ValidatorHandler validator = compiled.newValidatorHandler();
        validator.setErrorHandler(problems);
        return new SaxBridge(validator);
    }

    private void reset() {
        if (bridge != null && bridge.charactersFed() > VALIDATOR_RENEWAL_CHARACTERS) {
            bridge = newBridge();
        }
        problems.list.clear();
        conversionFailure = null;
        conversionProblem = null;
        for (int i = 0; i < captures.length; i++) {
            captures[i].reset();
            values[i] = null;
        }
    }

    private void read(XMLStreamReader reader)
            throws XMLStreamException, XmlFailureException, SAXException {
        boolean validating = bridge != null;
        if (validating) {
            bridge.startDocument(reader);
        }
        int depth = 0;
        while (true) {
            int event = parser.next(reader);
            switch (event) {
                case XMLStreamConstants.START_ELEMENT:
                    depth++;
                    if (validating) {
                        bridge.startElement();
                    }
                    for (int i = 0; i < captures.length; i++) {
                        String value = captures[i].start(reader, depth);
                        if (value != null) {
                            accept(i, value, reader);
                        }
                    }
                    break;
                case XMLStreamConstants.CHARACTERS:
                case XMLStreamConstants.CDATA:
                case XMLStreamConstants.SPACE:
                    if (validating) {
                        bridge.characters();
                    }
                    for (PathCapture capture : captures) {
                        capture.text(reader, depth);
                    }
                    break;
                case XMLStreamConstants.END_ELEMENT:
                    if (validating) {
                        bridge.endElement();
                    }
                    for (int i = 0; i < captures.length; i++) {
                        String value = captures[i].end(depth);
                        if (value != null) {
                            accept(i, value, reader);
                        }
                    }
                    depth--;
                    break;
                case XMLStreamConstants.END_DOCUMENT:
                    if (validating) {
                        bridge.endDocument();
                    }
                    return;
                default:
                    break;
            }
        }
    }

    private void accept(int index, String text, XMLStreamReader reader) {
        if (conversionFailure != null) {
            return;
        }
        FieldSpec spec = fields.get(index);
        Object value;
        try {
            value = Conversions.convert(text, spec.type());
        } catch (IllegalArgumentException e) {
            fieldProblem(spec, e.getMessage(), reader);
            return;
        }
        if (spec.repeated()) {
            @SuppressWarnings("unchecked")
            List<Object> list = (List<Object>) values[index];
            if (list == null) {
                list = new ArrayList<>();
                values[index] = list;
            }
            list.add(value);
        } else if (values[index] != null) {
            fieldProblem(spec, "occurs more than once but is not declared repeated", reader);
        } else {
            values[index] = value;
        }
    }

    private void fieldProblem(FieldSpec spec, String what, XMLStreamReader reader) {
        Location at = reader.getLocation();
        conversionFailure = "field " + spec.name() + " at " + spec.path() + ": " + what;
        conversionProblem =
                new XmlProblem(
                        at == null ? -1 : at.getLineNumber(),
                        at == null ? -1 : at.getColumnNumber(),
                        conversionFailure);
    }

    private static String describe(String message, List<XmlProblem> problems) {
        if (problems.isEmpty()) {
            return message;
        }
        String first = message + ": " + problems.get(0);
        return problems.size() == 1 ? first : first + " (and " + (problems.size() - 1) + " more)";
    }

    /** Collects validation errors; stops the pass once enough are known. */
    private static final class Problems implements ErrorHandler {
        private final int max;
        private final List<XmlProblem> list = new ArrayList<>();

        Problems(int max) {
            this.max = max;
        }

        private void add(SAXParseException e) throws SAXException {
            list.add(new XmlProblem(e.getLineNumber(), e.getColumnNumber(), e.getMessage()));
            if (list.size() >= max) {
                throw new SAXException("stopped after " + max + " problems");
            }
        }

        @Override
        public void warning(SAXParseException e) {
            // Warnings do not make a document invalid; they are not reported.
        }

        @Override
        public void error(SAXParseException e) throws SAXException {
            add(e);
        }

        @Override
        public void fatalError(SAXParseException e) throws SAXException {
            add(e);
            throw e;
        }
    }

    private record PendingField(String name, String path, FieldType type, boolean repeated) {}

    /**
     * Builds an {@link XmlProcessor}.
     *
     * <pre>{@code
     * XmlProcessor processor =
     *         XmlProcessor.builder()
     *                 .schema(bundle) // optional: validate
     *                 .namespace("p", "urn:example:payments")
     *                 .field("amount", "/p:Payment/p:Body/p:Amount", FieldType.DECIMAL)
     *                 .field("currency", "/p:Payment/p:Body/p:Amount/@currency", FieldType.STRING)
     *                 .repeatedField("refs", "/p:Payment/p:Body/p:Reference", FieldType.STRING)
     *                 .build();
     * processor.open();
     * XmlResult result = processor.process(payload);
     * }</pre>
     */
    public static final class Builder {
        private SchemaBundle schema;
        private final Map<String, String> namespaces = new LinkedHashMap<>();
        private final List<PendingField> fields = new ArrayList<>();
        private XmlLimits limits = XmlLimits.defaults();
        private int maxReportedProblems = 5;

        private Builder() {}

        /** Validates every document against this bundle's main schemas. */
        public Builder schema(SchemaBundle schema) {
            this.schema = Objects.requireNonNull(schema, "schema");
            return this;
        }

        /** Binds {@code prefix} (used in field paths) to a namespace URI. */
        public Builder namespace(String prefix, String uri) {
            Objects.requireNonNull(prefix, "prefix");
            Objects.requireNonNull(uri, "uri");
            if (prefix.isEmpty() || uri.isEmpty()) {
                throw new IllegalArgumentException("prefix and uri must not be empty");
            }
            namespaces.put(prefix, uri);
            return this;
        }

        /** Binds every prefix of {@code prefixToUri}. */
        public Builder namespaces(Map<String, String> prefixToUri) {
            Objects.requireNonNull(prefixToUri, "prefixToUri").forEach(this::namespace);
            return this;
        }

        /** A field found at most once; absent means null. */
        public Builder field(String name, String path, FieldType type) {
            return add(name, path, type, false);
        }

        /** A field collected into a list, in document order; absent means an empty list. */
        public Builder repeatedField(String name, String path, FieldType type) {
            return add(name, path, type, true);
        }

        private Builder add(String name, String path, FieldType type, boolean repeated) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(type, "type");
            if (name.isBlank()) {
                throw new IllegalArgumentException("name must not be blank");
            }
            for (PendingField f : fields) {
                if (f.name.equals(name)) {
                    throw new IllegalArgumentException("name '" + name + "' is declared twice");
                }
            }
            fields.add(new PendingField(name, path, type, repeated));
            return this;
        }

        /** The document limits (default {@link XmlLimits#defaults()}). */
        public Builder limits(XmlLimits limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /** How many validation problems are collected before reading stops (default 5). */
        public Builder maxReportedProblems(int maxReportedProblems) {
            if (maxReportedProblems < 1) {
                throw new IllegalArgumentException(
                        "maxReportedProblems must be at least 1, was " + maxReportedProblems);
            }
            this.maxReportedProblems = maxReportedProblems;
            return this;
        }

        /**
         * The processor.
         *
         * @throws IllegalArgumentException with neither schema nor fields, or if a path does not
         *     parse
         */
        public XmlProcessor build() {
            if (schema == null && fields.isEmpty()) {
                throw new IllegalArgumentException("set a schema, fields, or both");
            }
            return new XmlProcessor(this);
        }
    }
}
