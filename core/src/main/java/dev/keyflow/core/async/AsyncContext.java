package dev.keyflow.core.async;

/** What an element's async work knows about the element, off the operator thread. */
public interface AsyncContext {

    /**
     * A key that is the same for every attempt of this element, before and after a restore from a
     * checkpoint. Pass it to the services you call (e.g. an {@code Idempotency-Key} header),
     * because after a failure the async work of pending elements is run again.
     */
    String idempotencyKey();

    /** The attempt number, 1 for the first. */
    int attempt();
}
