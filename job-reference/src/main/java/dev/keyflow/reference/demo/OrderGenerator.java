package dev.keyflow.reference.demo;

import dev.keyflow.reference.demo.GeneratedEvent.Defect;
import dev.keyflow.reference.demo.GeneratedEvent.Fields;
import dev.keyflow.reference.demo.GeneratedEvent.Phase;
import dev.keyflow.reference.orders.EventType;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import javax.annotation.Nullable;

/**
 * Makes demo order events, deterministically from {@link Settings}: the same settings give the same
 * events, byte for byte.
 *
 * <pre>{@code
 * OrderGenerator.Settings settings = OrderGenerator.Settings.builder()
 *         .seed(42)
 *         .events(20_000)
 *         .invalidShare(0.05)
 *         .build();
 * List<GeneratedEvent> events = OrderGenerator.generate(settings);
 * ExpectedOutcome expected = ExpectedOutcome.of(events);
 * }</pre>
 *
 * <p><b>Orders.</b> Each order follows a lifecycle: {@code PLACED(customer)}, 1 to 4 {@code
 * ITEM_ADDED(sku, quantity 1..5, price with 2 decimals)}, then mostly {@code PAYMENT_AUTHORISED(the
 * exact total, EUR)} followed by {@code SHIPPED(carrier)} (sometimes then {@code REFUNDED} of at
 * most the paid amount) or {@code CANCELLED(reason)}; some are cancelled before payment. A share of
 * orders ({@link Settings#invalidTransitionShare()}) gets one deliberately wrong step (shipped
 * before payment, placed twice, a payment that does not match the total before the right one, an
 * item after payment, a payment before any item). The customer's {@link CustomerClass} is drawn by
 * {@link Settings#customerShares()}. Orders run side by side ({@link Settings#concurrentOrders()}
 * at a time), so their events interleave. If the lifecycles hold more events than wanted, the
 * lifecycles are cut short at their end (open orders), so the number of events is exact unless
 * there are too few orders for it (lifecycles average about 5.5 events); {@link #summary} reports
 * what was made.
 *
 * <p><b>Phases.</b> {@link Phase#MAIN} events come first, in production order; their event times
 * are {@code start + i * spacing} for the i-th event of the lifecycle interleaving. A share of them
 * ({@link Settings#outOfOrderShare()}) is swapped with a later event (same order if one is close,
 * else another) less than 2 s of event time away, so they stay within the job's 5 s watermark
 * bound. A share of them ({@link Settings#invalidShare()}) is made invalid, split evenly among the
 * {@link Defect}s (the defective document replaces the lifecycle event, so its order goes on
 * without it). Then {@link Phase#LATE}: {@link Settings#lateShare()} of the events, valid documents
 * for existing orders with event times from {@code start - 1 h}; produce them after the main phase
 * has been read (the watermark must have passed {@code start}), they are all {@code LATE}. {@link
 * #clockEvents} makes the {@link Phase#CLOCK} events that move every partition's watermark past the
 * rest.
 */
public final class OrderGenerator {

    private static final DateTimeFormatter OCCURRED_AT =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    private static final String[] CARRIERS = {"DHL", "UPS", "DPD", "GLS", "PostNL"};
    private static final String[] CANCEL_REASONS = {
        "customer-request", "out-of-stock", "payment-timeout", "duplicate-order"
    };
    private static final Duration MAX_DISPLACEMENT = Duration.ofSeconds(2);
    private static final int MAX_SWAP_DISTANCE = 32;
    private static final Duration LATE_OFFSET = Duration.ofHours(1);
    private static final Defect[] DEFECTS = {
        Defect.MALFORMED_XML,
        Defect.SCHEMA_VIOLATION,
        Defect.RULE_VIOLATION,
        Defect.KEY_MISSING,
        Defect.DOCTYPE
    };

    private OrderGenerator() {}

    /** Makes the events: the main phase in production order, then the late phase. */
    public static List<GeneratedEvent> generate(Settings settings) {
        Objects.requireNonNull(settings, "settings");
        return new Run(settings).generate();
    }

