package dev.keyflow.core;

import java.io.Serializable;
import java.util.OptionalLong;

/**
 * Reads an element's event time (epoch milliseconds) from its content. Returning empty means "not
 * found": the element keeps the timestamp it arrived with (for Kafka, the record timestamp), so a
 * record without a readable time is never dropped by watermarking.
 */
@FunctionalInterface
public interface EventTimeExtractor<T> extends Serializable {
    OptionalLong eventTime(T element);
}
