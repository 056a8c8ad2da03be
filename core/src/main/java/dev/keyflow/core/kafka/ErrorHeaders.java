package dev.keyflow.core.kafka;

/**
 * Names of the headers that the {@link ErrorSink} adds to every dead-letter and retry record.
 *
 * <p>The record value is the original payload and the original headers are kept, so that a DLQ
 * record can be replayed onto the input topic as it was. Headers of earlier failures (names
 * starting with {@code keyflow.error.} or {@code keyflow.origin.}) are replaced, not repeated;
 * other headers, also other {@value #PREFIX} ones such as a job's retry bookkeeping, are kept. All
 * values are UTF-8 strings.
 */
public final class ErrorHeaders {

    /** Every keyflow error header starts with this. */
    public static final String PREFIX = "keyflow.";

    public static final String STAGE = "keyflow.error.stage";
    public static final String REASON = "keyflow.error.reason";
    public static final String TRANSIENT = "keyflow.error.transient";
    public static final String MESSAGE = "keyflow.error.message";
    public static final String KEY = "keyflow.error.key";
    public static final String ATTEMPT = "keyflow.error.attempt";
    public static final String RULE_VERSION = "keyflow.error.rule-version";
    public static final String TIME = "keyflow.error.time";
    public static final String ORIGIN_TOPIC = "keyflow.origin.topic";
    public static final String ORIGIN_PARTITION = "keyflow.origin.partition";
    public static final String ORIGIN_OFFSET = "keyflow.origin.offset";
    public static final String ORIGIN_TIMESTAMP = "keyflow.origin.timestamp";

    private ErrorHeaders() {}

    /** Whether the error sink writes this header itself (and so drops an earlier copy). */
    public static boolean isWrittenBySink(String name) {
        return name.startsWith("keyflow.error.") || name.startsWith("keyflow.origin.");
    }
}