    /**
     * One {@link Phase#CLOCK} event per partition in {@code [0, partitions)}, to be produced after
     * {@code events}: a valid PLACED event of a fresh order ({@code clock-<n>}, chosen so that
     * {@link GeneratedEvent#partition} is the partition) for a NORMAL customer, with the event time
     * {@code after} past the latest of {@code events}. Once a partition's clock event is read, its
     * watermark (bounded out-of-orderness shorter than {@code after}) passes every earlier event,
     * so a resequencer releases them; the clock events themselves stay buffered until the watermark
     * moves on again (a drained stop ends with the maximum watermark). The model's fate of each:
     * accepted with one SEND_CONFIRMATION command. Event ids and indexes continue those of {@code
     * events}.
     */
    public static List<GeneratedEvent> clockEvents(
            List<GeneratedEvent> events, int partitions, Duration after) {
        Objects.requireNonNull(events, "events");
        Objects.requireNonNull(after, "after");
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be at least 1, was " + partitions);
        }
        if (after.toMillis() < 1) {
            throw new IllegalArgumentException("after must be at least 1 ms, was " + after);
        }
        long latest = Long.MIN_VALUE;
        Set<String> eventIds = new HashSet<>();
        Set<String> orderIds = new HashSet<>();
        for (GeneratedEvent e : events) {
            latest = Math.max(latest, e.eventTime());
            eventIds.add(e.eventId());
            if (e.orderId() != null) {
                orderIds.add(e.orderId());
            }
        }
        long eventTime =
                (events.isEmpty() ? Instant.now().toEpochMilli() : latest) + after.toMillis();
        String[] orderOf = new String[partitions];
        int found = 0;
        for (int n = 1; found < partitions; n++) {
            String orderId = "clock-" + n;
            int partition = Math.floorMod(orderId.hashCode(), partitions);
            if (orderOf[partition] == null && !orderIds.contains(orderId)) {
                orderOf[partition] = orderId;
                found++;
            }
        }
        Random unused = new Random(0); // only defective documents draw from it
        List<GeneratedEvent> clocks = new ArrayList<>(partitions);
        int next = events.size() + 1;
        for (int p = 0; p < partitions; p++) {
            String eventId = "e-" + next;
            while (eventIds.contains(eventId)) {
                eventId = "e-" + ++next;
            }
            next++;
            String customerId = CustomerClass.NORMAL.customerId(p);
            Planned planned =
                    new Planned(
                            orderOf[p],
                            EventType.PLACED,
                            new Fields(customerId, null, null, null, null, null, null, null),
                            null);
            String xml = Documents.write(planned, eventId, eventTime, Defect.NONE, unused);
            clocks.add(
                    new GeneratedEvent(
                            events.size() + p,
                            eventId,
                            orderOf[p],
                            eventTime,
                            Phase.CLOCK,
                            EventType.PLACED,
                            Defect.NONE,
                            planned.fields,
                            false,
                            xml.getBytes(StandardCharsets.UTF_8),
                            null));
        }
        Map<String, Fate> fates = ExpectedOutcome.of(clocks).fates();
        List<GeneratedEvent> withFates = new ArrayList<>(partitions);
        for (GeneratedEvent e : clocks) {
            withFates.add(e.withFate(fates.get(e.eventId())));
        }
        return Collections.unmodifiableList(withFates);
    }

    /**
     * Splits events by Kafka partition ({@link GeneratedEvent#partition}), keeping production order
     * within each partition; every partition in {@code [0, partitions)} has an entry.
     */
    public static Map<Integer, List<GeneratedEvent>> partition(
            List<GeneratedEvent> events, int partitions) {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be at least 1, was " + partitions);
        }
        Map<Integer, List<GeneratedEvent>> split = new TreeMap<>();
        for (int p = 0; p < partitions; p++) {
            split.put(p, new ArrayList<>());
        }
        for (GeneratedEvent event : events) {
            split.get(event.partition(partitions)).add(event);
        }
        return split;
    }

    /** What a list of generated events holds. */
    public static Summary summary(List<GeneratedEvent> events) {
        Map<Phase, Integer> byPhase = new EnumMap<>(Phase.class);
        Map<Defect, Integer> byDefect = new EnumMap<>(Defect.class);
        Map<EventType, Integer> byType = new EnumMap<>(EventType.class);
        java.util.Set<String> orders = new java.util.HashSet<>();
        int displaced = 0;
        for (GeneratedEvent e : events) {
            byPhase.merge(e.phase(), 1, Integer::sum);
            byDefect.merge(e.defect(), 1, Integer::sum);
            byType.merge(e.type(), 1, Integer::sum);
            if (e.orderId() != null) {
                orders.add(e.orderId());
            }
            if (e.displaced()) {
                displaced++;
            }
        }
        return new Summary(events.size(), orders.size(), byPhase, byDefect, byType, displaced);
    }

    /**
     * Counts of generated events.
     *
     * @param events all events
     * @param orders distinct order ids
     * @param displaced events swapped out of event-time order
     */
    public record Summary(
            int events,
            int orders,
            Map<Phase, Integer> byPhase,
            Map<Defect, Integer> byDefect,
            Map<EventType, Integer> byType,
            int displaced) {

        public Summary {
            byPhase = Collections.unmodifiableMap(new EnumMap<>(byPhase));
            byDefect = Collections.unmodifiableMap(new EnumMap<>(byDefect));
            byType = Collections.unmodifiableMap(new EnumMap<>(byType));
        }

        /** Events of {@code phase}. */
        public int count(Phase phase) {
            return byPhase.getOrDefault(phase, 0);
        }

        /** Events with {@code defect}. */
        public int count(Defect defect) {
            return byDefect.getOrDefault(defect, 0);
        }
    }

    /**
     * What to generate; immutable. Start with {@link #builder()}.
     *
     * <pre>{@code
     * Settings settings = Settings.builder()
     *         .seed(7)
     *         .events(2_000)
     *         .orders(300)
     *         .customerShare(CustomerClass.DOWN, 0.0)
     *         .start(Instant.parse("2030-01-01T00:00:00Z"))
     *         .build();
     * }</pre>
     */
    public static final class Settings {
        private final long seed;
        private final int events;
        private final int orders;
        private final double invalidShare;
        private final double outOfOrderShare;
        private final double lateShare;
        private final double invalidTransitionShare;
        private final Map<CustomerClass, Double> customerShares;
        private final Instant start;
        private final Duration spacing;
        private final int concurrentOrders;

        private Settings(Builder b, Instant start, int orders) {
            this.seed = b.seed;
            this.events = b.events;
            this.orders = orders;
            this.invalidShare = b.invalidShare;
            this.outOfOrderShare = b.outOfOrderShare;
            this.lateShare = b.lateShare;
            this.invalidTransitionShare = b.invalidTransitionShare;
            this.start = start;
            this.spacing = b.spacing;
            this.concurrentOrders = b.concurrentOrders;
            double others = 0;
            for (Map.Entry<CustomerClass, Double> e : b.customerShares.entrySet()) {
                if (e.getKey() != CustomerClass.NORMAL) {
                    others += e.getValue();
                }
            }
            Map<CustomerClass, Double> shares = new EnumMap<>(b.customerShares);
            shares.put(CustomerClass.NORMAL, Math.max(0.0, 1.0 - others));
            this.customerShares = Collections.unmodifiableMap(shares);
        }

        /** A builder with the defaults. */
        public static Builder builder() {
            return new Builder();
        }

        /** The random seed. Default 1. */
        public long seed() {
            return seed;
        }

        /** The number of events wanted, both phases. Default 10,000. */
        public int events() {
            return events;
        }

        /** The number of distinct orders (keys). Default {@code events / 5}. */
        public int orders() {
            return orders;
        }

        /** The share of main-phase events made invalid. Default 0.05. */
        public double invalidShare() {
            return invalidShare;
        }

        /** The share of main-phase events swapped out of event-time order. Default 0.05. */
        public double outOfOrderShare() {
            return outOfOrderShare;
        }

        /** The share of all events that are late (the late phase). Default 0.01. */
        public double lateShare() {
            return lateShare;
        }

        /** The share of orders with one deliberately invalid step. Default 0.05. */
        public double invalidTransitionShare() {
            return invalidTransitionShare;
        }

        /**
         * The share of orders per customer class; {@link CustomerClass#NORMAL} has the rest.
         * Default FLAKY 0.05, UNKNOWN 0.02, BLOCKED 0.02, DOWN 0.01.
         */
        public Map<CustomerClass, Double> customerShares() {
            return customerShares;
        }

        /** The event time of the first main-phase event. Default: now, to the second, at build. */
        public Instant start() {
            return start;
        }

        /** The event time between consecutive main-phase events. Default 10 ms. */
        public Duration spacing() {
            return spacing;
        }

        /** How many orders are open at a time (their events interleave). Default 50. */
        public int concurrentOrders() {
            return concurrentOrders;
        }

        @Override
        public String toString() {
            return "Settings{seed="
                    + seed
                    + ", events="
                    + events
                    + ", orders="
                    + orders
                    + ", invalidShare="
                    + invalidShare
                    + ", outOfOrderShare="
                    + outOfOrderShare
                    + ", lateShare="
                    + lateShare
                    + ", invalidTransitionShare="
                    + invalidTransitionShare
                    + ", customerShares="
                    + customerShares
                    + ", start="
                    + start
                    + ", spacing="
                    + spacing
                    + ", concurrentOrders="
                    + concurrentOrders
                    + "}";
        }

        /** Builds {@link Settings}; setters check their argument at once. */
        public static final class Builder {
            private long seed = 1;
            private int events = 10_000;
            private int orders;
            private double invalidShare = 0.05;
            private double outOfOrderShare = 0.05;
            private double lateShare = 0.01;
            private double invalidTransitionShare = 0.05;
            private final Map<CustomerClass, Double> customerShares =
                    new EnumMap<>(CustomerClass.class);
            @Nullable private Instant start;
            private Duration spacing = Duration.ofMillis(10);
            private int concurrentOrders = 50;

            private Builder() {
                customerShares.put(CustomerClass.FLAKY, 0.05);
                customerShares.put(CustomerClass.UNKNOWN, 0.02);
                customerShares.put(CustomerClass.BLOCKED, 0.02);
                customerShares.put(CustomerClass.DOWN, 0.01);
            }

            public Builder seed(long seed) {
                this.seed = seed;
                return this;
            }

            public Builder events(int events) {
                if (events < 1) {
                    throw new IllegalArgumentException("events must be at least 1, was " + events);
                }
                this.events = events;
                return this;
            }

            /** The number of distinct orders; 0 (the default) means {@code events / 5}. */
            public Builder orders(int orders) {
                if (orders < 0) {
                    throw new IllegalArgumentException(
                            "orders must not be negative, was " + orders);
                }
                this.orders = orders;
                return this;
            }

            public Builder invalidShare(double share) {
                this.invalidShare = share("invalidShare", share);
                return this;
            }

            public Builder outOfOrderShare(double share) {
                this.outOfOrderShare = share("outOfOrderShare", share);
                return this;
            }

            public Builder lateShare(double share) {
                this.lateShare = share("lateShare", share);
                return this;
            }

            public Builder invalidTransitionShare(double share) {
                this.invalidTransitionShare = share("invalidTransitionShare", share);
                return this;
            }

            /**
             * The share of orders whose customer is of {@code customerClass}; NORMAL cannot be set,
             * it gets what the others leave.
             */
            public Builder customerShare(CustomerClass customerClass, double share) {
                Objects.requireNonNull(customerClass, "customerClass");
                if (customerClass == CustomerClass.NORMAL) {
                    throw new IllegalArgumentException(
                            "customerClass NORMAL gets the rest; set the other classes");
                }
                customerShares.put(customerClass, share("share", share));
                return this;
            }

            public Builder start(Instant start) {
                this.start = Objects.requireNonNull(start, "start");
                return this;
            }

            public Builder spacing(Duration spacing) {
                Objects.requireNonNull(spacing, "spacing");
                if (spacing.toMillis() < 1) {
                    throw new IllegalArgumentException(
                            "spacing must be at least 1 ms, was " + spacing);
                }
                this.spacing = spacing;
                return this;
            }

            public Builder concurrentOrders(int concurrentOrders) {
                if (concurrentOrders < 1) {
                    throw new IllegalArgumentException(
                            "concurrentOrders must be at least 1, was " + concurrentOrders);
                }
                this.concurrentOrders = concurrentOrders;
                return this;
            }

            /** Checks the settings as a whole. */
            public Settings build() {
                double others = 0;
                for (double share : customerShares.values()) {
                    others += share;
                }
                if (others > 1.0 + 1e-9) {
                    throw new IllegalArgumentException(
                            "customer shares add up to " + others + ", more than 1");
                }
                int wantedOrders = orders > 0 ? orders : Math.max(1, events / 5);
                int late = (int) Math.round(lateShare * events);
                if (wantedOrders > events - late) {
                    throw new IllegalArgumentException(
                            "orders ("
                                    + wantedOrders
                                    + ") must not exceed the main-phase events ("
                                    + (events - late)
                                    + "): each order has at least its PLACED event");
                }
                Instant first =
                        start != null ? start : Instant.now().truncatedTo(ChronoUnit.SECONDS);
                return new Settings(this, first, wantedOrders);
            }

            private static double share(String name, double share) {
                if (!(share >= 0.0 && share <= 1.0)) {
                    throw new IllegalArgumentException(name + " must be in [0, 1], was " + share);
                }
                return share;
            }
        }
    }

    /** One event of an order's plan, before it is placed in time. */
    private static final class Planned {
        final String orderId;
        final EventType type;
        Fields fields;

        /** For a refund: what the plan paid, so that a defect can refund more. */
        @Nullable final BigDecimal paid;

        Planned(String orderId, EventType type, Fields fields, @Nullable BigDecimal paid) {
            this.orderId = orderId;
            this.type = type;
            this.fields = fields;
            this.paid = paid;
        }
    }

    /** One main-phase event in time, with what is to be done to it. */
    private static final class Slot {
        final Planned planned;
        final String eventId;
        final long eventTime;
        Defect defect = Defect.NONE;
        boolean displaced;

        Slot(Planned planned, String eventId, long eventTime) {
            this.planned = planned;
            this.eventId = eventId;
            this.eventTime = eventTime;
        }
    }

    /** One generation run: the settings and the random source. */
    private static final class Run {
        private final Settings settings;
        private final Random random;

        Run(Settings settings) {
            this.settings = settings;
            this.random = new Random(settings.seed());
        }

        List<GeneratedEvent> generate() {
            int late = (int) Math.round(settings.lateShare() * settings.events());
            int mainTarget = settings.events() - late;
            List<List<Planned>> plans = new ArrayList<>(settings.orders());
            for (int k = 0; k < settings.orders(); k++) {
                plans.add(plan("order-" + (k + 1)));
            }
            trim(plans, mainTarget);
            List<Slot> slots = interleave(plans);
            corrupt(slots);
            displace(slots);

            List<GeneratedEvent> events = new ArrayList<>(slots.size() + late);
            for (Slot slot : slots) {
                events.add(event(events.size(), slot, Phase.MAIN));
            }
            long lateStart = settings.start().minus(LATE_OFFSET).toEpochMilli();
            for (int i = 0; i < late; i++) {
                Planned planned = latePlanned(plans.get(random.nextInt(plans.size())));
                Slot slot =
                        new Slot(
                                planned,
                                "e-" + (slots.size() + i + 1),
                                lateStart + i * settings.spacing().toMillis());
                events.add(event(events.size(), slot, Phase.LATE));
            }
            Map<String, Fate> fates = ExpectedOutcome.of(events).fates();
            List<GeneratedEvent> withFates = new ArrayList<>(events.size());
            for (GeneratedEvent e : events) {
                withFates.add(e.withFate(fates.get(e.eventId())));
            }
            return Collections.unmodifiableList(withFates);
        }

        /** The lifecycle of one order, with at most one deliberately invalid step. */
        private List<Planned> plan(String orderId) {
            String customerId = customer();
            List<Planned> plan = new ArrayList<>();
            plan.add(placed(orderId, customerId));
            int items = 1 + random.nextInt(4);
            BigDecimal total = BigDecimal.ZERO;
            for (int i = 0; i < items; i++) {
                Planned item = item(orderId);
                total =
                        total.add(
                                item.fields
                                        .price()
                                        .multiply(BigDecimal.valueOf(item.fields.quantity())));
                plan.add(item);
            }
            int payment = -1;
            double ending = random.nextDouble();
            if (ending < 0.10) {
                plan.add(cancelled(orderId));
            } else {
                payment = plan.size();
                plan.add(payment(orderId, total, "EUR"));
                if (ending < 0.85) {
                    plan.add(shipped(orderId));
                    if (random.nextDouble() < 0.25) {
                        BigDecimal refund =
                                random.nextBoolean()
                                        ? total
                                        : BigDecimal.valueOf(
                                                1
                                                        + random.nextInt(
                                                                total.movePointRight(2).intValue()),
                                                2);
                        plan.add(amountEvent(orderId, EventType.REFUNDED, refund, "EUR", total));
                    }
                } else {
                    plan.add(cancelled(orderId));
                }
            }
            if (random.nextDouble() < settings.invalidTransitionShare()) {
                breakOneStep(plan, orderId, customerId, total, payment);
            }
            return plan;
        }

        private void breakOneStep(
                List<Planned> plan,
                String orderId,
                String customerId,
                BigDecimal total,
                int payment) {
            int variant = random.nextInt(5);
            if (payment < 0 && (variant == 2 || variant == 3)) {
                variant = 0;
            }
            switch (variant) {
                case 0: // shipped before payment
                    plan.add(payment < 0 ? plan.size() : payment, shipped(orderId));
                    break;
                case 1: // placed twice
                    plan.add(2, placed(orderId, customerId));
                    break;
                case 2: // a payment not matching the total, before the right one
                    plan.add(
                            payment,
                            payment(orderId, total.add(BigDecimal.valueOf(100, 2)), "EUR"));
                    break;
                case 3: // an item after payment
                    plan.add(payment + 1, item(orderId));
                    break;
                default: // a payment before any item
                    plan.add(1, payment(orderId, plan.get(1).fields.price(), "EUR"));
                    break;
            }
        }

        private String customer() {
            double draw = random.nextDouble();
            double sum = 0;
            CustomerClass chosen = CustomerClass.NORMAL;
            for (CustomerClass c : CustomerClass.values()) {
                if (c == CustomerClass.NORMAL) {
                    continue;
                }
                sum += settings.customerShares().getOrDefault(c, 0.0);
                if (draw < sum) {
                    chosen = c;
                    break;
                }
            }
            return chosen.customerId(random.nextInt(1000));
        }

        private Planned placed(String orderId, String customerId) {
            return new Planned(
                    orderId,
                    EventType.PLACED,
                    new Fields(customerId, null, null, null, null, null, null, null),
                    null);
        }

        private Planned item(String orderId) {
            String sku = "SKU-" + (1000 + random.nextInt(9000));
            long quantity = 1 + random.nextInt(5);
            BigDecimal price = BigDecimal.valueOf(100 + random.nextInt(9900), 2);
            return new Planned(
                    orderId,
                    EventType.ITEM_ADDED,
                    new Fields(null, sku, quantity, price, null, null, null, null),
                    null);
        }

        private Planned payment(String orderId, BigDecimal amount, String currency) {
            return amountEvent(orderId, EventType.PAYMENT_AUTHORISED, amount, currency, null);
        }

        private static Planned amountEvent(
                String orderId,
                EventType type,
                BigDecimal amount,
                String currency,
                @Nullable BigDecimal paid) {
            return new Planned(
                    orderId,
                    type,
                    new Fields(null, null, null, null, amount, currency, null, null),
                    paid);
        }

        private Planned shipped(String orderId) {
            return new Planned(
                    orderId,
                    EventType.SHIPPED,
                    new Fields(
                            null,
                            null,
                            null,
                            null,
                            null,
                            null,
                            CARRIERS[random.nextInt(CARRIERS.length)],
                            null),
                    null);
        }

        private Planned cancelled(String orderId) {
            return new Planned(
                    orderId,
                    EventType.CANCELLED,
                    new Fields(
                            null,
                            null,
                            null,
                            null,
                            null,
                            null,
                            null,
                            CANCEL_REASONS[random.nextInt(CANCEL_REASONS.length)]),
                    null);
        }

        /** Cuts lifecycles short at their end until there are {@code target} events at most. */
        private void trim(List<List<Planned>> plans, int target) {
            long total = 0;
            List<List<Planned>> cuttable = new ArrayList<>();
            for (List<Planned> plan : plans) {
                total += plan.size();
                if (plan.size() > 1) {
                    cuttable.add(plan);
                }
            }
            while (total > target && !cuttable.isEmpty()) {
                int i = random.nextInt(cuttable.size());
                List<Planned> plan = cuttable.get(i);
                plan.remove(plan.size() - 1);
                total--;
                if (plan.size() == 1) {
                    Collections.swap(cuttable, i, cuttable.size() - 1);
                    cuttable.remove(cuttable.size() - 1);
                }
            }
        }

        /** Runs the orders side by side: the main phase in time order, before any displacement. */
        private List<Slot> interleave(List<List<Planned>> plans) {
            List<Slot> slots = new ArrayList<>();
            List<int[]> open = new ArrayList<>(); // {plan index, next event}
            int next = 0;
            long start = settings.start().toEpochMilli();
            long spacing = settings.spacing().toMillis();
            while (next < plans.size() || !open.isEmpty()) {
                while (open.size() < settings.concurrentOrders() && next < plans.size()) {
                    open.add(new int[] {next++, 0});
                }
                int pick = random.nextInt(open.size());
                int[] cursor = open.get(pick);
                List<Planned> plan = plans.get(cursor[0]);
                Planned planned = plan.get(cursor[1]++);
                int n = slots.size();
                slots.add(new Slot(planned, "e-" + (n + 1), start + n * spacing));
                if (cursor[1] == plan.size()) {
                    Collections.swap(open, pick, open.size() - 1);
                    open.remove(open.size() - 1);
                }
            }
            return slots;
        }

        /** Makes {@code invalidShare} of the slots defective, split evenly among the defects. */
        private void corrupt(List<Slot> slots) {
            int wanted = (int) Math.round(settings.invalidShare() * slots.size());
            List<Integer> all = shuffledIndices(slots.size());
            List<Integer> ruleable = new ArrayList<>();
            for (int i : all) {
                EventType type = slots.get(i).planned.type;
                if (type == EventType.ITEM_ADDED
                        || type == EventType.PAYMENT_AUTHORISED
                        || type == EventType.REFUNDED) {
                    ruleable.add(i);
                }
            }
            int fromAll = 0;
            int fromRuleable = 0;
            for (int d = 0; d < wanted; d++) {
                Defect defect = DEFECTS[d % DEFECTS.length];
                Slot slot = null;
                if (defect == Defect.RULE_VIOLATION) {
                    while (fromRuleable < ruleable.size() && slot == null) {
                        Slot candidate = slots.get(ruleable.get(fromRuleable++));
                        slot = candidate.defect == Defect.NONE ? candidate : null;
                    }
                    if (slot == null) {
                        defect = Defect.SCHEMA_VIOLATION;
                    }
                }
                while (slot == null && fromAll < all.size()) {
                    Slot candidate = slots.get(all.get(fromAll++));
                    slot = candidate.defect == Defect.NONE ? candidate : null;
                }
                if (slot == null) {
                    return;
                }
                slot.defect = defect;
                if (defect == Defect.RULE_VIOLATION) {
                    breakRule(slot.planned);
                }
            }
        }

        private void breakRule(Planned planned) {
            Fields f = planned.fields;
            switch (planned.type) {
                case ITEM_ADDED:
                    planned.fields =
                            new Fields(
                                    null,
                                    f.sku(),
                                    random.nextBoolean() ? 0L : 500L,
                                    f.price(),
                                    null,
                                    null,
                                    null,
                                    null);
                    break;
                case PAYMENT_AUTHORISED:
                    planned.fields =
                            new Fields(null, null, null, null, f.amount(), "JPY", null, null);
                    break;
                case REFUNDED:
                    BigDecimal more =
                            planned.paid.add(BigDecimal.valueOf(1 + random.nextInt(1000), 2));
                    planned.fields = new Fields(null, null, null, null, more, "EUR", null, null);
                    break;
                default:
                    throw new IllegalStateException("no rule to break for " + planned.type);
            }
        }

        /**
         * Swaps {@code outOfOrderShare} of the slots, in pairs, with a later slot less than 2 s of
         * event time away; a slot moves at most once.
         */
        private void displace(List<Slot> slots) {
            long spacing = settings.spacing().toMillis();
            int reach =
                    (int) Math.min(MAX_SWAP_DISTANCE, (MAX_DISPLACEMENT.toMillis() - 1) / spacing);
            if (reach < 1) {
                return;
            }
            double pairShare = settings.outOfOrderShare() / 2;
            for (int i = 0; i < slots.size(); i++) {
                Slot first = slots.get(i);
                if (first.displaced || random.nextDouble() >= pairShare) {
                    continue;
                }
                int last = Math.min(slots.size() - 1, i + reach);
                int partner = -1;
                for (int j = i + 1; j <= last; j++) {
                    Slot s = slots.get(j);
                    if (!s.displaced && s.planned.orderId.equals(first.planned.orderId)) {
                        partner = j;
                        break;
                    }
                }
                if (partner < 0 && last > i) {
                    int j = i + 1 + random.nextInt(last - i);
                    partner = slots.get(j).displaced ? -1 : j;
                }
                if (partner > 0) {
                    first.displaced = true;
                    slots.get(partner).displaced = true;
                    Collections.swap(slots, i, partner);
                }
            }
        }

        private Planned latePlanned(List<Planned> plan) {
            String orderId = plan.get(0).orderId;
            switch (random.nextInt(3)) {
                case 0:
                    return item(orderId);
                case 1:
                    return shipped(orderId);
                default:
                    return cancelled(orderId);
            }
        }

        private List<Integer> shuffledIndices(int n) {
            List<Integer> indices = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                indices.add(i);
            }
            Collections.shuffle(indices, random);
            return indices;
        }

        private GeneratedEvent event(int index, Slot slot, Phase phase) {
            Planned p = slot.planned;
            String xml = Documents.write(p, slot.eventId, slot.eventTime, slot.defect, random);
            return new GeneratedEvent(
                    index,
                    slot.eventId,
                    slot.defect == Defect.KEY_MISSING ? null : p.orderId,
                    slot.eventTime,
                    phase,
                    p.type,
                    slot.defect,
                    p.fields,
                    slot.displaced,
                    xml.getBytes(StandardCharsets.UTF_8),
                    null);
        }
    }

    /** Writes the XML documents, valid or with their defect. */
    private static final class Documents {
        private static final String PROLOG = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
        private static final String DOCTYPE =
                "<!DOCTYPE o:OrderEvent [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n";
        private static final String BODY = "<o:Body>";

        static String write(
                Planned p, String eventId, long eventTime, Defect defect, Random random) {
            Fields f = p.fields;
            boolean noType =
                    defect == Defect.SCHEMA_VIOLATION
                            && !(p.type == EventType.ITEM_ADDED && random.nextBoolean());
            StringBuilder xml = new StringBuilder(512);
            xml.append(PROLOG);
            if (defect == Defect.DOCTYPE) {
                xml.append(DOCTYPE);
            }
            xml.append("<o:OrderEvent xmlns:o=\"urn:keyflow:orders:v1\"")
                    .append(" xmlns:c=\"urn:keyflow:common:v1\">");
            xml.append("<o:Header>");
            if (defect != Defect.KEY_MISSING) {
                element(xml, "o:OrderId", p.orderId);
            }
            element(xml, "o:EventId", eventId);
            element(xml, "o:OccurredAt", OCCURRED_AT.format(Instant.ofEpochMilli(eventTime)));
            if (!noType) {
                element(xml, "o:Type", p.type.name());
            }
            xml.append("</o:Header>");
            int bodyStart = xml.length() + BODY.length();
            xml.append(BODY);
            if (f.customerId() != null) {
                element(xml, "c:CustomerId", f.customerId());
            }
            if (f.sku() != null) {
                xml.append("<o:Item>");
                element(xml, "o:Sku", f.sku());
                boolean many = defect == Defect.SCHEMA_VIOLATION && !noType;
                element(xml, "o:Quantity", many ? "many" : String.valueOf(f.quantity()));
                money(xml, "o:Price", f.price(), "EUR");
                xml.append("</o:Item>");
            }
            if (f.amount() != null) {
                money(xml, "o:Amount", f.amount(), f.currency());
            }
            if (f.carrier() != null) {
                element(xml, "o:Carrier", f.carrier());
            }
            if (defect == Defect.DOCTYPE) {
                xml.append("<o:Reason>&xxe;</o:Reason>");
            } else if (f.reason() != null) {
                element(xml, "o:Reason", f.reason());
            }
            xml.append("</o:Body></o:OrderEvent>");
            if (defect == Defect.MALFORMED_XML) {
                // Inside the body's first element: the header is complete, the document is not.
                return xml.substring(0, bodyStart + 5);
            }
            return xml.toString();
        }

        /** Values are identifiers, numbers, timestamps and fixed words: nothing to escape. */
        private static void element(StringBuilder xml, String name, String value) {
            xml.append('<')
                    .append(name)
                    .append('>')
                    .append(value)
                    .append("</")
                    .append(name)
                    .append('>');
        }

        private static void money(
                StringBuilder xml, String name, BigDecimal value, String currency) {
            xml.append('<')
                    .append(name)
                    .append(" currency=\"")
                    .append(currency)
                    .append("\">")
                    .append(value.toPlainString())
                    .append("</")
                    .append(name)
                    .append('>');
        }
    }
}
