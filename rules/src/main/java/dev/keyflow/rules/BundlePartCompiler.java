package dev.keyflow.rules;

import java.io.Serializable;

/**
 * Compiles the part of a bundle another module understands, for example the XSDs and the key and
 * field paths (module xml), so that rules does not depend on that module: the job passes the
 * compiler to {@link BundleCompiler.Builder#part}.
 *
 * <pre>{@code
 * BundlePartCompiler<XmlBundlePart> xml = new BundlePartCompiler<>() {
 *     public String name() { return "xml"; }
 *     public XmlBundlePart compile(RuleBundle bundle) throws RuleRejectedException {
 *         return XmlBundlePart.compile(bundle.xsds(), bundle.schema(), bundle.keyPath(), bundle.fields());
 *     }
 * };
 * XmlBundlePart part = compiledBundle.part(xml);
 * }</pre>
 *
 * <p>{@link #compile} runs once per bundle version, on every parallel instance, before the version
 * is activated; it must be deterministic and must not block for long. A problem is reported by
 * throwing {@link RuleRejectedException}: the whole version is rejected and the previous one stays.
 *
 * @param <T> the compiled part; thread-safe and immutable
 */
public interface BundlePartCompiler<T> extends Serializable {

    /** A unique name for the part, used in rejection messages. */
    String name();

    /** Compiles this compiler's part of {@code bundle}. */
    T compile(RuleBundle bundle) throws RuleRejectedException;
}
