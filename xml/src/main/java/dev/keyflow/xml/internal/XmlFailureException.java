package dev.keyflow.xml.internal;

import dev.keyflow.core.ErrorReason;
import dev.keyflow.xml.XmlProblem;
import java.util.List;

/**
 * A typed failure found while reading a document. It is thrown only inside the parse loop (it
 * unwinds nested helpers cheaply, without a stack trace) and is always turned into a result value
 * before it leaves keyflow's code.
 */
public final class XmlFailureException extends Exception {

    private static final long serialVersionUID = 1L;

    private final ErrorReason reason;
    private final transient List<XmlProblem> problems;

    public XmlFailureException(ErrorReason reason, String message, List<XmlProblem> problems) {
        super(message, null, false, false);
        this.reason = reason;
        this.problems = List.copyOf(problems);
    }

    public ErrorReason reason() {
        return reason;
    }

    public List<XmlProblem> problems() {
        return problems;
    }
}
