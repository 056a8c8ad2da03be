package dev.keyflow.reference.orders;

/** Where an order stands in its lifecycle; {@link #NEW} until it is placed. */
public enum OrderStatus {
    NEW,
    PLACED,
    PAID,
    SHIPPED,
    CANCELLED,
    REFUNDED
}
