package dev.keyflow.reference.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.keyflow.reference.demo.GeneratedEvent.Defect;
import dev.keyflow.reference.demo.GeneratedEvent.Phase;
import dev.keyflow.reference.orders.EventType;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.xml.sax.SAXParseException;

class OrderGeneratorTest {

    private static final Instant START = Instant.parse("2030-01-01T00:00:00Z");
    private static final OrderGenerator.Settings SETTINGS =
            OrderGenerator.Settings.builder().seed(42).events(6_000).start(START).build();

    private static List<GeneratedEvent> events;
    private static OrderSchemas schemas;

    @BeforeAll
    static void generate() throws Exception {
        events = OrderGenerator.generate(SETTINGS);
        schemas = new OrderSchemas();
    }

    @Test
    void isDeterministicForASeed() {
        List<GeneratedEvent> again = OrderGenerator.generate(SETTINGS);

        assertThat(again).hasSameSizeAs(events);
        for (int i = 0; i < events.size(); i++) {
            GeneratedEvent a = events.get(i);
            GeneratedEvent b = again.get(i);
            assertThat(b.eventId()).isEqualTo(a.eventId());
            assertThat(b.orderId()).isEqualTo(a.orderId());
            assertThat(b.eventTime()).isEqualTo(a.eventTime());
            assertThat(b.xml()).isEqualTo(a.xml());
            assertThat(b.fate()).isEqualTo(a.fate());
        }
        List<GeneratedEvent> other =
                OrderGenerator.generate(
                        OrderGenerator.Settings.builder()
                                .seed(43)
                                .events(6_000)
                                .start(START)
                                .build());
        assertThat(other.get(0).xmlText()).isNotEqualTo(events.get(0).xmlText());
    }

    @Test
    void makesExactlyTheWantedNumberOfEventsAndReportsThem() {
        OrderGenerator.Summary summary = OrderGenerator.summary(events);

        assertThat(events).hasSize(6_000);
        assertThat(summary.events()).isEqualTo(6_000);
        assertThat(summary.orders()).isEqualTo(SETTINGS.orders()).isEqualTo(1_200);
        assertThat(summary.count(Phase.LATE)).isEqualTo(60);
        assertThat(summary.count(Phase.MAIN)).isEqualTo(5_940);
        assertThat(events.stream().map(GeneratedEvent::eventId).distinct()).hasSize(6_000);
        for (int i = 0; i < events.size(); i++) {
            assertThat(events.get(i).index()).isEqualTo(i);
        }
    }

    @Test
    void hitsItsShares() {
        OrderGenerator.Summary summary = OrderGenerator.summary(events);
        int main = summary.count(Phase.MAIN);

        int invalid = main - summary.count(Defect.NONE) + summary.count(Phase.LATE);
        assertThat(invalid).isEqualTo(Math.round(0.05 * main));
        for (Defect defect : Defect.values()) {
            if (defect != Defect.NONE) {
                assertThat(summary.count(defect)).isBetween(invalid / 5, invalid / 5 + 1);
            }
        }
        assertThat((double) summary.displaced() / main).isCloseTo(0.05, within(0.02));

        Map<CustomerClass, Integer> orders = new EnumMap<>(CustomerClass.class);
        Map<String, String> customerOfOrder = new HashMap<>();
        for (GeneratedEvent e : events) {
            if (e.type() == EventType.PLACED && e.fields().customerId() != null) {
                customerOfOrder.putIfAbsent(e.orderId(), e.fields().customerId());
            }
        }
        customerOfOrder.values().forEach(c -> orders.merge(CustomerClass.of(c), 1, Integer::sum));
        double all = customerOfOrder.size();
        assertThat(orders.get(CustomerClass.NORMAL) / all).isCloseTo(0.90, within(0.04));
        assertThat(orders.get(CustomerClass.FLAKY) / all).isCloseTo(0.05, within(0.03));
        assertThat(orders.get(CustomerClass.UNKNOWN) / all).isCloseTo(0.02, within(0.02));
        assertThat(orders.get(CustomerClass.BLOCKED) / all).isCloseTo(0.02, within(0.02));
        assertThat(orders.get(CustomerClass.DOWN) / all).isCloseTo(0.01, within(0.01));
    }

    @Test
    void keepsMainEventsWithinTwoSecondsOfEventTimeOrderAndLateOnesAfterThem() {
        long start = START.toEpochMilli();
        long maxSoFar = start;
        boolean inLatePhase = false;
        int perKeyInversions = 0;
        Map<String, Long> lastPerKey = new HashMap<>();
        for (GeneratedEvent e : events) {
            if (e.phase() == Phase.LATE) {
                inLatePhase = true;
                assertThat(e.eventTime()).isBetween(start - 3_600_000, start - 3_600_000 + 60 * 10);
                assertThat(e.defect()).isEqualTo(Defect.NONE);
                continue;
            }
            assertThat(inLatePhase).as("main event %s after the late phase", e).isFalse();
            assertThat(e.eventTime()).isGreaterThanOrEqualTo(start);
            assertThat(maxSoFar - e.eventTime()).isLessThan(2_000);
            maxSoFar = Math.max(maxSoFar, e.eventTime());
            if (e.orderId() != null) {
                Long last = lastPerKey.put(e.orderId(), e.eventTime());
                if (last != null && last > e.eventTime()) {
                    perKeyInversions++;
                }
            }
        }
        assertThat(perKeyInversions).as("events of one order out of event-time order").isPositive();
    }

