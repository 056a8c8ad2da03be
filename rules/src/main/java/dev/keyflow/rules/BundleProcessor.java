package dev.keyflow.rules;

import java.io.Serializable;

/**
 * The per-event logic that runs with the active rule bundle, for example: extract fields, validate
 * them with the bundle's CEL rules, run its filters, emit a decision.
 *
 * <pre>{@code
 * BundleProcessor<Order, Decision> validate = (order, bundle, out) -> {
 *     List<RuleViolation> violations =
 *             bundle.validate(Map.of("amount", order.amount()), Map.of(), Map.of());
 *     out.collect(new Decision(order.id(), violations.isEmpty()));
 * };
 * }</pre>
 *
 * <p>Runs on the operator thread with the event's key set; keyed state of the runtime context may
 * be used. An exception becomes an error record ({@code PROCESSING_FAILED}) for the event, never a
 * job failure.
 */
@FunctionalInterface
public interface BundleProcessor<IN, OUT> extends Serializable {

    /** Handles one event with {@code bundle}, the version active when it is handled. */
    void process(IN element, CompiledBundle bundle, BundleOutput<OUT> out) throws Exception;
}
