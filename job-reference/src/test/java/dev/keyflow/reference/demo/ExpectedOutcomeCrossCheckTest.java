package dev.keyflow.reference.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keyflow.core.ErrorReason;
import dev.keyflow.reference.demo.GeneratedEvent.Defect;
import dev.keyflow.reference.demo.GeneratedEvent.Phase;
import dev.keyflow.reference.orders.Customer;
import dev.keyflow.reference.orders.Decision;
import dev.keyflow.reference.orders.EventType;
import dev.keyflow.reference.orders.OrderEvent;
import dev.keyflow.reference.orders.OrderLogic;
import dev.keyflow.reference.orders.OrderState;
import dev.keyflow.reference.orders.OrderStatus;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.annotation.Nullable;
import org.junit.jupiter.api.Test;

/**
 * Checks the model against the job's own {@link OrderLogic} (the one place it is used): every valid
 * main-phase event, per order in event-time order, read from its XML, with the customer fetched
 * from the real {@link CustomerService} as the job would (three attempts with one Idempotency-Key),
 * must get the same fate and the same commands from both.
 */
class ExpectedOutcomeCrossCheckTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int ATTEMPTS = 3;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void theModelAgreesWithOrderLogic() throws Exception {
        List<GeneratedEvent> events =
                OrderGenerator.generate(
                        OrderGenerator.Settings.builder()
                                .seed(2024)
                                .events(2_000)
                                .orders(300)
                                .invalidTransitionShare(0.3)
                                .customerShare(CustomerClass.FLAKY, 0.1)
                                .customerShare(CustomerClass.UNKNOWN, 0.05)
                                .customerShare(CustomerClass.BLOCKED, 0.05)
                                .customerShare(CustomerClass.DOWN, 0.05)
                                .start(Instant.parse("2030-01-01T00:00:00Z"))
                                .build());
        ExpectedOutcome model = ExpectedOutcome.of(events);
        Map<String, List<GeneratedEvent>> byOrder = new LinkedHashMap<>();
        for (GeneratedEvent e : events) {
            if (e.phase() == Phase.MAIN
                    && e.defect() != Defect.KEY_MISSING
                    && e.defect() != Defect.DOCTYPE) {
                byOrder.computeIfAbsent(e.orderId(), k -> new ArrayList<>()).add(e);
            }
        }

        Map<ErrorReason, Integer> compared = new EnumMap<>(ErrorReason.class);
        int acceptedCompared = 0;
        try (CustomerService customers = CustomerService.start(0)) {
            for (Map.Entry<String, List<GeneratedEvent>> order : byOrder.entrySet()) {
                List<GeneratedEvent> inOrder = new ArrayList<>(order.getValue());
                inOrder.sort(
                        Comparator.comparingLong(GeneratedEvent::eventTime)
                                .thenComparingInt(GeneratedEvent::index));
                OrderState state = OrderState.initial();
                long sequence = 0;
                for (GeneratedEvent e : inOrder) {
                    Fate fate = model.fate(e.eventId());
                    if (e.defect() == Defect.MALFORMED_XML
                            || e.defect() == Defect.SCHEMA_VIOLATION) {
                        assertThat(fate.reason()).isEqualTo(e.defect().reason().orElseThrow());
                        continue;
                    }
                    OrderEvent event = parse(e);
                    if (fate.reason() == ErrorReason.RULE_VIOLATION) {
                        // OrderLogic does not run the rules; the model must have had a reason.
                        assertThat(
                                        e.defect() == Defect.RULE_VIOLATION
                                                || (event.type() == EventType.REFUNDED
                                                        && event.amount().compareTo(state.paid())
                                                                > 0))
                                .as("rule violation of %s", e)
                                .isTrue();
                        compared.merge(ErrorReason.RULE_VIOLATION, 1, Integer::sum);
                        continue;
                    }
                    assertThat(e.defect()).isEqualTo(Defect.NONE);
                    Optional<Customer> customer = Optional.empty();
                    if (event.type() == EventType.PLACED && state.status() == OrderStatus.NEW) {
                        Lookup lookup = lookUp(customers, event.customerId(), e.eventId());
                        if (lookup.failed) {
                            assertThat(fate.reason())
                                    .as("%s", e)
                                    .isEqualTo(ErrorReason.RETRIES_EXHAUSTED);
                            compared.merge(ErrorReason.RETRIES_EXHAUSTED, 1, Integer::sum);
                            continue;
                        }
                        customer = Optional.ofNullable(lookup.customer);
                    }
                    Decision decision = OrderLogic.decide(state, event, customer);
                    if (decision.rejected()) {
                        assertThat(fate.reason()).as("%s", e).isEqualTo(decision.rejection());
                        compared.merge(decision.rejection(), 1, Integer::sum);
                        continue;
                    }
                    List<String> lines = new ArrayList<>();
                    for (Decision.Command command : decision.commands()) {
                        lines.add(
                                order.getKey()
                                        + "/"
                                        + ++sequence
                                        + "/"
                                        + command.type()
                                        + "/"
                                        + e.eventId()
                                        + "/"
                                        + JSON.writeValueAsString(command.payload()));
                    }
                    assertThat(fate.isAccepted()).as("%s", e).isTrue();
                    assertThat(fate.commands())
                            .extracting(ExpectedCommand::line)
                            .as("%s", e)
                            .containsExactlyElementsOf(lines);
                    acceptedCompared++;
                    for (var mutation : decision.mutations()) {
                        state = OrderLogic.evolve(state, mutation);
                    }
                }
            }
        }