    @Test
    void ordersFollowTheLifecycle() {
        Map<String, List<GeneratedEvent>> byOrder = new LinkedHashMap<>();
        for (GeneratedEvent e : events) {
            if (e.phase() == Phase.MAIN && e.orderId() != null) {
                byOrder.computeIfAbsent(e.orderId(), k -> new ArrayList<>()).add(e);
            }
        }
        int complete = 0;
        int startWithPlaced = 0;
        for (List<GeneratedEvent> order : byOrder.values()) {
            order.sort(java.util.Comparator.comparingLong(GeneratedEvent::eventTime));
            if (order.get(0).type() == EventType.PLACED) {
                startWithPlaced++;
            }
            BigDecimal total = BigDecimal.ZERO;
            for (GeneratedEvent e : order) {
                if (e.defect() != Defect.NONE) {
                    continue;
                }
                switch (e.type()) {
                    case ITEM_ADDED:
                        assertThat(e.fields().quantity()).isBetween(1L, 5L);
                        assertThat(e.fields().price().scale()).isEqualTo(2);
                        total =
                                total.add(
                                        e.fields()
                                                .price()
                                                .multiply(
                                                        BigDecimal.valueOf(e.fields().quantity())));
                        break;
                    case PAYMENT_AUTHORISED:
                        assertThat(e.fields().currency()).isEqualTo("EUR");
                        if (e.fields().amount().compareTo(total) == 0) {
                            complete++;
                        }
                        break;
                    default:
                        break;
                }
            }
        }
        // Only an order whose PLACED lost its OrderId (KEY_MISSING) starts otherwise.
        assertThat(byOrder.size() - startWithPlaced)
                .isLessThanOrEqualTo(OrderGenerator.summary(events).count(Defect.KEY_MISSING));
        assertThat(complete).isGreaterThan(byOrder.size() / 2);
        Map<EventType, Integer> types = OrderGenerator.summary(events).byType();
        assertThat(types.keySet()).containsExactlyInAnyOrder(EventType.values());
    }

    @Test
    void validDocumentsValidateAgainstTheSchemas() throws Exception {
        for (GeneratedEvent e : events) {
            if (e.defect() == Defect.NONE || e.defect() == Defect.RULE_VIOLATION) {
                schemas.validate(e.xml());
            }
        }
    }

    @Test
    void invalidDocumentsFailAsIntended() throws Exception {
        Map<Defect, Integer> checked = new EnumMap<>(Defect.class);
        for (GeneratedEvent e : events) {
            byte[] xml = e.xml();
            switch (e.defect()) {
                case MALFORMED_XML:
                    assertThat(e.xmlText()).contains("</o:Header><o:Body>");
                    assertThatThrownBy(() -> OrderSchemas.parseHardened(xml))
                            .isInstanceOf(SAXParseException.class);
                    break;
                case SCHEMA_VIOLATION:
                case KEY_MISSING:
                    OrderSchemas.parseHardened(xml);
                    assertThatThrownBy(() -> schemas.validate(xml))
                            .isInstanceOf(SAXParseException.class);
                    break;
                case DOCTYPE:
                    assertThat(e.xmlText()).contains("<!DOCTYPE").contains("&xxe;");
                    assertThatThrownBy(() -> OrderSchemas.parseHardened(xml))
                            .hasMessageContaining("DOCTYPE");
                    break;
                case RULE_VIOLATION:
                    assertThat(ruleBroken(e)).as("%s breaks a rule", e).isTrue();
                    break;
                default:
                    continue;
            }
            checked.merge(e.defect(), 1, Integer::sum);
        }
        assertThat(checked).hasSize(5);
    }

    @Test
    void everyDocumentNamesItsEventAndOrder() {
        for (GeneratedEvent e : events) {
            assertThat(ExpectedOutcome.eventIdOf(e.xml())).hasValue(e.eventId());
            if (e.defect() == Defect.KEY_MISSING) {
                assertThat(e.orderId()).isNull();
                assertThat(e.kafkaKey()).isNull();
                assertThat(e.xmlText()).doesNotContain("OrderId");
            } else {
                assertThat(e.xmlText()).contains("<o:OrderId>" + e.orderId() + "</o:OrderId>");
                assertThat(new String(e.kafkaKey(), java.nio.charset.StandardCharsets.UTF_8))
                        .isEqualTo(e.orderId());
            }
            java.util.regex.Matcher occurredAt =
                    java.util.regex.Pattern.compile("<o:OccurredAt>([^<]+)</o:OccurredAt>")
                            .matcher(e.xmlText());
            assertThat(occurredAt.find()).isTrue();
            assertThat(occurredAt.group(1)).endsWith("Z").contains(".");
            assertThat(Instant.parse(occurredAt.group(1)).toEpochMilli()).isEqualTo(e.eventTime());
        }
    }

