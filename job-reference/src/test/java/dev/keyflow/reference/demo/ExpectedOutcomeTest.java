package dev.keyflow.reference.demo;

import static dev.keyflow.core.ErrorReason.BUSINESS_REJECTED;
import static dev.keyflow.core.ErrorReason.DOCTYPE_FORBIDDEN;
import static dev.keyflow.core.ErrorReason.INVALID_TRANSITION;
import static dev.keyflow.core.ErrorReason.KEY_MISSING;
import static dev.keyflow.core.ErrorReason.LATE;
import static dev.keyflow.core.ErrorReason.RETRIES_EXHAUSTED;
import static dev.keyflow.core.ErrorReason.RULE_VIOLATION;
import static dev.keyflow.core.ErrorReason.SCHEMA_VIOLATION;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyflow.core.ErrorReason;
import dev.keyflow.reference.CommandSerialization;
import dev.keyflow.reference.OrderCommand;
import dev.keyflow.reference.demo.GeneratedEvent.Defect;
import dev.keyflow.reference.demo.GeneratedEvent.Fields;
import dev.keyflow.reference.demo.GeneratedEvent.Phase;
import dev.keyflow.reference.orders.CommandType;
import dev.keyflow.reference.orders.EventType;
import dev.keyflow.state.Stamped;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExpectedOutcomeTest {

    private static final String NORMAL = "cust-20"; // tier SILVER
    private static final String FLAKY = CustomerClass.FLAKY.customerId(0);
    private static final String DOWN = CustomerClass.DOWN.customerId(0);
    private static final String BLOCKED = CustomerClass.BLOCKED.customerId(0);
    private static final String UNKNOWN = CustomerClass.UNKNOWN.customerId(0);

    private final Scenario s = new Scenario();

    @Test
    void aShippedOrderSendsFourCommandsInSequence() {
        s.placed("o-1", NORMAL);
        s.item("o-1", "SKU-1", 2, "10.50");
        s.payment("o-1", "21.00", "EUR");
        s.shipped("o-1", "DHL");

        ExpectedOutcome expected = ExpectedOutcome.of(s.events);

        assertThat(expected.commandLines())
                .containsExactly(
                        "o-1/1/SEND_CONFIRMATION/e-1/{\"email\":\"cust-20@example.com\","
                                + "\"template\":\"order-placed\",\"tier\":\"SILVER\"}",
                        "o-1/2/RESERVE_STOCK/e-2/{\"quantity\":\"2\",\"sku\":\"SKU-1\"}",
                        "o-1/3/SEND_CONFIRMATION/e-3/{\"amount\":\"21.00\","
                                + "\"email\":\"cust-20@example.com\",\"template\":\"payment-received\"}",
                        "o-1/4/SEND_CONFIRMATION/e-4/{\"carrier\":\"DHL\","
                                + "\"email\":\"cust-20@example.com\",\"template\":\"order-shipped\"}");
        assertThat(expected.errors()).isEmpty();
        assertThat(expected.totalCommands()).isEqualTo(4);
        assertThat(expected.fate("e-2").commands())
                .singleElement()
                .satisfies(
                        c -> {
                            assertThat(c.sequence()).isEqualTo(2);
                            assertThat(c.type()).isEqualTo(CommandType.RESERVE_STOCK);
                            assertThat(c.idempotencyKey()).isEqualTo("o-1/2");
                        });
    }

    @Test
    void aCorruptedItemMakesThePaymentMismatchAndTheShipmentInvalid() {
        s.placed("o-1", NORMAL);
        s.item("o-1", "SKU-1", 1, "10.00");
        s.defect(Defect.SCHEMA_VIOLATION).item("o-1", "SKU-2", 1, "5.00");
        s.payment("o-1", "15.00", "EUR");
        s.shipped("o-1", "DHL");
        s.cancelled("o-1");

        ExpectedOutcome expected = ExpectedOutcome.of(s.events);

        assertThat(expected.errors())
                .containsExactly(
                        Map.entry("e-3", SCHEMA_VIOLATION),
                        Map.entry("e-4", BUSINESS_REJECTED),
                        Map.entry("e-5", INVALID_TRANSITION));
        assertThat(expected.fate("e-6").commands())
                .extracting(ExpectedCommand::line)
                .containsExactly("o-1/3/RELEASE_STOCK/e-6/{\"items\":\"1\",\"units\":\"1\"}");
    }

    @Test
    void anOrderOfADownCustomerIsNeverPlaced() {
        s.placed("o-1", DOWN);
        s.item("o-1", "SKU-1", 1, "10.00");
        s.payment("o-1", "10.00", "EUR");
        s.shipped("o-1", "UPS");
        s.refunded("o-1", "10.00");
        s.cancelled("o-1");

        ExpectedOutcome expected = ExpectedOutcome.of(s.events);

        assertThat(expected.errors())
                .containsExactly(
                        Map.entry("e-1", RETRIES_EXHAUSTED),
                        Map.entry("e-2", INVALID_TRANSITION),
                        Map.entry("e-3", INVALID_TRANSITION),
                        Map.entry("e-4", INVALID_TRANSITION),
                        // The rules run before the lifecycle: nothing was paid.
                        Map.entry("e-5", RULE_VIOLATION),
                        Map.entry("e-6", INVALID_TRANSITION));
        assertThat(expected.commands()).isEmpty();
    }

    @Test
    void customersDecidePlacement() {
        s.placed("o-1", BLOCKED);
        s.placed("o-2", UNKNOWN);
        s.placed("o-3", FLAKY);
        s.placed("o-3", FLAKY);

        ExpectedOutcome expected = ExpectedOutcome.of(s.events);

        assertThat(expected.errors())
                .containsExactly(
                        Map.entry("e-1", BUSINESS_REJECTED),
                        Map.entry("e-2", BUSINESS_REJECTED),
                        Map.entry("e-4", INVALID_TRANSITION));
        assertThat(expected.fate("e-3").isAccepted()).isTrue();
    }

    @Test
    void eachOrderIsTakenInEventTimeOrder() {
        s.at(200).item("o-1", "SKU-1", 1, "3.00");
        s.at(100).placed("o-1", NORMAL);
        s.at(300).item("o-2", "SKU-1", 1, "3.00"); // o-2 is never placed

        ExpectedOutcome expected = ExpectedOutcome.of(s.events);

        assertThat(expected.commands())
                .extracting(c -> c.eventId() + "#" + c.sequence())
                .containsExactly("e-2#1", "e-1#2");
        assertThat(expected.errors()).containsExactly(Map.entry("e-3", INVALID_TRANSITION));
    }

    @Test
    void cancellingAPaidOrderReleasesAndRefunds() {
        s.placed("o-1", NORMAL);
        s.item("o-1", "SKU-1", 3, "2.50");
        s.item("o-1", "SKU-2", 1, "0.99");
        s.payment("o-1", "8.49", "EUR");
        s.cancelled("o-1");
        s.placed("o-2", NORMAL);
        s.cancelled("o-2");

        ExpectedOutcome expected = ExpectedOutcome.of(s.events);

        assertThat(expected.fate("e-5").commands())
                .extracting(ExpectedCommand::line)
                .containsExactly(
                        "o-1/5/RELEASE_STOCK/e-5/{\"items\":\"2\",\"units\":\"4\"}",
                        "o-1/6/REFUND_PAYMENT/e-5/{\"amount\":\"8.49\"}");
        assertThat(expected.fate("e-7")).isEqualTo(Fate.accepted(List.of()));
        assertThat(expected.acceptedWithoutCommands()).isEqualTo(1);
    }

    @Test
    void rulesAndRefunds() {
        s.placed("o-1", NORMAL);
        s.item("o-1", "SKU-1", 500, "1.00");
        s.item("o-1", "SKU-1", 2, "1.00");
        s.payment("o-1", "2.00", "JPY");
        s.payment("o-1", "2.00", "EUR");
        s.shipped("o-1", "GLS");
        s.refunded("o-1", "2.01");
        s.refunded("o-1", "1.50");
        s.refunded("o-1", "0.50");

        ExpectedOutcome expected = ExpectedOutcome.of(s.events);

        assertThat(expected.errors())
                .containsExactly(
                        Map.entry("e-2", RULE_VIOLATION),
                        Map.entry("e-4", RULE_VIOLATION),
                        Map.entry("e-7", RULE_VIOLATION),
                        Map.entry("e-9", INVALID_TRANSITION));
        assertThat(expected.fate("e-8").commands())
                .extracting(ExpectedCommand::line)
                .containsExactly("o-1/5/REFUND_PAYMENT/e-8/{\"amount\":\"1.50\"}");
    }

    @Test
    void rejectsBeforeTheKeyAndLateEvents() {
        s.placed("o-1", NORMAL);
        s.defect(Defect.KEY_MISSING).item(null, "SKU-1", 1, "1.00");
        s.defect(Defect.DOCTYPE).item("o-1", "SKU-1", 1, "1.00");
        s.defect(Defect.MALFORMED_XML).item("o-1", "SKU-1", 1, "1.00");
        s.late().item("o-1", "SKU-1", 1, "1.00");

        ExpectedOutcome expected = ExpectedOutcome.of(s.events);

        assertThat(expected.errors())
                .containsExactly(
                        Map.entry("e-2", KEY_MISSING),
                        Map.entry("e-3", DOCTYPE_FORBIDDEN),
                        Map.entry("e-4", ErrorReason.MALFORMED_XML),
                        Map.entry("e-5", LATE));
        assertThat(expected.countsByReason()).containsEntry(LATE, 1L).hasSize(4);
        assertThat(expected.totalErrors()).isEqualTo(4);
        assertThat(expected.commandsPerKey()).containsExactly(Map.entry("o-1", 1L));
    }

    @Test
    void refusesDuplicateEventIds() {
        s.placed("o-1", NORMAL);
        List<GeneratedEvent> twice = new ArrayList<>(s.events);
        twice.add(s.events.get(0));

        assertThatThrownBy(() -> ExpectedOutcome.of(twice)).hasMessageContaining("e-1");
    }

    @Test
    void readsWhatTheOutboxSerializationWrites() {
        s.placed("o-1", NORMAL);
        ExpectedCommand expected = ExpectedOutcome.of(s.events).commands().get(0);
        OrderCommand command =
                new OrderCommand(
                        CommandType.SEND_CONFIRMATION,
                        // The order of a LinkedHashMap, as OrderLogic builds it.
                        "{\"template\":\"order-placed\",\"email\":\"cust-20@example.com\","
                                + "\"tier\":\"SILVER\"}",
                        "e-1",
                        1_000L,
                        null,
                        "orders@1");

        byte[] value =
                new CommandSerialization("orders.outbox")
                        .serialize(new Stamped<>("o-1", 1, command), null, null)
                        .value();

        assertThat(ExpectedCommand.fromOutbox(value)).isEqualTo(expected);
        assertThat(ExpectedCommand.fromOutbox(value).line()).isEqualTo(expected.line());
    }

    @Test
    void findsTheEventIdInARawDocument() {
        byte[] truncated =
                "<o:OrderEvent><o:Header><o:OrderId>o-1</o:OrderId><o:EventId>e-77</o:EventId>"
                        .getBytes(StandardCharsets.UTF_8);

        assertThat(ExpectedOutcome.eventIdOf(truncated)).hasValue("e-77");
        assertThat(ExpectedOutcome.eventIdOf("<x/>".getBytes(StandardCharsets.UTF_8))).isEmpty();
    }

    /** Hand-made events: ids e-1, e-2, ... in production order, event time 10 ms apart. */
    private static final class Scenario {
        final List<GeneratedEvent> events = new ArrayList<>();
        private long time = 1_000_000;
        private Long nextTime;
        private Defect nextDefect = Defect.NONE;
        private Phase nextPhase = Phase.MAIN;

        Scenario at(long eventTime) {
            nextTime = eventTime;
            return this;
        }

        Scenario defect(Defect defect) {
            nextDefect = defect;
            return this;
        }

        Scenario late() {
            nextPhase = Phase.LATE;
            return this;
        }

        void placed(String order, String customer) {
            add(order, EventType.PLACED, fields(customer, null, null, null, null, null, null));
        }

        void item(String order, String sku, long quantity, String price) {
            add(
                    order,
                    EventType.ITEM_ADDED,
                    fields(null, sku, quantity, new BigDecimal(price), null, null, null));
        }

        void payment(String order, String amount, String currency) {
            add(
                    order,
                    EventType.PAYMENT_AUTHORISED,
                    fields(null, null, null, null, new BigDecimal(amount), currency, null));
        }

        void refunded(String order, String amount) {
            add(
                    order,
                    EventType.REFUNDED,
                    fields(null, null, null, null, new BigDecimal(amount), "EUR", null));
        }

        void shipped(String order, String carrier) {
            add(order, EventType.SHIPPED, fields(null, null, null, null, null, null, carrier));
        }

        void cancelled(String order) {
            add(
                    order,
                    EventType.CANCELLED,
                    new Fields(null, null, null, null, null, null, null, "customer-request"));
        }

        private static Fields fields(
                String customer,
                String sku,
                Long quantity,
                BigDecimal price,
                BigDecimal amount,
                String currency,
                String carrier) {
            return new Fields(customer, sku, quantity, price, amount, currency, carrier, null);
        }

        private void add(String order, EventType type, Fields fields) {
            int index = events.size();
            time += 10;
            long eventTime = nextTime != null ? nextTime : time;
            events.add(
                    new GeneratedEvent(
                            index,
                            "e-" + (index + 1),
                            order,
                            eventTime,
                            nextPhase,
                            type,
                            nextDefect,
                            fields,
                            false,
                            "<not-used/>".getBytes(StandardCharsets.UTF_8),
                            null));
            nextTime = null;
            nextDefect = Defect.NONE;
            nextPhase = Phase.MAIN;
        }
    }
}
