package dev.keyflow.xml;

import java.io.Serializable;
import java.util.Objects;

/**
 * One problem found in a document: where it is and what the parser or validator said.
 *
 * @param line the 1-based line, or -1 if unknown
 * @param column the 1-based column, or -1 if unknown
 * @param message the parser's or validator's message
 */
public record XmlProblem(int line, int column, String message) implements Serializable {

    public XmlProblem {
        Objects.requireNonNull(message, "message");
    }

    @Override
    public String toString() {
        return "line " + line + ", column " + column + ": " + message;
    }
}
