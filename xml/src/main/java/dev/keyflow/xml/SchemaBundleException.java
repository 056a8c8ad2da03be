package dev.keyflow.xml;

import dev.keyflow.core.KeyflowConfigException;
import java.util.List;

/**
 * A schema bundle that does not compile: a file is not valid XSD, a referenced type is missing, or
 * a location is not in the bundle. A rule-bundle loader turns it into a {@code BUNDLE_REJECTED}
 * error and keeps the previous version.
 */
public final class SchemaBundleException extends KeyflowConfigException {

    private static final long serialVersionUID = 1L;

    private final List<XmlProblem> problems;

    SchemaBundleException(String message, List<XmlProblem> problems, Throwable cause) {
        super(message, cause);
        this.problems = List.copyOf(problems);
    }

    /** What the schema compiler reported (the first few), with file positions. */
    public List<XmlProblem> problems() {
        return problems;
    }
}
