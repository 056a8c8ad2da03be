package dev.keyflow.reference.demo;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keyflow.reference.orders.CommandType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One outbox command the {@link ExpectedOutcome} model expects, in the terms of the outbox record
 * ({@code CommandSerialization}): the order key, the per-key sequence (1, 2, 3, ... over the
 * order's commands), the type, the event that caused it and the payload fields (all strings, keys
 * sorted). {@link #line()} and {@link #fromOutbox(byte[])} give one comparable form for the model
 * and for what a test reads from the outbox.
 */
public record ExpectedCommand(
        String key, long sequence, CommandType type, String eventId, Map<String, String> payload)
        implements Comparable<ExpectedCommand> {

    private static final ObjectMapper JSON = new ObjectMapper();

    public ExpectedCommand {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(eventId, "eventId");
        if (sequence < 1) {
            throw new IllegalArgumentException("sequence must be at least 1, was " + sequence);
        }
        payload = Collections.unmodifiableMap(new TreeMap<>(payload));
    }

    /**
     * Reads an outbox record value (the JSON envelope of {@code CommandSerialization}) into the
     * same form; the envelope's other fields (event time, origin, bundle version) are ignored.
     */
    public static ExpectedCommand fromOutbox(byte[] value) {
        Objects.requireNonNull(value, "value");
        JsonNode json;
        try {
            json = JSON.readTree(value);
        } catch (IOException e) {
            throw new UncheckedIOException("an outbox value that is not JSON", e);
        }
        Map<String, String> payload = new TreeMap<>();
        for (Map.Entry<String, JsonNode> field : json.path("payload").properties()) {
            payload.put(field.getKey(), field.getValue().asText());
        }
        return new ExpectedCommand(
                json.path("key").asText(),
                json.path("sequence").asLong(),
                CommandType.valueOf(json.path("type").asText()),
                json.path("eventId").asText(),
                payload);
    }

    /** The payload as the job writes it: a JSON object with sorted keys and string values. */
    public String payloadJson() {
        try {
            return JSON.writeValueAsString(payload);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write payload " + payload, e);
        }
    }

    /** The outbox idempotency key, {@code <key>/<sequence>}. */
    public String idempotencyKey() {
        return key + "/" + sequence;
    }

    /** {@code key/sequence/type/eventId/payloadJson}: one comparable line per command. */
    public String line() {
        return key + "/" + sequence + "/" + type + "/" + eventId + "/" + payloadJson();
    }

    /** By key, then sequence (then the whole line, so that only equal commands compare 0). */
    @Override
    public int compareTo(ExpectedCommand other) {
        int byKey = key.compareTo(other.key);
        if (byKey != 0) {
            return byKey;
        }
        int bySequence = Long.compare(sequence, other.sequence);
        return bySequence != 0 ? bySequence : line().compareTo(other.line());
    }

    @Override
    public String toString() {
        return line();
    }
}
