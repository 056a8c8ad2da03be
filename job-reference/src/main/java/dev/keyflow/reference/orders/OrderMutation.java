package dev.keyflow.reference.orders;

import java.math.BigDecimal;
import java.util.Objects;
import javax.annotation.Nullable;

/**
 * A change to an order, appended to its event log. One flat record for every kind of change (the
 * {@link #type()} says which fields are set), so that Flink serializes it as a POJO.
 */
public record OrderMutation(
        EventType type,
        String eventId,
        @Nullable String customerId,
        @Nullable String tier,
        @Nullable String email,
        @Nullable String sku,
        @Nullable Long quantity,
        @Nullable BigDecimal price,
        @Nullable BigDecimal amount,
        @Nullable String carrier,
        @Nullable String reason) {

    public OrderMutation {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(eventId, "eventId");
    }

    /** An order placed for {@code customer}. */
    public static OrderMutation placed(String eventId, Customer customer) {
        return new OrderMutation(
                EventType.PLACED,
                eventId,
                customer.id(),
                customer.tier(),
                customer.email(),
                null,
                null,
                null,
                null,
                null,
                null);
    }

    /** An item added to the order. */
    public static OrderMutation itemAdded(
            String eventId, String sku, Long quantity, BigDecimal price) {
        return new OrderMutation(
                EventType.ITEM_ADDED,
                eventId,
                null,
                null,
                null,
                sku,
                quantity,
                price,
                null,
                null,
                null);
    }

    /** A payment authorised or a refund made: {@code type} with an amount. */
    public static OrderMutation withAmount(EventType type, String eventId, BigDecimal amount) {
        return new OrderMutation(
                type, eventId, null, null, null, null, null, null, amount, null, null);
    }

    /** The order shipped by {@code carrier}. */
    public static OrderMutation shipped(String eventId, @Nullable String carrier) {
        return new OrderMutation(
                EventType.SHIPPED,
                eventId,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                carrier,
                null);
    }

    /** The order cancelled, for {@code reason}. */
    public static OrderMutation cancelled(String eventId, @Nullable String reason) {
        return new OrderMutation(
                EventType.CANCELLED,
                eventId,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                reason);
    }
}
