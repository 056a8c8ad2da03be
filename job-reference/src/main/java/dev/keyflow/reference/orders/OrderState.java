package dev.keyflow.reference.orders;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import javax.annotation.Nullable;

/**
 * The folded state of one order: what {@link OrderLogic#evolve} makes of its mutations. Kept in the
 * event log's snapshots, so it is a flat record of Flink-serializable fields.
 */
public record OrderState(
        OrderStatus status,
        @Nullable String customerId,
        @Nullable String tier,
        @Nullable String email,
        long itemCount,
        long units,
        BigDecimal total,
        BigDecimal paid) {

    public OrderState {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(total, "total");
        Objects.requireNonNull(paid, "paid");
    }

    /** The state of an order nothing has happened to yet. */
    public static OrderState initial() {
        return new OrderState(
                OrderStatus.NEW, null, null, null, 0, 0, BigDecimal.ZERO, BigDecimal.ZERO);
    }

    /** The state as the CEL rules see it (variable {@code state}). */
    public Map<String, Object> asRuleInput() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("status", status.name());
        map.put("itemCount", itemCount);
        map.put("units", units);
        map.put("total", total.doubleValue());
        map.put("paid", paid.doubleValue());
        if (tier != null) {
            map.put("tier", tier);
        }
        return map;
    }
}
