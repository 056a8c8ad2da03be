package dev.keyflow.reference;

import dev.keyflow.rules.BundlePartCompiler;
import dev.keyflow.rules.FieldSpec;
import dev.keyflow.rules.RuleBundle;
import dev.keyflow.rules.RuleRejectedException;
import dev.keyflow.xml.FieldType;
import dev.keyflow.xml.SchemaBundle;
import dev.keyflow.xml.XmlLimits;
import dev.keyflow.xml.XmlProcessor;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;

/**
 * Compiles the XML part of a rule bundle: its XSDs (with their imports) and field paths become an
 * opened {@link XmlProcessor}, so a bundle whose schema or paths are broken is rejected before it
 * becomes active. This is the bridge between the rules and xml modules, which do not know each
 * other.
 *
 * <p>Bundles carry paths with prefixes; the prefixes are bound here, by the job.
 */
public final class XmlBundlePart implements BundlePartCompiler<XmlProcessor> {

    private static final long serialVersionUID = 1L;

    private final Map<String, String> namespaces;
    private final XmlLimits limits;

    public XmlBundlePart(Map<String, String> namespaces, XmlLimits limits) {
        this.namespaces = Map.copyOf(Objects.requireNonNull(namespaces, "namespaces"));
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    @Override
    public String name() {
        return "xml";
    }

    @Override
    public XmlProcessor compile(RuleBundle bundle) throws RuleRejectedException {
        XmlProcessor.Builder processor =
                XmlProcessor.builder().namespaces(namespaces).limits(limits);
        String where = bundle.name() + "@" + bundle.version();
        try {
            if (bundle.schema() != null) {
                SchemaBundle.Builder schema =
                        SchemaBundle.builder().version(where).mainFile(bundle.schema());
                bundle.xsds()
                        .forEach(
                                (name, text) ->
                                        schema.file(name, text.getBytes(StandardCharsets.UTF_8)));
                processor.schema(schema.build());
            }
            for (Map.Entry<String, FieldSpec> field : bundle.fields().entrySet()) {
                FieldSpec spec = field.getValue();
                switch (spec.type()) {
                    case LIST:
                        processor.repeatedField(field.getKey(), spec.path(), FieldType.STRING);
                        break;
                    case MAP:
                        throw new RuleRejectedException(
                                null,
                                "field '" + field.getKey() + "': type map is not read from XML");
                    default:
                        processor.field(field.getKey(), spec.path(), xmlType(spec.type()));
                }
            }
            XmlProcessor built = processor.build();
            built.open(); // compiles the schema now, so that a broken one rejects the bundle
            return built;
        } catch (RuleRejectedException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new RuleRejectedException(
                    null, "xml part of " + where + ": " + e.getMessage(), e);
        }
    }

    private static FieldType xmlType(dev.keyflow.rules.FieldType type) {
        switch (type) {
            case STRING:
                return FieldType.STRING;
            case INT:
                return FieldType.LONG;
            case DOUBLE:
            case DECIMAL:
                return FieldType.DECIMAL;
            case BOOL:
                return FieldType.BOOLEAN;
            case TIMESTAMP:
                return FieldType.TIMESTAMP;
            default:
                throw new IllegalArgumentException("no XML type for " + type);
        }
    }
}
