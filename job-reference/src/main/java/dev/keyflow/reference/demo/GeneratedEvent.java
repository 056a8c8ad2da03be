package dev.keyflow.reference.demo;

import dev.keyflow.core.ErrorReason;
import dev.keyflow.reference.orders.EventType;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;
import javax.annotation.Nullable;

/**
 * One event made by the {@link OrderGenerator}: what to produce to Kafka (the XML value, the order
 * id as the record key, the event time as the record timestamp), what it was made from (type,
 * fields, defect), and its {@link Fate} according to the {@link ExpectedOutcome} model.
 *
 * <p>Immutable; {@link #xml()} returns a copy.
 */
public final class GeneratedEvent {

    /** When an event is produced: with the main stream, or after it (then it is late). */
    public enum Phase {
        /** The main stream, in production order (out of event-time order only within 2 s). */
        MAIN,
        /**
         * Produced after the main phase with an event time an hour before the start: the job's
         * watermark has passed it, so it is {@link ErrorReason#LATE}.
         */
        LATE,
        /**
         * Produced last, one per Kafka partition ({@link OrderGenerator#clockEvents}): a PLACED
         * event of a fresh order for a NORMAL customer, with an event time well after every other
         * event, so that each partition's watermark passes everything produced before it.
         */
        CLOCK
    }

    /** What is deliberately wrong with the document, and the reason the job rejects it with. */
    public enum Defect {
        /** A valid document; what it leads to is the order logic's business. */
        NONE(null),
        /** Truncated inside the body, after the complete header. */
        MALFORMED_XML(ErrorReason.MALFORMED_XML),
        /** Well-formed, but invalid against the XSD (quantity "many", or no {@code o:Type}). */
        SCHEMA_VIOLATION(ErrorReason.SCHEMA_VIOLATION),
        /** Valid against the XSD, but breaks a CEL rule (quantity, currency, refund > paid). */
        RULE_VIOLATION(ErrorReason.RULE_VIOLATION),
        /** No {@code o:OrderId} element: the key extractor finds no key. */
        KEY_MISSING(ErrorReason.KEY_MISSING),
        /** Declares a DOCTYPE with an external entity (XXE attempt). */
        DOCTYPE(ErrorReason.DOCTYPE_FORBIDDEN);

        @Nullable private final ErrorReason reason;

        Defect(@Nullable ErrorReason reason) {
            this.reason = reason;
        }

        /** The reason the job rejects a document with this defect; empty for {@link #NONE}. */
        public Optional<ErrorReason> reason() {
            return Optional.ofNullable(reason);
        }
    }

    /**
     * The business fields the event was made from (after any deliberate defect), as the rule bundle
     * would extract them; which are set depends on the type. Prices and amounts are in EUR unless
     * {@code currency} says otherwise (it is the currency of the amount).
     */
    public record Fields(
            @Nullable String customerId,
            @Nullable String sku,
            @Nullable Long quantity,
            @Nullable BigDecimal price,
            @Nullable BigDecimal amount,
            @Nullable String currency,
            @Nullable String carrier,
            @Nullable String reason) {}

    private final int index;
    private final String eventId;
    @Nullable private final String orderId;
    private final long eventTime;
    private final Phase phase;
    private final EventType type;
    private final Defect defect;
    private final Fields fields;
    private final boolean displaced;
    private final byte[] xml;
    @Nullable private final Fate fate;

    GeneratedEvent(
            int index,
            String eventId,
            @Nullable String orderId,
            long eventTime,
            Phase phase,
            EventType type,
            Defect defect,
            Fields fields,
            boolean displaced,
            byte[] xml,
            @Nullable Fate fate) {
        this.index = index;
        this.eventId = Objects.requireNonNull(eventId, "eventId");
        this.orderId = orderId;
        this.eventTime = eventTime;
        this.phase = Objects.requireNonNull(phase, "phase");
        this.type = Objects.requireNonNull(type, "type");
        this.defect = Objects.requireNonNull(defect, "defect");
        this.fields = Objects.requireNonNull(fields, "fields");
        this.displaced = displaced;
        this.xml = Objects.requireNonNull(xml, "xml");
        this.fate = fate;
    }

    GeneratedEvent withFate(Fate newFate) {
        return new GeneratedEvent(
                index,
                eventId,
                orderId,
                eventTime,
                phase,
                type,
                defect,
                fields,
                displaced,
                xml,
                Objects.requireNonNull(newFate, "newFate"));
    }

    /** The position in production order, 0-based, over both phases. */
    public int index() {
        return index;
    }

    /** {@code e-<n>}, unique; the {@code o:EventId} of the document (present in every defect). */
    public String eventId() {
        return eventId;
    }

    /**
     * The order id: the document's {@code o:OrderId} and the Kafka record key; null if the document
     * has none ({@link Defect#KEY_MISSING}).
     */
    @Nullable
    public String orderId() {
        return orderId;
    }

    /** The Kafka record key: the order id in UTF-8, or null. */
    @Nullable
    public byte[] kafkaKey() {
        return orderId == null ? null : orderId.getBytes(StandardCharsets.UTF_8);
    }

    /** The event time ({@code o:OccurredAt}), epoch ms: the Kafka record timestamp. */
    public long eventTime() {
        return eventTime;
    }

    /** The phase the event is produced in. */
    public Phase phase() {
        return phase;
    }

    /** The event type it was made as (its document may lack the {@code o:Type} element). */
    public EventType type() {
        return type;
    }

    /** What is deliberately wrong with it. */
    public Defect defect() {
        return defect;
    }

    /** The business fields it was made from. */
    public Fields fields() {
        return fields;
    }

    /** Whether it was swapped with a later event in production order (out of event-time order). */
    public boolean displaced() {
        return displaced;
    }

    /** The Kafka record value: the XML document, UTF-8 (a copy). */
    public byte[] xml() {
        return xml.clone();
    }

    /** The XML document as text. */
    public String xmlText() {
        return new String(xml, StandardCharsets.UTF_8);
    }

    /** The Kafka partition for {@code partitions} partitions: by order id, else by event id. */
    public int partition(int partitions) {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be at least 1, was " + partitions);
        }
        return Math.floorMod((orderId != null ? orderId : eventId).hashCode(), partitions);
    }

    /** What becomes of it according to the model. */
    public Fate fate() {
        if (fate == null) {
            throw new IllegalStateException("event " + eventId + " has no fate yet");
        }
        return fate;
    }

    @Override
    public String toString() {
        return eventId
                + "{"
                + orderId
                + ", "
                + type
                + (defect == Defect.NONE ? "" : ", " + defect)
                + ", t="
                + eventTime
                + ", "
                + phase
                + (fate == null ? "" : ", " + fate)
                + "}";
    }
}