    @Test
    void carriesTheFatesOfTheModel() {
        ExpectedOutcome model = ExpectedOutcome.of(events);

        for (GeneratedEvent e : events) {
            assertThat(e.fate()).isEqualTo(model.fate(e.eventId()));
        }
    }

    @Test
    void clockEventsAreOneFreshPlacementPerPartitionAfterEverythingElse() throws Exception {
        List<GeneratedEvent> clocks = OrderGenerator.clockEvents(events, 4, Duration.ofMinutes(1));

        long latest = events.stream().mapToLong(GeneratedEvent::eventTime).max().orElseThrow();
        assertThat(clocks).hasSize(4);
        java.util.Set<String> orders = new java.util.HashSet<>();
        events.forEach(e -> orders.add(e.orderId()));
        for (int p = 0; p < 4; p++) {
            GeneratedEvent clock = clocks.get(p);
            assertThat(clock.phase()).isEqualTo(Phase.CLOCK);
            assertThat(clock.partition(4)).isEqualTo(p);
            assertThat(clock.index()).isEqualTo(events.size() + p);
            assertThat(clock.eventId()).isEqualTo("e-" + (events.size() + p + 1));
            assertThat(clock.eventTime()).isEqualTo(latest + 60_000);
            assertThat(orders).doesNotContain(clock.orderId());
            assertThat(CustomerClass.of(clock.fields().customerId()))
                    .isEqualTo(CustomerClass.NORMAL);
            schemas.validate(clock.xml());
            assertThat(clock.fate().commands())
                    .singleElement()
                    .satisfies(
                            c ->
                                    assertThat(c.type())
                                            .isEqualTo(
                                                    dev.keyflow.reference.orders.CommandType
                                                            .SEND_CONFIRMATION));
        }
        List<GeneratedEvent> all = new ArrayList<>(events);
        all.addAll(clocks);
        ExpectedOutcome withClocks = ExpectedOutcome.of(all);
        ExpectedOutcome without = ExpectedOutcome.of(events);
        assertThat(withClocks.totalCommands()).isEqualTo(without.totalCommands() + 4);
        assertThat(withClocks.errors()).isEqualTo(without.errors());
    }

    @Test
    void partitionsByOrderKeepingProductionOrder() {
        Map<Integer, List<GeneratedEvent>> partitions = OrderGenerator.partition(events, 4);

        assertThat(partitions).containsOnlyKeys(0, 1, 2, 3);
        assertThat(partitions.values().stream().mapToInt(List::size).sum())
                .isEqualTo(events.size());
        Map<String, Integer> partitionOfOrder = new HashMap<>();
        partitions.forEach(
                (p, list) -> {
                    assertThat(list)
                            .isSortedAccordingTo(
                                    java.util.Comparator.comparingInt(GeneratedEvent::index));
                    assertThat(list).isNotEmpty();
                    for (GeneratedEvent e : list) {
                        if (e.orderId() != null) {
                            assertThat(partitionOfOrder.putIfAbsent(e.orderId(), p)).isIn(null, p);
                        }
                    }
                });
    }

    @Test
    void checksItsSettings() {
        assertThatThrownBy(() -> OrderGenerator.Settings.builder().invalidShare(1.5))
                .hasMessageContaining("invalidShare");
        assertThatThrownBy(
                        () ->
                                OrderGenerator.Settings.builder()
                                        .customerShare(CustomerClass.NORMAL, 0.5))
                .hasMessageContaining("NORMAL");
        assertThatThrownBy(
                        () ->
                                OrderGenerator.Settings.builder()
                                        .customerShare(CustomerClass.DOWN, 0.6)
                                        .customerShare(CustomerClass.FLAKY, 0.6)
                                        .build())
                .hasMessageContaining("customer shares");
        assertThatThrownBy(() -> OrderGenerator.Settings.builder().events(10).orders(20).build())
                .hasMessageContaining("orders");
        assertThatThrownBy(() -> OrderGenerator.Settings.builder().spacing(Duration.ZERO))
                .hasMessageContaining("spacing");
    }

    @Test
    void withFewOrdersTheListIsShorterAndSaysSo() {
        List<GeneratedEvent> few =
                OrderGenerator.generate(
                        OrderGenerator.Settings.builder()
                                .seed(1)
                                .events(1_000)
                                .orders(10)
                                .lateShare(0)
                                .start(START)
                                .build());

        assertThat(few.size()).isLessThan(1_000).isGreaterThanOrEqualTo(10 * 3);
        assertThat(OrderGenerator.summary(few).orders()).isEqualTo(10);
    }

    /** The rule the generator breaks, checked on the document text. */
    private static boolean ruleBroken(GeneratedEvent e) {
        String xml = e.xmlText();
        switch (e.type()) {
            case ITEM_ADDED:
                return xml.contains("<o:Quantity>0<") || xml.contains("<o:Quantity>500<");
            case PAYMENT_AUTHORISED:
                return xml.contains("currency=\"JPY\"");
            case REFUNDED:
                return e.fields().amount().signum() > 0; // above paid: see the cross-check test
            default:
                return false;
        }
    }
}
