package dev.keyflow.xml.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.annotation.Nullable;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.ls.LSInput;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;

/**
 * Estimates, for every complex type of a schema bundle, how many nodes the JDK's validator will
 * build for its content model, so that a bundle the validator could never use is refused when it is
 * compiled rather than by every document.
 *
 * <p>With secure processing on, the JDK refuses to build a content model of more than {@code
 * jdk.xml.maxOccurLimit} nodes (default 5,000), but it builds a model only when a document first
 * reaches the type: the schema compiles and then every message fails. The JDK expands a model group
 * (sequence, choice) that may occur {@code n} times into {@code n} copies, nested groups multiply,
 * and an element particle is expanded the same way unless it sits where the validator can count it
 * instead (directly in a sequence of once-only groups); wildcards are always counted. This estimate
 * follows those rules from the schema documents themselves and errs on the large side by a few
 * nodes.
 */
public final class ContentModelSize {

    /** The JDK's default for {@code jdk.xml.maxOccurLimit}. */
    public static final int DEFAULT_LIMIT = 5000;

    private static final String XS = XMLConstants.W3C_XML_SCHEMA_NS_URI;
    private static final int UNBOUNDED = -1;
    private static final int MAX_REFERENCE_DEPTH = 64;

    /**
     * The estimate may differ from the JDK's count by a few per cent depending on the shape; a
     * model is refused only when it is clearly over (by more than 1/20), so that no schema the JDK
     * can use is refused. One at the very edge may still fail on the first document that reaches
     * it, as a {@code SCHEMA_VIOLATION} with the JDK's message.
     */
    private static final int TOLERANCE_DIVISOR = 20;

    private final Map<String, Element> groups = new HashMap<>();
    private final Map<String, Element> types = new HashMap<>();
    private final List<Element> complexTypes = new ArrayList<>();

    private ContentModelSize() {}

    /** The limit the JDK applies in this JVM ({@code jdk.xml.maxOccurLimit}, 0 = none). */
    public static int jdkLimit() {
        String value = System.getProperty("jdk.xml.maxOccurLimit");
        if (value == null) {
            return DEFAULT_LIMIT;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            return DEFAULT_LIMIT;
        }
    }

    /**
     * The first complex type whose content model would exceed {@code limit} nodes, described for an
     * error message, if any. Only files reachable from {@code mainFiles} are read.
     */
    public static Optional<String> firstOverLimit(
            Map<String, byte[]> files, List<String> mainFiles, int limit) {
        if (limit <= 0) {
            return Optional.empty();
        }
        ContentModelSize sizes = new ContentModelSize();
        sizes.read(files, mainFiles);
        for (Element type : sizes.complexTypes) {
            long nodes = sizes.typeNodes(type, 0);
            if (nodes > limit + limit / TOLERANCE_DIVISOR) {
                String name = type.getAttribute("name");
                String owner =
                        name.isEmpty()
                                ? "the anonymous type of element '" + ownerName(type) + "'"
                                : "complex type '" + name + "'";
                return Optional.of(
                        owner
                                + " expands to about "
                                + nodes
                                + " content model nodes, more than the JDK validator builds"
                                + " (jdk.xml.maxOccurLimit="
                                + limit
                                + "): no document could be validated; use"
                                + " maxOccurs=\"unbounded\" or smaller bounds on nested groups");
            }
        }
        return Optional.empty();
    }

    private static String ownerName(Element type) {
        Node parent = type.getParentNode();
        return parent instanceof Element element ? element.getAttribute("name") : "?";
    }

