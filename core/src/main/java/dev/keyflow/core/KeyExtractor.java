package dev.keyflow.core;

import java.io.Serializable;

/**
 * Finds the business key of a raw record.
 *
 * <p>An extractor is created on the client, serialized into the job and opened once per parallel
 * instance: parsers, factories and compiled paths are created in {@link #open()}, never per record.
 * {@link #extract} is called on one thread at a time.
 *
 * <p>Failures are values: return {@link KeyResult#failure} with a reason from {@link ErrorReason}
 * (for example {@code KEY_MISSING}, {@code MALFORMED_XML}). An unexpected exception thrown by
 * {@code extract} is caught by the key extraction operator and becomes an error record with reason
 * {@link ErrorReason#PROCESSING_FAILED}; it does not fail the job.
 */
public interface KeyExtractor extends Serializable {

    /** Creates expensive, reusable resources. Called once per parallel instance. */
    default void open() throws Exception {}

    /** Finds the key of {@code record}. */
    KeyResult extract(RawRecord record);

    /** Releases what {@link #open()} created. */
    default void close() throws Exception {}
}
