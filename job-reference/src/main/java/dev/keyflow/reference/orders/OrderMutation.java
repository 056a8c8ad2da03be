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
}
