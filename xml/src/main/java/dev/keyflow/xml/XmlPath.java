package dev.keyflow.xml;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.annotation.Nullable;

/**
 * An absolute, namespace-aware location in an XML document: a chain of element names from the root,
 * optionally ending in an attribute.
 *
 * <p>The syntax is the child axis of XPath 1.0 and nothing more: {@code /p:Document/p:Header/p:Id}
 * or {@code /p:Document/p:Header/@id}. A prefix is bound through the namespace map given to {@link
 * #parse}; an unprefixed name has no namespace, as in XPath (a document's default namespace is not
 * inherited). Predicates, wildcards and {@code //} are rejected.
 *
 * <pre>{@code
 * XmlPath path = XmlPath.parse("/p:Document/p:Header/p:MessageId", Map.of("p", "urn:example:pay"));
 * }</pre>
 */
public final class XmlPath implements Serializable {

    private static final long serialVersionUID = 1L;

    private final String expression;
    private final List<Name> elements;
    @Nullable private final Name attribute;

    private XmlPath(String expression, List<Name> elements, @Nullable Name attribute) {
        this.expression = expression;
        this.elements = elements;
        this.attribute = attribute;
    }

    /**
     * Parses {@code expression}, binding prefixes through {@code namespaces} (prefix to URI).
     *
     * @throws IllegalArgumentException if the syntax is not supported or a prefix is unbound
     */
    public static XmlPath parse(String expression, Map<String, String> namespaces) {
        Objects.requireNonNull(expression, "expression");
        Objects.requireNonNull(namespaces, "namespaces");
        if (!expression.startsWith("/") || expression.startsWith("//")) {
            throw new IllegalArgumentException(
                    "path must be absolute, like /p:Document/p:Id, was '" + expression + "'");
        }
        String[] steps = expression.substring(1).split("/", -1);
        List<Name> elements = new ArrayList<>();
        Name attribute = null;
        for (int i = 0; i < steps.length; i++) {
            String step = steps[i];
            boolean last = i == steps.length - 1;
            if (step.startsWith("@")) {
                if (!last || elements.isEmpty()) {
                    throw new IllegalArgumentException(
                            "an attribute may only be the last step after an element, in '"
                                    + expression
                                    + "'");
                }
                attribute = name(step.substring(1), namespaces, expression, true);
            } else {
                elements.add(name(step, namespaces, expression, false));
            }
        }
        return new XmlPath(expression, Collections.unmodifiableList(elements), attribute);
    }

    private static Name name(
            String step, Map<String, String> namespaces, String expression, boolean attribute) {
        if (step.isEmpty() || !step.matches("([\\p{L}_][\\w.\\-]*:)?[\\p{L}_][\\w.\\-]*")) {
            throw new IllegalArgumentException(
                    "unsupported step '"
                            + step
                            + "' in '"
                            + expression
                            + "': only names (prefix:local or local) and a final @attribute");
        }
        int colon = step.indexOf(':');
        if (colon < 0) {
            return new Name("", step);
        }
        String prefix = step.substring(0, colon);
        String uri = namespaces.get(prefix);
        if (uri == null) {
            throw new IllegalArgumentException(
                    "prefix '" + prefix + "' in '" + expression + "' is not bound to a namespace");
        }
        return new Name(uri, step.substring(colon + 1));
    }

    /** The expression as written. */
    public String expression() {
        return expression;
    }

    /** The element steps from the root, at least one. */
    public List<Name> elements() {
        return elements;
    }

    /** The attribute at the end of the path, if the path selects one. */
    @Nullable
    public Name attribute() {
        return attribute;
    }

    /** The number of element steps: the depth of the element the path selects. */
    public int depth() {
        return elements.size();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof XmlPath other
                && elements.equals(other.elements)
                && Objects.equals(attribute, other.attribute);
    }

    @Override
    public int hashCode() {
        return Objects.hash(elements, attribute);
    }

    @Override
    public String toString() {
        return expression;
    }

    /**
     * A namespace-qualified name; {@code namespace} is empty for no namespace.
     *
     * @param namespace the namespace URI, empty for none
     * @param local the local name
     */
    public record Name(String namespace, String local) implements Serializable {
        public Name {
            Objects.requireNonNull(namespace, "namespace");
            Objects.requireNonNull(local, "local");
        }

        /** True if the name matches (namespace URI from a parser; null means none). */
        public boolean matches(@Nullable String namespaceUri, String localName) {
            return local.equals(localName)
                    && namespace.equals(namespaceUri == null ? "" : namespaceUri);
        }
    }
}
