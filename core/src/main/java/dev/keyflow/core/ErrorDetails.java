package dev.keyflow.core;

import java.io.Serializable;

/**
 * Puts what identifies an element into an error record about it, so that the error can be
 * understood and the element replayed from the dead letter topic.
 *
 * <p>keyflow's keyed operators work on any element type, so they cannot know how to turn an element
 * back into bytes. When an element becomes an error (late, overflow, duplicate, ...) the operator
 * starts an {@link ErrorRecord.Builder} with the stage, reason, message, the operator's current key
 * (as a string) and the time, and hands it to this function to add the payload and, if known, the
 * headers and origin:
 *
 * <pre>{@code
 * ErrorDetails<Order> details = (order, error) -> error.payload(order.toJsonBytes());
 * ErrorDetails<Envelope> envelopes = ErrorDetails.envelope();   // key, payload, headers, origin
 * }</pre>
 *
 * <p>The function runs on the operator thread; it must not block. If it throws, the error record is
 * still emitted, without the payload and with a message that names the exception.
 */
@FunctionalInterface
public interface ErrorDetails<T> extends Serializable {

    /** Adds the element's payload (and headers, origin or key) to {@code error}; returns it. */
    ErrorRecord.Builder describe(T element, ErrorRecord.Builder error);

    /** Key, payload, headers and origin of an {@link Envelope}. */
    static ErrorDetails<Envelope> envelope() {
        return (envelope, error) -> error.fromEnvelope(envelope);
    }
}
