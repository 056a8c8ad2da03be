package dev.keyflow.core;

/**
 * The documented vocabulary of failure reasons.
 *
 * <p>Every failure in a keyflow pipeline ends as an {@link ErrorRecord} with one of these reasons.
 * A reason is either <em>transient</em> (the same input may succeed later: it is sent to the retry
 * topic) or <em>fatal</em> (the input itself is at fault: it is sent to the dead letter topic).
 * {@code docs/errors.md} lists where each reason is produced.
 *
 * <p>Reasons may be added at the end; existing ones are never renamed or re-ordered, because they
 * are kept in state and in DLQ headers.
 */
public enum ErrorReason {
    // ---- input -----------------------------------------------------------------------------
    /** The payload is not well-formed XML. */
    MALFORMED_XML(false),
    /** The payload is not well-formed JSON. */
    MALFORMED_JSON(false),
    /** The payload (or its key) is not valid in its declared encoding, or is missing. */
    MALFORMED_INPUT(false),
    /** The document declares a DOCTYPE; messages may never carry one. */
    DOCTYPE_FORBIDDEN(false),
    /** The document exceeds a parser limit (depth, attribute count, text length, size). */
    LIMIT_EXCEEDED(false),
    /** No key was found where the extractor looks for it. */
    KEY_MISSING(false),
    /** A key was found but it is empty or blank. */
    KEY_EMPTY(false),
    /** The event time could not be read or is out of range. */
    EVENT_TIME_INVALID(false),

    // ---- ordering and buffering -------------------------------------------------------------
    /** The event arrived after the watermark had passed its timestamp. */
    LATE(false),
    /** A per-key buffer was full and the overflow policy routes new events to errors. */
    BUFFER_OVERFLOW(false),
    /** The event repeats one already seen (reported only if the deduplicator is told to). */
    DUPLICATE(false),

    // ---- validation and rules ---------------------------------------------------------------
    /** The payload does not conform to its schema. */
    SCHEMA_VIOLATION(false),
    /** A declared field is missing or has the wrong type. */
    FIELD_INVALID(false),
    /** A business rule is violated. */
    RULE_VIOLATION(false),
    /** A rule failed to evaluate (for example it reads a missing field). */
    RULE_ERROR(false),
    /** A rule bundle was rejected (does not compile, type-check or load); the old one stays. */
    BUNDLE_REJECTED(false),
    /** No rule bundle is active yet for this input. */
    BUNDLE_MISSING(true),

    // ---- services ---------------------------------------------------------------------------
    /** A service failed in a way that may pass (connect error, 5xx, 429). */
    SERVICE_UNAVAILABLE(true),
    /** A call did not finish within its timeout. */
    TIMEOUT(true),
    /** A circuit breaker is open; the call was not attempted. */
    CIRCUIT_OPEN(true),
    /** A rate limit was hit and the element could not wait. */
    RATE_LIMITED(true),
    /** A service rejected the request in a way that will not pass (4xx other than 429). */
    SERVICE_REJECTED(false),
    /** The retries allowed for a transient failure are used up. */
    RETRIES_EXHAUSTED(false),

    // ---- business logic ---------------------------------------------------------------------
    /** The event is not allowed in the key's current state (state machine). */
    INVALID_TRANSITION(false),
    /** The business logic rejected the event for a reason of its own (see the message). */
    BUSINESS_REJECTED(false),
    /** User code threw an unexpected exception; the message names the exception. */
    PROCESSING_FAILED(false),

    // ---- added later (reasons are only ever appended) ---------------------------------------
    /**
     * The keyed async operator's backlog for the element's key was full: the element, and the key's
     * later ones until the key has caught up, were not processed (they may succeed later).
     */
    BACKLOG_FULL(true);

    private final boolean isTransient;

    ErrorReason(boolean isTransient) {
        this.isTransient = isTransient;
    }

    /** True if retrying the same input later may succeed; such errors go to the retry topic. */
    public boolean isTransient() {
        return isTransient;
    }
}
