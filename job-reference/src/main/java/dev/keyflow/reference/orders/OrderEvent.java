package dev.keyflow.reference.orders;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Objects;
import javax.annotation.Nullable;

/**
 * One order event as the business logic sees it: the fields the rule bundle extracted from the XML
 * document. Which optional fields are set depends on the {@link #type()}.
 */
public record OrderEvent(
        String orderId,
        String eventId,
        EventType type,
        Instant occurredAt,
        @Nullable String customerId,
        @Nullable String sku,
        @Nullable Long quantity,
        @Nullable BigDecimal price,
        @Nullable BigDecimal amount,
        @Nullable String currency,
        @Nullable String carrier,
        @Nullable String reason) {

    public OrderEvent {
        Objects.requireNonNull(orderId, "orderId");
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(occurredAt, "occurredAt");
    }
}
