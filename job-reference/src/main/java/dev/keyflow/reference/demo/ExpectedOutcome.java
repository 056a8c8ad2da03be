package dev.keyflow.reference.demo;

import dev.keyflow.core.ErrorReason;
import dev.keyflow.reference.demo.GeneratedEvent.Defect;
import dev.keyflow.reference.demo.GeneratedEvent.Fields;
import dev.keyflow.reference.demo.GeneratedEvent.Phase;
import dev.keyflow.reference.orders.CommandType;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The model the reference job is tested against: what should become of each generated event, worked
 * out independently of the job's {@code OrderLogic} from the generator's own data.
 *
 * <pre>{@code
 * ExpectedOutcome expected = ExpectedOutcome.of(events);
 * assertThat(outboxValues.stream().map(v -> ExpectedCommand.fromOutbox(v).line()).sorted())
 *         .containsExactlyElementsOf(expected.commandLines());
 * assertThat(dlqEventIdToReason).isEqualTo(expected.errors());
 * }</pre>
 *
 * <p>How it decides, in the pipeline's order: a document without order id is {@code KEY_MISSING},
 * one with a DOCTYPE {@code DOCTYPE_FORBIDDEN}; every {@link Phase#LATE} event is {@code LATE}. The
 * rest is taken per order in event-time order (what the resequencer delivers; ties by production
 * order): a malformed or schema-invalid document is rejected with its reason; then the rules of the
 * bundle (quantity 1..100, a SKU and a positive price, a positive amount in EUR, USD or GBP, a
 * refund not above what the order has paid) give {@code RULE_VIOLATION}; then the lifecycle {@code
 * NEW -PLACED-> PLACED (-ITEM_ADDED-> PLACED)* -PAYMENT_AUTHORISED-> PAID -SHIPPED-> SHIPPED
 * -REFUNDED-> REFUNDED}, with {@code CANCELLED} from PLACED or PAID; any other step is {@code
 * INVALID_TRANSITION}. A placement whose customer is UNKNOWN or BLOCKED, a payment of an order
 * without items or not matching its total are {@code BUSINESS_REJECTED}; a placement whose customer
 * is DOWN is {@code RETRIES_EXHAUSTED} (it never succeeds, so the order's later events meet an
 * order that was never placed). A rejected event changes nothing.
 *
 * <p>Each rejected event is one DLQ record (the generator breaks at most one rule per event).
 * Accepted events send 0 to 2 commands; an order cancelled while PLACED without items sends none,
 * so outbox records plus DLQ records are not the number of inputs (see {@link
 * #acceptedWithoutCommands()}). DOWN placements also pass through the retry topic before their DLQ
 * record.
 */
public final class ExpectedOutcome {

    private static final Pattern EVENT_ID = Pattern.compile("<o:EventId>([^<]*)</o:EventId>");
    private static final Set<String> CURRENCIES = Set.of("EUR", "USD", "GBP");

    private final Map<String, Fate> fates;
    private final List<ExpectedCommand> commands;
    private final Map<String, ErrorReason> errors;
    private final Map<ErrorReason, Long> countsByReason;
    private final int acceptedWithoutCommands;

    private ExpectedOutcome(Map<String, Fate> fates) {
        this.fates = Collections.unmodifiableMap(fates);
        List<ExpectedCommand> all = new ArrayList<>();
        Map<String, ErrorReason> rejected = new LinkedHashMap<>();
        Map<ErrorReason, Long> counts = new EnumMap<>(ErrorReason.class);
        int silent = 0;
        for (Map.Entry<String, Fate> e : fates.entrySet()) {
            Fate fate = e.getValue();
            if (fate.isAccepted()) {
                all.addAll(fate.commands());
                if (fate.commands().isEmpty()) {
                    silent++;
                }
            } else {
                rejected.put(e.getKey(), fate.reason());
                counts.merge(fate.reason(), 1L, Long::sum);
            }
        }
        Collections.sort(all);
        this.commands = Collections.unmodifiableList(all);
        this.errors = Collections.unmodifiableMap(rejected);
        this.countsByReason = Collections.unmodifiableMap(counts);
        this.acceptedWithoutCommands = silent;
    }

    /** Works out the fate of every event (their own {@code fate()} is not consulted). */
    public static ExpectedOutcome of(List<GeneratedEvent> events) {
        Objects.requireNonNull(events, "events");
        Map<String, Fate> fates = new LinkedHashMap<>();
        Map<String, List<GeneratedEvent>> byOrder = new LinkedHashMap<>();
        for (GeneratedEvent e : events) {
            if (fates.containsKey(e.eventId())) {
                throw new IllegalArgumentException("event id " + e.eventId() + " is not unique");
            }
            // Placeholder, so that fates() keeps production order.
            fates.put(e.eventId(), null);
            if (e.defect() == Defect.KEY_MISSING) {
                fates.put(e.eventId(), Fate.rejected(ErrorReason.KEY_MISSING));
            } else if (e.defect() == Defect.DOCTYPE) {
                fates.put(e.eventId(), Fate.rejected(ErrorReason.DOCTYPE_FORBIDDEN));
            } else if (e.phase() == Phase.LATE) {
                fates.put(e.eventId(), Fate.rejected(ErrorReason.LATE));
            } else {
                byOrder.computeIfAbsent(e.orderId(), k -> new ArrayList<>()).add(e);
            }
        }
        Comparator<GeneratedEvent> eventTimeOrder =
                Comparator.comparingLong(GeneratedEvent::eventTime)
                        .thenComparingInt(GeneratedEvent::index);
        for (Map.Entry<String, List<GeneratedEvent>> order : byOrder.entrySet()) {
            List<GeneratedEvent> inOrder = new ArrayList<>(order.getValue());
            inOrder.sort(eventTimeOrder);
            Order state = new Order(order.getKey());
            for (GeneratedEvent e : inOrder) {
                fates.put(e.eventId(), state.decide(e));
            }
        }
        return new ExpectedOutcome(fates);
    }

    /**
     * The event id in a document ({@code <o:EventId>}), as found in the raw bytes of a DLQ record;
     * every generated document has one, whatever its defect.
     */
    public static Optional<String> eventIdOf(byte[] xml) {
        Matcher m = EVENT_ID.matcher(new String(xml, StandardCharsets.UTF_8));
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** The fate of every event, by event id, in production order. */
    public Map<String, Fate> fates() {
        return fates;
    }

    /** The fate of one event. */
    public Fate fate(String eventId) {
        Fate fate = fates.get(eventId);
        if (fate == null) {
            throw new IllegalArgumentException("no event " + eventId);
        }
        return fate;
    }

    /** Every expected outbox command, sorted by key and sequence. */
    public List<ExpectedCommand> commands() {
        return commands;
    }

    /** {@link ExpectedCommand#line()} of every expected command, sorted as text. */
    public List<String> commandLines() {
        List<String> lines = new ArrayList<>(commands.size());
        for (ExpectedCommand c : commands) {
            lines.add(c.line());
        }
        Collections.sort(lines);
        return lines;
    }

    /** The rejected events: event id to the reason of its DLQ record, in production order. */
    public Map<String, ErrorReason> errors() {
        return errors;
    }

    /** How many DLQ records per reason. */
    public Map<ErrorReason, Long> countsByReason() {
        return countsByReason;
    }

    /** How many outbox records. */
    public long totalCommands() {
        return commands.size();
    }

    /** How many DLQ records. */
    public int totalErrors() {
        return errors.size();
    }

    /** How many events are accepted but send no command (neither outbox nor DLQ). */
    public int acceptedWithoutCommands() {
        return acceptedWithoutCommands;
    }

    /** How many commands per order key, sorted by key. */
    public Map<String, Long> commandsPerKey() {
        Map<String, Long> perKey = new TreeMap<>();
        for (ExpectedCommand c : commands) {
            perKey.merge(c.key(), 1L, Long::sum);
        }
        return perKey;
    }

    @Override
    public String toString() {
        return "ExpectedOutcome{events="
                + fates.size()
                + ", commands="
                + commands.size()
                + ", errors="
                + countsByReason
                + ", acceptedWithoutCommands="
                + acceptedWithoutCommands
                + "}";
    }

    private enum Status {
        NEW,
        PLACED,
        PAID,
        SHIPPED,
        CANCELLED,
        REFUNDED
    }

    /** The model's own state of one order, and its decisions. */
    private static final class Order {
        private final String key;
        private Status status = Status.NEW;
        private String email = "";
        private long items;
        private long units;
        private BigDecimal total = BigDecimal.ZERO;
        private BigDecimal paid = BigDecimal.ZERO;
        private long sequence;

        Order(String key) {
            this.key = key;
        }

        Fate decide(GeneratedEvent e) {
            if (e.defect() == Defect.MALFORMED_XML || e.defect() == Defect.SCHEMA_VIOLATION) {
                return Fate.rejected(e.defect().reason().orElseThrow());
            }
            Fields f = e.fields();
            if (breaksARule(e, f)) {
                return Fate.rejected(ErrorReason.RULE_VIOLATION);
            }
            switch (e.type()) {
                case PLACED:
                    return placed(e, f);
                case ITEM_ADDED:
                    if (status != Status.PLACED) {
                        return invalid();
                    }
                    items++;
                    units += f.quantity();
                    total = total.add(f.price().multiply(BigDecimal.valueOf(f.quantity())));
                    return accept(
                            command(
                                    e,
                                    CommandType.RESERVE_STOCK,
                                    "sku",
                                    f.sku(),
                                    "quantity",
                                    Long.toString(f.quantity())));
                case PAYMENT_AUTHORISED:
                    if (status != Status.PLACED) {
                        return invalid();
                    }
                    if (items == 0 || f.amount().compareTo(total) != 0) {
                        return Fate.rejected(ErrorReason.BUSINESS_REJECTED);
                    }
                    status = Status.PAID;
                    paid = paid.add(f.amount());
                    return accept(
                            confirmation(
                                    e, "payment-received", "amount", f.amount().toPlainString()));
                case SHIPPED:
                    if (status != Status.PAID) {
                        return invalid();
                    }
                    status = Status.SHIPPED;
                    return accept(confirmation(e, "order-shipped", "carrier", f.carrier()));
                case CANCELLED:
                    return cancelled(e);
                case REFUNDED:
                    if (status != Status.SHIPPED) {
                        return invalid();
                    }
                    status = Status.REFUNDED;
                    paid = paid.subtract(f.amount());
                    return accept(
                            command(
                                    e,
                                    CommandType.REFUND_PAYMENT,
                                    "amount",
                                    f.amount().toPlainString()));
                default:
                    throw new IllegalStateException("unknown event type " + e.type());
            }
        }

        private Fate placed(GeneratedEvent e, Fields f) {
            if (status != Status.NEW) {
                return invalid();
            }
            switch (CustomerClass.of(f.customerId())) {
                case UNKNOWN:
                case BLOCKED:
                    return Fate.rejected(ErrorReason.BUSINESS_REJECTED);
                case DOWN:
                    return Fate.rejected(ErrorReason.RETRIES_EXHAUSTED);
                default:
                    status = Status.PLACED;
                    email = CustomerClass.email(f.customerId());
                    return accept(
                            confirmation(
                                    e, "order-placed", "tier", CustomerClass.tier(f.customerId())));
            }
        }

        private Fate cancelled(GeneratedEvent e) {
            if (status != Status.PLACED && status != Status.PAID) {
                return invalid();
            }
            List<Map<String, String>> payloads = new ArrayList<>();
            List<CommandType> types = new ArrayList<>();
            if (items > 0) {
                types.add(CommandType.RELEASE_STOCK);
                payloads.add(Map.of("items", Long.toString(items), "units", Long.toString(units)));
            }
            if (status == Status.PAID) {
                types.add(CommandType.REFUND_PAYMENT);
                payloads.add(Map.of("amount", paid.toPlainString()));
            }
            status = Status.CANCELLED;
            List<ExpectedCommand> commands = new ArrayList<>();
            for (int i = 0; i < types.size(); i++) {
                commands.add(
                        new ExpectedCommand(
                                key, ++sequence, types.get(i), e.eventId(), payloads.get(i)));
            }
            return Fate.accepted(commands);
        }

        /** The rule bundle's rules, as this model reads them, against the current state. */
        private boolean breaksARule(GeneratedEvent e, Fields f) {
            switch (e.type()) {
                case PLACED:
                    return f.customerId() == null || f.customerId().isEmpty();
                case ITEM_ADDED:
                    return f.sku() == null
                            || f.sku().isEmpty()
                            || f.price().signum() <= 0
                            || f.quantity() < 1
                            || f.quantity() > 100;
                case PAYMENT_AUTHORISED:
                    return f.amount().signum() <= 0 || !CURRENCIES.contains(f.currency());
                case REFUNDED:
                    return f.amount().signum() <= 0
                            || !CURRENCIES.contains(f.currency())
                            || f.amount().compareTo(paid) > 0;
                default:
                    return false;
            }
        }

        private Fate invalid() {
            return Fate.rejected(ErrorReason.INVALID_TRANSITION);
        }

        private static Fate accept(ExpectedCommand command) {
            return Fate.accepted(List.of(command));
        }

        private ExpectedCommand confirmation(
                GeneratedEvent e, String template, String field, String value) {
            return command(
                    e,
                    CommandType.SEND_CONFIRMATION,
                    "template",
                    template,
                    "email",
                    email,
                    field,
                    value);
        }

        private ExpectedCommand command(GeneratedEvent e, CommandType type, String... fields) {
            Map<String, String> payload = new TreeMap<>();
            for (int i = 0; i < fields.length; i += 2) {
                payload.put(fields[i], fields[i + 1]);
            }
            return new ExpectedCommand(key, ++sequence, type, e.eventId(), payload);
        }
    }
}
