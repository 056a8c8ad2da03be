package dev.keyflow.rules;

import dev.keyflow.core.ErrorRecord;

/**
 * Where a {@link BundleProcessor} emits: every output is wrapped in {@link Versioned} and every
 * error record gets the bundle's label as {@code ruleVersion}, the key and the element's details.
 */
public interface BundleOutput<OUT> {

    /** Emits an output, stamped with the bundle version. */
    void collect(OUT value);

    /** Emits an error record to {@code KeyflowOutputs.ERRORS}, stamped with the bundle version. */
    void error(ErrorRecord.Builder error);
}
