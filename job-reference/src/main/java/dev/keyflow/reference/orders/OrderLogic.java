package dev.keyflow.reference.orders;

import static dev.keyflow.core.ErrorReason.BUSINESS_REJECTED;
import static dev.keyflow.core.ErrorReason.INVALID_TRANSITION;

import dev.keyflow.reference.orders.Decision.Command;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The business logic of the reference domain, in plain Java: {@link #decide} turns an event, the
 * order's current state and the customer data into a {@link Decision}; {@link #evolve} applies an
 * accepted mutation to the state. Both are pure: no I/O, no clock, no Flink.
 *
 * <p>The lifecycle: {@code NEW -PLACED-> PLACED (-ITEM_ADDED-> PLACED)* -PAYMENT_AUTHORISED-> PAID
 * -SHIPPED-> SHIPPED -REFUNDED-> REFUNDED}; {@code PLACED} and {@code PAID} may be {@code
 * CANCELLED}. Anything else is an {@code INVALID_TRANSITION}; a valid transition that breaks a
 * business condition (unknown or blocked customer, payment not matching the total, payment for an
 * empty order) is {@code BUSINESS_REJECTED}. This is the place a team puts its own logic.
 */
public final class OrderLogic {

    private OrderLogic() {}

    /**
     * Decides what {@code event} means for an order in {@code state}.
     *
     * @param customer the customer data, looked up for {@link EventType#PLACED} events only; empty
     *     if the service does not know the customer
     */
    public static Decision decide(OrderState state, OrderEvent event, Optional<Customer> customer) {
        OrderStatus status = state.status();
        switch (event.type()) {
            case PLACED:
                if (status != OrderStatus.NEW) {
                    return invalid(state, event);
                }
                if (customer.isEmpty()) {
                    return Decision.reject(
                            BUSINESS_REJECTED, "unknown customer " + event.customerId());
                }
                if (customer.get().blocked()) {
                    return Decision.reject(
                            BUSINESS_REJECTED, "customer " + event.customerId() + " is blocked");
                }
                Customer c = customer.get();
                OrderMutation placed = OrderMutation.placed(event.eventId(), c);
                return Decision.accept(
                        placed,
                        List.of(confirmation("order-placed", c.email(), Map.of("tier", c.tier()))));
            case ITEM_ADDED:
                if (status != OrderStatus.PLACED) {
                    return invalid(state, event);
                }
                OrderMutation item =
                        OrderMutation.itemAdded(
                                event.eventId(), event.sku(), event.quantity(), event.price());
                return Decision.accept(
                        item,
                        List.of(
                                new Command(
                                        CommandType.RESERVE_STOCK,
                                        Map.of(
                                                "sku", event.sku(),
                                                "quantity", String.valueOf(event.quantity())))));
            case PAYMENT_AUTHORISED:
                if (status != OrderStatus.PLACED) {
                    return invalid(state, event);
                }
                if (state.itemCount() == 0) {
                    return Decision.reject(BUSINESS_REJECTED, "payment for an order without items");
                }
                if (event.amount().compareTo(state.total()) != 0) {
                    return Decision.reject(
                            BUSINESS_REJECTED,
                            "payment of "
                                    + event.amount().toPlainString()
                                    + " does not match the order total "
                                    + state.total().toPlainString());
                }
                OrderMutation paid =
                        OrderMutation.withAmount(
                                EventType.PAYMENT_AUTHORISED, event.eventId(), event.amount());
                return Decision.accept(
                        paid,
                        List.of(
                                confirmation(
                                        "payment-received",
                                        state.email(),
                                        Map.of("amount", event.amount().toPlainString()))));
            case SHIPPED:
                if (status != OrderStatus.PAID) {
                    return invalid(state, event);
                }
                OrderMutation shipped = OrderMutation.shipped(event.eventId(), event.carrier());
                return Decision.accept(
                        shipped,
                        List.of(
                                confirmation(
                                        "order-shipped",
                                        state.email(),
                                        Map.of("carrier", String.valueOf(event.carrier())))));
            case CANCELLED:
                if (status != OrderStatus.PLACED && status != OrderStatus.PAID) {
                    return invalid(state, event);
                }
                List<Command> commands = new ArrayList<>();
                if (state.itemCount() > 0) {
                    commands.add(
                            new Command(
                                    CommandType.RELEASE_STOCK,
                                    Map.of(
                                            "items", String.valueOf(state.itemCount()),
                                            "units", String.valueOf(state.units()))));
                }
                if (status == OrderStatus.PAID) {
                    commands.add(refund(state.paid()));
                }
                OrderMutation cancelled = OrderMutation.cancelled(event.eventId(), event.reason());
                return Decision.accept(cancelled, commands);
            case REFUNDED:
                if (status != OrderStatus.SHIPPED) {
                    return invalid(state, event);
                }
                OrderMutation refunded =
                        OrderMutation.withAmount(
                                EventType.REFUNDED, event.eventId(), event.amount());
                return Decision.accept(refunded, List.of(refund(event.amount())));
            default:
                throw new IllegalArgumentException("unknown event type " + event.type());
        }
    }

    /** Applies an accepted mutation to the state. */
    public static OrderState evolve(OrderState s, OrderMutation m) {
        switch (m.type()) {
            case PLACED:
                return new OrderState(
                        OrderStatus.PLACED,
                        m.customerId(),
                        m.tier(),
                        m.email(),
                        0,
                        0,
                        BigDecimal.ZERO,
                        BigDecimal.ZERO);
            case ITEM_ADDED:
                return new OrderState(
                        s.status(),
                        s.customerId(),
                        s.tier(),
                        s.email(),
                        s.itemCount() + 1,
                        s.units() + m.quantity(),
                        s.total().add(m.price().multiply(BigDecimal.valueOf(m.quantity()))),
                        s.paid());
            case PAYMENT_AUTHORISED:
                return withStatus(s, OrderStatus.PAID, s.paid().add(m.amount()));
            case SHIPPED:
                return withStatus(s, OrderStatus.SHIPPED, s.paid());
            case CANCELLED:
                return withStatus(s, OrderStatus.CANCELLED, s.paid());
            case REFUNDED:
                return withStatus(s, OrderStatus.REFUNDED, s.paid().subtract(m.amount()));
            default:
                throw new IllegalArgumentException("unknown mutation type " + m.type());
        }
    }

    private static OrderState withStatus(OrderState s, OrderStatus status, BigDecimal paid) {
        return new OrderState(
                status,
                s.customerId(),
                s.tier(),
                s.email(),
                s.itemCount(),
                s.units(),
                s.total(),
                paid);
    }

    private static Decision invalid(OrderState state, OrderEvent event) {
        return Decision.reject(
                INVALID_TRANSITION,
                event.type() + " is not allowed for an order in status " + state.status());
    }

    private static Command confirmation(String template, String email, Map<String, String> more) {
        java.util.LinkedHashMap<String, String> payload = new java.util.LinkedHashMap<>();
        payload.put("template", template);
        payload.put("email", email);
        payload.putAll(more);
        return new Command(CommandType.SEND_CONFIRMATION, payload);
    }

    private static Command refund(BigDecimal amount) {
        return new Command(CommandType.REFUND_PAYMENT, Map.of("amount", amount.toPlainString()));
    }
}