    private void read(Map<String, byte[]> files, List<String> mainFiles) {
        BundleResolver resolver = new BundleResolver(files);
        DocumentBuilder builder = documentBuilder();
        Set<String> seen = new HashSet<>();
        Deque<String> pending = new ArrayDeque<>(mainFiles);
        while (!pending.isEmpty()) {
            String name = pending.poll();
            if (!seen.add(name) || !files.containsKey(name)) {
                continue;
            }
            Element schema = parse(builder, files.get(name));
            if (schema == null || !XS.equals(schema.getNamespaceURI())) {
                continue;
            }
            String target = schema.getAttribute("targetNamespace");
            for (Element child : children(schema)) {
                String location = child.getAttribute("schemaLocation");
                if (!location.isEmpty() && isReference(child.getLocalName())) {
                    LSInput input =
                            resolver.resolveResource(
                                    XS, null, null, location, BundleResolver.systemId(name));
                    if (input != null) {
                        pending.add(
                                input.getSystemId().substring(BundleResolver.SCHEME.length() + 2));
                    }
                }
                String defined = child.getAttribute("name");
                if (!defined.isEmpty() && "group".equals(child.getLocalName())) {
                    groups.put(key(target, defined), child);
                    groups.putIfAbsent(defined, child);
                } else if (!defined.isEmpty() && "complexType".equals(child.getLocalName())) {
                    types.put(key(target, defined), child);
                    types.putIfAbsent(defined, child);
                }
            }
            collectComplexTypes(schema);
        }
    }

    private static boolean isReference(String localName) {
        return "include".equals(localName)
                || "import".equals(localName)
                || "redefine".equals(localName)
                || "override".equals(localName);
    }

    private void collectComplexTypes(Element element) {
        for (Element child : children(element)) {
            if ("complexType".equals(child.getLocalName())) {
                complexTypes.add(child);
            }
            collectComplexTypes(child);
        }
    }

    /** The counted nodes of a complex type's content model, its base type's content included. */
    private long typeNodes(Element type, int depth) {
        if (depth > MAX_REFERENCE_DEPTH) {
            return 0;
        }
        for (Element content : children(type)) {
            String kind = content.getLocalName();
            if ("complexContent".equals(kind)) {
                for (Element derivation : children(content)) {
                    Element own = firstParticle(derivation);
                    long nodes = own == null ? 0 : modelNodes(own);
                    if ("extension".equals(derivation.getLocalName())) {
                        Element base = lookup(types, derivation, derivation.getAttribute("base"));
                        nodes += base == null ? 0 : typeNodes(base, depth + 1);
                    }
                    return nodes;
                }
            } else if (isParticle(kind)) {
                return modelNodes(content);
            }
        }
        return 0;
    }

    @Nullable
    private static Element firstParticle(Element parent) {
        for (Element child : children(parent)) {
            if (isParticle(child.getLocalName())) {
                return child;
            }
        }
        return null;
    }

    private static boolean isParticle(String localName) {
        return "sequence".equals(localName)
                || "choice".equals(localName)
                || "all".equals(localName)
                || "group".equals(localName)
                || "element".equals(localName)
                || "any".equals(localName);
    }

    /** A particle with its bounds and its term (a leaf, or a model group's particles). */
    private record Particle(
            int min,
            int max,
            boolean leaf,
            boolean wildcard,
            String compositor,
            List<Particle> particles) {}

    private long modelNodes(Element top) {
        Particle particle = particle(top, 0);
        if (particle == null) {
            return 0;
        }
        if ("all".equals(particle.compositor())) {
            // The JDK validates xs:all with a counter per element, not with a syntax tree.
            return 0;
        }
        return compact(particle) ? compactNodes(particle) : nodes(particle, true);
    }

    @Nullable
    private Particle particle(Element element, int depth) {
        if (depth > MAX_REFERENCE_DEPTH) {
            return null;
        }
        int min = occurs(element.getAttribute("minOccurs"), 1);
        int max = occurs(element.getAttribute("maxOccurs"), 1);
        if (max == 0) {
            return null;
        }
        String kind = element.getLocalName();
        switch (kind) {
            case "element":
                return new Particle(min, max, true, false, "", List.of());
            case "any":
                return new Particle(min, max, true, true, "", List.of());
            case "group":
                Element group = lookup(groups, element, element.getAttribute("ref"));
                Element model = group == null ? null : firstParticle(group);
                if (model == null) {
                    return null;
                }
                Particle term = particle(model, depth + 1);
                return term == null
                        ? null
                        : new Particle(min, max, false, false, term.compositor(), term.particles());
            default:
                List<Particle> particles = new ArrayList<>();
                for (Element child : children(element)) {
                    if (isParticle(child.getLocalName())) {
                        Particle p = particle(child, depth + 1);
                        if (p != null) {
                            particles.add(p);
                        }
                    }
                }
                return new Particle(min, max, false, false, kind, particles);
        }
    }

