package dev.keyflow.xml.benchmarks;

import com.ctc.wstx.msv.W3CSchemaFactory;
import com.ctc.wstx.stax.WstxInputFactory;
import com.fasterxml.aalto.stax.InputFactoryImpl;
import dev.keyflow.core.KeyResult;
import dev.keyflow.core.RawRecord;
import dev.keyflow.core.testutils.TestRecords;
import dev.keyflow.xml.CompiledSchema;
import dev.keyflow.xml.FieldType;
import dev.keyflow.xml.SchemaBundle;
import dev.keyflow.xml.XmlKeyExtractor;
import dev.keyflow.xml.XmlLimits;
import dev.keyflow.xml.XmlPath;
import dev.keyflow.xml.XmlProcessor;
import dev.keyflow.xml.XmlResult;
import dev.keyflow.xml.internal.HardenedXml;
import dev.keyflow.xml.internal.PathCapture;
import dev.keyflow.xml.testutils.XmlSamples;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.xml.XMLConstants;
import javax.xml.namespace.NamespaceContext;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamSource;
import javax.xml.validation.Schema;
import javax.xml.validation.SchemaFactory;
import javax.xml.validation.Validator;
import javax.xml.xpath.XPath;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathExpression;
import javax.xml.xpath.XPathFactory;
import org.codehaus.stax2.XMLStreamReader2;
import org.codehaus.stax2.validation.XMLValidationSchema;
import org.codehaus.stax2.validation.XMLValidationSchemaFactory;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

