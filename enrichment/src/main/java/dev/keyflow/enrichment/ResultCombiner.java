package dev.keyflow.enrichment;

import java.io.Serializable;

/**
 * Makes the output of an enriched element from the element and the service's answer (which may be
 * {@link EnrichmentResult.Status#NOT_FOUND}).
 *
 * @param <IN> the element type
 * @param <OUT> the output type
 */
@FunctionalInterface
public interface ResultCombiner<IN, OUT> extends Serializable {

    /** The output for {@code element}; runs on the operator thread. */
    OUT combine(IN element, EnrichmentResult result) throws Exception;
}
