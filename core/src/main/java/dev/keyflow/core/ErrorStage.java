package dev.keyflow.core;

/**
 * The pipeline stage at which an {@link ErrorRecord} was produced.
 *
 * <p>Stages appear in metrics ({@code keyflow.errors.<stage>.<reason>}) and in the error headers of
 * DLQ records. New stages may be added at the end; existing ones are never renamed.
 */
public enum ErrorStage {
    /** Reading from the source: the record could not be turned into a {@link RawRecord}. */
    SOURCE,
    /** Finding the key (and event time) of a raw record. */
    KEY_EXTRACTION,
    /** Putting a key's events back into event-time order. */
    RESEQUENCING,
    /** Holding a paused key's events. */
    PAUSE_GATE,
    /** Dropping repeated events. */
    DEDUPLICATION,
    /** Checking a payload against its schema (XSD). */
    VALIDATION,
    /** Pulling typed fields out of a payload. */
    FIELD_EXTRACTION,
    /** Evaluating business rules (CEL) and filters (Aviator). */
    RULES,
    /** Loading, compiling or activating a rule bundle. */
    RULE_BUNDLE,
    /** Calling an external service for enrichment. */
    ENRICHMENT,
    /** The keyed async operator and the business logic it runs (decide). */
    PROCESSING,
    /** Reading or appending the per-key event log. */
    STATE,
    /** Performing an action with a side effect (webhook, outbox). */
    ACTION,
    /** Re-reading an error from the retry topic. */
    RETRY
}
