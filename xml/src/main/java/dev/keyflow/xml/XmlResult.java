package dev.keyflow.xml;

import dev.keyflow.core.ErrorReason;
import dev.keyflow.core.ErrorStage;
import java.util.List;
import java.util.Objects;
import javax.annotation.Nullable;

/**
 * What {@link XmlProcessor} made of one document: the extracted fields, or a typed failure with the
 * stage, reason, a message and the first problems with their line and column.
 */
public final class XmlResult {

    @Nullable private final XmlFields fields;
    @Nullable private final ErrorStage stage;
    @Nullable private final ErrorReason reason;
    private final String message;
    private final List<XmlProblem> problems;

    private XmlResult(
            @Nullable XmlFields fields,
            @Nullable ErrorStage stage,
            @Nullable ErrorReason reason,
            String message,
            List<XmlProblem> problems) {
        this.fields = fields;
        this.stage = stage;
        this.reason = reason;
        this.message = message;
        this.problems = problems;
    }

    /** A valid document and its fields. */
    public static XmlResult success(XmlFields fields) {
        return new XmlResult(Objects.requireNonNull(fields, "fields"), null, null, "", List.of());
    }

    /** A failure at {@code stage} ({@code VALIDATION} or {@code FIELD_EXTRACTION}). */
    public static XmlResult failure(
            ErrorStage stage, ErrorReason reason, String message, List<XmlProblem> problems) {
        return new XmlResult(
                null,
                Objects.requireNonNull(stage, "stage"),
                Objects.requireNonNull(reason, "reason"),
                Objects.requireNonNull(message, "message"),
                List.copyOf(problems));
    }

    public boolean isSuccess() {
        return reason == null;
    }

    /** The fields; only for a success. */
    public XmlFields fields() {
        if (fields == null) {
            throw new IllegalStateException("no fields in a failed result: " + reason);
        }
        return fields;
    }

    /** The stage that failed; only for a failure. */
    public ErrorStage stage() {
        if (stage == null) {
            throw new IllegalStateException("a successful result has no stage");
        }
        return stage;
    }

    /** The failure reason; only for a failure. */
    public ErrorReason reason() {
        if (reason == null) {
            throw new IllegalStateException("a successful result has no reason");
        }
        return reason;
    }

    /** The failure message (first problem and count); empty for a success. */
    public String message() {
        return message;
    }

    /** The first problems found (bounded), each with line and column; empty for a success. */
    public List<XmlProblem> problems() {
        return problems;
    }

    @Override
    public String toString() {
        return isSuccess()
                ? "XmlResult{" + fields + "}"
                : "XmlResult{" + stage + "/" + reason + ": " + message + "}";
    }
}
