package dev.keyflow.reference.orders;

/** What happened to an order; the {@code o:Type} element of an order event. */
public enum EventType {
    PLACED,
    ITEM_ADDED,
    PAYMENT_AUTHORISED,
    SHIPPED,
    CANCELLED,
    REFUNDED
}
