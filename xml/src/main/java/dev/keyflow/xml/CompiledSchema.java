package dev.keyflow.xml;

import dev.keyflow.xml.internal.BundleResolver;
import dev.keyflow.xml.internal.ContentModelSize;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import javax.xml.XMLConstants;
import javax.xml.transform.Source;
import javax.xml.transform.stream.StreamSource;
import javax.xml.validation.Schema;
import javax.xml.validation.SchemaFactory;
import javax.xml.validation.ValidatorHandler;
import org.xml.sax.ErrorHandler;
import org.xml.sax.SAXException;
import org.xml.sax.SAXNotRecognizedException;
import org.xml.sax.SAXNotSupportedException;
import org.xml.sax.SAXParseException;

/**
 * The schemas of a {@link SchemaBundle}, compiled once and safe to share between threads.
 *
 * <p>Compiled with the JDK's own XSD 1.0 implementation ({@link
 * SchemaFactory#newDefaultInstance()}, never a {@code newInstance()} lookup that a xercesImpl on
 * the classpath would redirect), with secure processing on, all external access switched off and
 * every location resolved from the bundle (see {@link SchemaBundle}). It checks the full XSD 1.0
 * language, identity constraints ({@code xs:unique}, {@code xs:key}, {@code xs:keyref}) included.
 *
 * <p>{@link #shared} keeps the most recently used compiled bundles (by content), so every parallel
 * instance of an operator that opens the same bundle version gets the same compiled schema.
 */
public final class CompiledSchema {

    private static final int MAX_PROBLEMS = 10;
    private static final int CACHE_SIZE = 16;

    private static final Map<String, CompiledSchema> CACHE =
            new LinkedHashMap<>(CACHE_SIZE, 0.75f, true) {
                private static final long serialVersionUID = 1L;

                @Override
                protected boolean removeEldestEntry(Map.Entry<String, CompiledSchema> eldest) {
                    return size() > CACHE_SIZE;
                }
            };

    private final SchemaBundle bundle;
    private final Schema schema;

    private CompiledSchema(SchemaBundle bundle, Schema schema) {
        this.bundle = bundle;
        this.schema = schema;
    }

    /**
     * The compiled schema of {@code bundle}, compiled on first use and then shared by every caller
     * in this JVM (the last {@value #CACHE_SIZE} bundles are kept).
     *
     * @throws SchemaBundleException if the bundle does not compile
     */
    public static CompiledSchema shared(SchemaBundle bundle) {
        Objects.requireNonNull(bundle, "bundle");
        synchronized (CACHE) {
            CompiledSchema cached = CACHE.get(bundle.fingerprint());
            if (cached != null) {
                return cached;
            }
            CompiledSchema compiled = compile(bundle);
            CACHE.put(bundle.fingerprint(), compiled);
            return compiled;
        }
    }

    /**
     * Compiles {@code bundle} now, without the shared cache.
     *
     * @throws SchemaBundleException if the bundle does not compile
     */
    public static CompiledSchema compile(SchemaBundle bundle) {
        Objects.requireNonNull(bundle, "bundle");
        BundleResolver resolver = new BundleResolver(bundle.filesView());
        Collector errors = new Collector(MAX_PROBLEMS);
        SchemaFactory factory = SchemaFactory.newDefaultInstance();
        try {
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setProperty(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
            factory.setProperty(XMLConstants.ACCESS_EXTERNAL_DTD, "");
        } catch (SAXNotRecognizedException | SAXNotSupportedException e) {
            throw new IllegalStateException("the JDK schema factory lacks a security setting", e);
        }
        factory.setResourceResolver(resolver);
        factory.setErrorHandler(errors);
        List<Source> sources = new ArrayList<>();
        for (String main : bundle.mainFiles()) {
            sources.add(
                    new StreamSource(
                            new ByteArrayInputStream(bundle.filesView().get(main)),
                            BundleResolver.systemId(main)));
        }
        Schema schema;
        SAXException failure = null;
        try {
            schema = factory.newSchema(sources.toArray(new Source[0]));
        } catch (SAXException e) {
            schema = null;
            failure = e;
        }
        List<String> refused = resolver.refused();
        if (schema == null || !errors.problems.isEmpty() || !refused.isEmpty()) {
            String message =
                    "schema bundle "
                            + bundle.version()
                            + " does not compile"
                            + (refused.isEmpty()
                                    ? ""
                                    : ": locations not in the bundle (never fetched): " + refused)
                            + (errors.problems.isEmpty()
                                    ? (failure == null ? "" : ": " + failure.getMessage())
                                    : ": " + errors.problems.get(0));
            throw new SchemaBundleException(message, errors.problems, failure);
        }
        Optional<String> tooLarge =
                ContentModelSize.firstOverLimit(
                        bundle.filesView(), bundle.mainFiles(), ContentModelSize.jdkLimit());
        if (tooLarge.isPresent()) {
            String message =
                    "schema bundle " + bundle.version() + " does not compile: " + tooLarge.get();
            throw new SchemaBundleException(
                    message, List.of(new XmlProblem(-1, -1, tooLarge.get())), null);
        }
        return new CompiledSchema(bundle, schema);
    }

    /** The bundle this was compiled from. */
    public SchemaBundle bundle() {
        return bundle;
    }

    /** A new validator handler, locked down like the schema (one per thread; reusable). */
    ValidatorHandler newValidatorHandler() {
        ValidatorHandler handler = schema.newValidatorHandler();
        try {
            handler.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            handler.setProperty(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
            handler.setProperty(XMLConstants.ACCESS_EXTERNAL_DTD, "");
        } catch (SAXNotRecognizedException | SAXNotSupportedException e) {
            throw new IllegalStateException("the JDK validator lacks a security setting", e);
        }
        // Messages cannot pull in schemas (xsi:schemaLocation): nothing resolves.
        handler.setResourceResolver((type, namespaceUri, publicId, systemId, baseUri) -> null);
        return handler;
    }

    /** Collects the first problems; warnings are problems too (an unresolved import is one). */
    private static final class Collector implements ErrorHandler {
        private final int max;
        private final List<XmlProblem> problems = new ArrayList<>();

        Collector(int max) {
            this.max = max;
        }

        private void add(SAXParseException e) {
            if (problems.size() < max) {
                String where = e.getSystemId() == null ? "" : e.getSystemId() + ": ";
                problems.add(
                        new XmlProblem(
                                e.getLineNumber(), e.getColumnNumber(), where + e.getMessage()));
            }
        }

        @Override
        public void warning(SAXParseException e) {
            add(e);
        }

        @Override
        public void error(SAXParseException e) {
            add(e);
        }

        @Override
        public void fatalError(SAXParseException e) throws SAXException {
            add(e);
            throw e;
        }
    }
}
