package dev.keyflow.reference.orders;

/** The side effects the order logic asks for; each becomes one outbox record. */
public enum CommandType {
    /** Email the customer (placed, paid, shipped). */
    SEND_CONFIRMATION,
    /** Reserve stock for an added item. */
    RESERVE_STOCK,
    /** Release the stock reserved for a cancelled order. */
    RELEASE_STOCK,
    /** Pay money back (a cancelled paid order, a refund). */
    REFUND_PAYMENT
}