/**
 * The XML stage against its naive alternative (DOM + XPath) and its physical limit (a raw byte
 * scan), on payment messages of 1 KB and 10 KB with the key near the top. See
 * docs/benchmarks/xml.md for the command and the figures.
 *
 * <p>Groups: {@code key*} find the key; {@code validate*} check the XSD; {@code extract*} pull six
 * fields (one repeated); {@code stage*} do all three as the pipeline does; {@code rawScan*} touch
 * bytes only.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class XmlBenchmark {

    private static final String P = XmlSamples.PAYMENT_NS;
    private static final Map<String, String> NS = Map.of("p", P, "c", XmlSamples.COMMON_NS);
    private static final String KEY = "/p:Payment/p:Header/p:MessageId";
    private static final String[][] FIELDS = {
        {"id", KEY, "STRING"},
        {"created", "/p:Payment/p:Header/p:Created", "TIMESTAMP"},
        {"amount", "/p:Payment/p:Body/p:Amount", "DECIMAL"},
        {"currency", "/p:Payment/p:Body/p:Amount/@currency", "STRING"},
        {"urgent", "/p:Payment/p:Body/p:Urgent", "BOOLEAN"},
        {"sequence", "/p:Payment/p:Body/p:Sequence", "LONG"},
    };
    private static final byte[] KEY_TAG = "MessageId>".getBytes(StandardCharsets.US_ASCII);

    @Param({"1024", "10240"})
    public int size;

    private byte[] message;
    private RawRecord record;
    private XmlKeyExtractor keyExtractor;
    private XmlProcessor validateOnly;
    private XmlProcessor extractOnly;
    private XmlProcessor validateAndExtract;
    private WstxInputFactory woodstox;
    private XMLInputFactory aalto;
    private PathCapture keyCapture;
    private DocumentBuilder dom;
    private XPathExpression keyXPath;
    private XPathExpression[] fieldXPaths;
    private XPathExpression refsXPath;
    private Validator jdkValidator;
    private XMLValidationSchema msvSchema;

    @Setup
    public void setUp() throws Exception {
        message = XmlSamples.payment("MSG-0000000001", size);
        record = TestRecords.raw().valueBytes(message).build();
        SchemaBundle bundle =
                SchemaBundle.builder()
                        .version("bench")
                        .files(XmlSamples.paymentSchemaFiles())
                        .mainFile(XmlSamples.PAYMENT_MAIN)
                        .build();

        keyExtractor = XmlKeyExtractor.builder().namespaces(NS).keyPath(KEY).build();
        keyExtractor.open();
        validateOnly = XmlProcessor.builder().schema(bundle).build();
        validateOnly.open();
        extractOnly = fields(XmlProcessor.builder()).build();
        extractOnly.open();
        validateAndExtract = fields(XmlProcessor.builder().schema(bundle)).build();
        validateAndExtract.open();
        CompiledSchema.shared(bundle);

        woodstox = HardenedXml.newInputFactory(XmlLimits.defaults());
        aalto = new InputFactoryImpl();
        aalto.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        aalto.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        keyCapture = new PathCapture(XmlPath.parse(KEY, NS), 64 * 1024);

        // The naive way, with the JDK's own implementations and their secure defaults.
        DocumentBuilderFactory dbf = DocumentBuilderFactory.newDefaultInstance();
        dbf.setNamespaceAware(true);
        dbf.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        dbf.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        dom = dbf.newDocumentBuilder();
        XPath xpath = XPathFactory.newDefaultInstance().newXPath();
        xpath.setNamespaceContext(new Prefixes());
        keyXPath = xpath.compile(KEY);
        refsXPath = xpath.compile("/p:Payment/p:Body/p:Reference");
        fieldXPaths = new XPathExpression[FIELDS.length];
        for (int i = 0; i < FIELDS.length; i++) {
            fieldXPaths[i] = xpath.compile(FIELDS[i][1]);
        }

        // The JDK validator on its own parser, and MSV (shaded in Woodstox) on Woodstox. MSV
        // cannot be given a resolver, so it reads the schema set from a temporary directory.
        Path dir = Files.createTempDirectory("keyflow-xsd");
        for (String name : bundle.fileNames()) {
            Path file = dir.resolve(name);
            Files.createDirectories(file.getParent());
            Files.write(file, bundle.file(name));
        }
        // codes.xsd names an external DTD that the bundle lacks (keyflow's resolver reads it as
        // empty); from a directory the loaders need the file to exist.
        Files.write(dir.resolve("common/XMLSchema.dtd"), new byte[0]);
        SchemaFactory sf = SchemaFactory.newDefaultInstance();
        Schema jdkSchema = sf.newSchema(new StreamSource(dir.resolve("payment.xsd").toFile()));
        jdkValidator = jdkSchema.newValidator();
        XMLValidationSchemaFactory msv = new W3CSchemaFactory();
        msv.setProperty("com.ctc.wstx.msvSchemaExternalAccess", Boolean.TRUE);
        msvSchema = msv.createSchema(new File(dir.toFile(), "payment.xsd"));
        check();
    }

    private static XmlProcessor.Builder fields(XmlProcessor.Builder builder) {
        builder.namespaces(NS);
        for (String[] f : FIELDS) {
            builder.field(f[0], f[1], FieldType.valueOf(f[2]));
        }
        return builder.repeatedField("refs", "/p:Payment/p:Body/p:Reference", FieldType.STRING);
    }

    private void check() throws Exception {
        String[] keys = {
            keyWoodstox().key(),
            keyAaltoSameLoop(),
            keyWoodstoxSameLoop(),
            keyDomXPath(),
            keyRawScan()
        };
        for (String key : keys) {
            if (!"MSG-0000000001".equals(key)) {
                throw new IllegalStateException("a benchmark found key " + key);
            }
        }
        for (XmlResult r :
                new XmlResult[] {
                    validateWoodstoxJdk(), extractWoodstox(), validateAndExtractWoodstoxJdk()
                }) {
            if (!r.isSuccess()) {
                throw new IllegalStateException(r.toString());
            }
        }
        validateJdkOwnParser();
        validateDomJdk();
        validateWoodstoxMsv();
        extractDomXPath();
        stageWoodstoxJdk();
        stageDomXPath();
    }

    // ---- key extraction ------------------------------------------------------------------

    /** keyflow's extractor: hardened Woodstox, stops at the key. */
    @Benchmark
    public KeyResult keyWoodstox() {
        return keyExtractor.extract(record);
    }

    /** The same stop-at-key loop on a bare Woodstox reader (no RawRecord, no KeyResult). */
    @Benchmark
    public String keyWoodstoxSameLoop() throws XMLStreamException {
        return stopAtKey(woodstox);
    }

    /** The same stop-at-key loop on Aalto (same Stax2 API): the parser's own cost. */
    @Benchmark
    public String keyAaltoSameLoop() throws XMLStreamException {
        return stopAtKey(aalto);
    }

    /** The naive way: DOM parse, precompiled XPath. */
    @Benchmark
    public String keyDomXPath() throws Exception {
        Document doc = dom.parse(new ByteArrayInputStream(message));
        return keyXPath.evaluate(doc);
    }

    /** The upper bound: find "MessageId>" in the bytes and read to the next '<'. */
    @Benchmark
    public String keyRawScan() {
        byte[] m = message;
        outer:
        for (int i = 0, n = m.length - KEY_TAG.length; i < n; i++) {
            for (int j = 0; j < KEY_TAG.length; j++) {
                if (m[i + j] != KEY_TAG[j]) {
                    continue outer;
                }
            }
            int start = i + KEY_TAG.length;
            int end = start;
            while (end < m.length && m[end] != '<') {
                end++;
            }
            return new String(m, start, end - start, StandardCharsets.UTF_8);
        }
        return null;
    }

    private String stopAtKey(XMLInputFactory factory) throws XMLStreamException {
        XMLStreamReader reader = factory.createXMLStreamReader(new ByteArrayInputStream(message));
        try {
            keyCapture.reset();
            int depth = 0;
            while (reader.hasNext()) {
                switch (reader.next()) {
                    case XMLStreamConstants.START_ELEMENT:
                        keyCapture.start(reader, ++depth);
                        break;
                    case XMLStreamConstants.CHARACTERS:
                        keyCapture.text(reader, depth);
                        break;
                    case XMLStreamConstants.END_ELEMENT:
                        String key = keyCapture.end(depth--);
                        if (key != null) {
                            return key.strip();
                        }
                        break;
                    default:
                        break;
                }
            }
            return null;
        } catch (dev.keyflow.xml.internal.XmlFailureException e) {
            throw new IllegalStateException(e);
        } finally {
            reader.close();
        }
    }

    // ---- validation ----------------------------------------------------------------------

    /** keyflow's validation: JDK validator fed from the hardened Woodstox stream. */
    @Benchmark
    public XmlResult validateWoodstoxJdk() {
        return validateOnly.process(message);
    }

    /** The JDK validator on its own parser (reused Validator, StreamSource). */
    @Benchmark
    public Validator validateJdkOwnParser() throws Exception {
        jdkValidator.validate(new StreamSource(new ByteArrayInputStream(message)));
        return jdkValidator;
    }

    /** The naive way: DOM parse, then validate the DOM. */
    @Benchmark
    public Document validateDomJdk() throws Exception {
        Document doc = dom.parse(new ByteArrayInputStream(message));
        jdkValidator.validate(new DOMSource(doc));
        return doc;
    }

    /** Woodstox with its stax2 MSV validation (the faster, less complete alternative). */
    @Benchmark
    public int validateWoodstoxMsv() throws XMLStreamException {
        XMLStreamReader2 reader =
                (XMLStreamReader2)
                        woodstox.createXMLStreamReader(new ByteArrayInputStream(message));
        reader.validateAgainst(msvSchema);
        reader.setValidationProblemHandler(
                problem -> {
                    throw new IllegalStateException(problem.getMessage());
                });
        int events = 0;
        while (reader.hasNext()) {
            reader.next();
            events++;
        }
        reader.close();
        return events;
    }

    // ---- field extraction ----------------------------------------------------------------

    /** keyflow's extraction without validation. */
    @Benchmark
    public XmlResult extractWoodstox() {
        return extractOnly.process(message);
    }

    /** The naive way: DOM parse, one precompiled XPath per field. */
    @Benchmark
    public List<Object> extractDomXPath() throws Exception {
        Document doc = dom.parse(new ByteArrayInputStream(message));
        return domFields(doc);
    }

    private List<Object> domFields(Document doc) throws Exception {
        List<Object> values = new ArrayList<>();
        for (XPathExpression x : fieldXPaths) {
            values.add(x.evaluate(doc));
        }
        NodeList refs =
                (NodeList)
                        XPathFactory.newDefaultInstance()
                                .newXPath()
                                .evaluate(
                                        "//*[local-name()='Reference']",
                                        doc,
                                        XPathConstants.NODESET);
        values.add(refs.getLength());
        return values;
    }

    /** keyflow's validate + extract in one pass (compare with validateWoodstoxJdk). */
    @Benchmark
    public XmlResult validateAndExtractWoodstoxJdk() {
        return validateAndExtract.process(message);
    }

    // ---- the whole XML stage -------------------------------------------------------------

    /** keyflow's stage: key extraction (stops early), then validate + extract in one pass. */
    @Benchmark
    public XmlResult stageWoodstoxJdk() {
        keyExtractor.extract(record).key();
        return validateAndExtract.process(message);
    }

    /** The naive stage: DOM parse, XPath key, validate the DOM, XPath fields. */
    @Benchmark
    public List<Object> stageDomXPath() throws Exception {
        Document doc = dom.parse(new ByteArrayInputStream(message));
        keyXPath.evaluate(doc);
        jdkValidator.validate(new DOMSource(doc));
        return domFields(doc);
    }

    /** The physical limit of any full pass: read every byte once. */
    @Benchmark
    public int rawScanWholeDocument() {
        int tags = 0;
        for (byte b : message) {
            if (b == '<') {
                tags++;
            }
        }
        return tags;
    }

    private static final class Prefixes implements NamespaceContext {
        @Override
        public String getNamespaceURI(String prefix) {
            return NS.getOrDefault(prefix, XMLConstants.NULL_NS_URI);
        }

        @Override
        public String getPrefix(String namespaceUri) {
            return null;
        }

        @Override
        public Iterator<String> getPrefixes(String namespaceUri) {
            return List.<String>of().iterator();
        }
    }
}