        assertThat(acceptedCompared).isGreaterThan(1_000);
        assertThat(compared)
                .containsKeys(
                        ErrorReason.RULE_VIOLATION,
                        ErrorReason.INVALID_TRANSITION,
                        ErrorReason.BUSINESS_REJECTED,
                        ErrorReason.RETRIES_EXHAUSTED);
    }

    /** A customer lookup as the job makes it: up to three attempts with one idempotency key. */
    private Lookup lookUp(CustomerService customers, String customerId, String idempotencyKey)
            throws Exception {
        HttpRequest request =
                HttpRequest.newBuilder(
                                URI.create(customers.baseUrl() + CustomerService.PATH + customerId))
                        .header(CustomerService.IDEMPOTENCY_KEY_HEADER, idempotencyKey)
                        .build();
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            HttpResponse<String> response =
                    http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 404) {
                return new Lookup(null, false);
            }
            if (response.statusCode() == 200) {
                JsonNode body = JSON.readTree(response.body());
                return new Lookup(
                        new Customer(
                                body.get("id").asText(),
                                body.get("tier").asText(),
                                body.get("email").asText(),
                                body.get("blocked").asBoolean()),
                        false);
            }
            assertThat(response.statusCode()).isGreaterThanOrEqualTo(500);
        }
        return new Lookup(null, true);
    }

    private record Lookup(@Nullable Customer customer, boolean failed) {}

    /** The fields of a valid document, read from its text the way the rule bundle names them. */
    private static OrderEvent parse(GeneratedEvent e) {
        String xml = e.xmlText();
        String quantity = text(xml, "o:Quantity");
        String price = text(xml, "o:Price");
        String amount = text(xml, "o:Amount");
        Matcher currency = Pattern.compile("<o:Amount currency=\"([A-Z]{3})\">").matcher(xml);
        return new OrderEvent(
                text(xml, "o:OrderId"),
                text(xml, "o:EventId"),
                EventType.valueOf(text(xml, "o:Type")),
                Instant.parse(text(xml, "o:OccurredAt")),
                text(xml, "c:CustomerId"),
                text(xml, "o:Sku"),
                quantity == null ? null : Long.valueOf(quantity),
                price == null ? null : new BigDecimal(price),
                amount == null ? null : new BigDecimal(amount),
                currency.find() ? currency.group(1) : null,
                text(xml, "o:Carrier"),
                text(xml, "o:Reason"));
    }

    @Nullable
    private static String text(String xml, String element) {
        Matcher m =
                Pattern.compile("<" + element + "(?: [^>]*)?>([^<]*)</" + element + ">")
                        .matcher(xml);
        return m.find() ? m.group(1) : null;
    }
}