    /** Whether the JDK builds this model with repeating leaves instead of expanding it. */
    private static boolean compact(Particle p) {
        if (p.leaf()) {
            return true;
        }
        if (p.min() != 1 || p.max() != 1) {
            if (p.particles().size() == 1) {
                Particle only = p.particles().get(0);
                return only.leaf() && only.min() == 1 && only.max() == 1;
            }
            return p.particles().isEmpty();
        }
        for (Particle child : p.particles()) {
            if (!compact(child)) {
                return false;
            }
        }
        return true;
    }

    private static long compactNodes(Particle p) {
        long nodes = p.leaf() ? (p.min() == 1 && p.max() == 1 ? 0 : 1) : 0;
        for (Particle child : p.particles()) {
            nodes += compactNodes(child);
        }
        return nodes + (p.leaf() || p.min() == 1 && p.max() == 1 ? 0 : 1);
    }

    /** The counted nodes of a particle built the way the JDK builds a syntax tree. */
    private static long nodes(Particle p, boolean optimize) {
        if (p.leaf()) {
            return expand(0, p.min(), p.max(), optimize || p.wildcard());
        }
        boolean childOptimize =
                optimize
                        && p.min() == 1
                        && p.max() == 1
                        && ("sequence".equals(p.compositor()) || p.particles().size() == 1);
        long nodes = 0;
        for (Particle child : p.particles()) {
            nodes = saturatedAdd(nodes, nodes(child, childOptimize));
        }
        return expand(nodes, p.min(), p.max(), false);
    }

    /**
     * The counted nodes of a subtree of {@code nodes} counted nodes once it is expanded for
     * min..max: a bound the validator can count costs one node, other bounds copy the subtree.
     */
    private static long expand(long nodes, int min, int max, boolean countable) {
        if (min == 1 && max == 1) {
            return nodes;
        }
        if ((min <= 1 && (max == 1 || max == UNBOUNDED)) || countable) {
            return nodes + 1;
        }
        if (max == UNBOUNDED) {
            return saturatedAdd(saturatedMultiply(nodes, min), 1);
        }
        return saturatedAdd(
                saturatedMultiply(nodes, min), saturatedMultiply(nodes + 1, (long) max - min));
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }

    private static long saturatedMultiply(long a, long b) {
        return b != 0 && a > Long.MAX_VALUE / b ? Long.MAX_VALUE : a * b;
    }

    private static int occurs(String value, int absent) {
        if (value.isEmpty()) {
            return absent;
        }
        if ("unbounded".equals(value.trim())) {
            return UNBOUNDED;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            // Out of int range: the compiler has accepted the schema, so treat it as huge.
            return Integer.MAX_VALUE;
        }
    }

    @Nullable
    private static Element lookup(Map<String, Element> definitions, Element at, String qName) {
        if (qName.isEmpty()) {
            return null;
        }
        int colon = qName.indexOf(':');
        String prefix = colon < 0 ? null : qName.substring(0, colon);
        String local = qName.substring(colon + 1);
        String namespace = at.lookupNamespaceURI(prefix);
        Element found = definitions.get(key(namespace == null ? "" : namespace, local));
        return found != null ? found : definitions.get(local);
    }

    private static String key(String namespace, String local) {
        return "{" + namespace + "}" + local;
    }

    private static List<Element> children(Element parent) {
        List<Element> elements = new ArrayList<>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element element && XS.equals(element.getNamespaceURI())) {
                elements.add(element);
            }
        }
        return elements;
    }

    private static DocumentBuilder documentBuilder() {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newDefaultInstance();
        factory.setNamespaceAware(true);
        try {
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
            DocumentBuilder builder = factory.newDocumentBuilder();
            // Schema files may name an external DTD; it is never read.
            builder.setEntityResolver(
                    (publicId, systemId) -> new InputSource(new StringReader("")));
            builder.setErrorHandler(null);
            return builder;
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException("the JDK document builder lacks a security setting", e);
        }
    }

    @Nullable
    private static Element parse(DocumentBuilder builder, byte[] content) {
        try {
            Document document = builder.parse(new ByteArrayInputStream(content));
            return document.getDocumentElement();
        } catch (SAXException | IOException e) {
            // The schema compiler has accepted the bundle; a file it did not need is not a schema.
            return null;
        }
    }
}
