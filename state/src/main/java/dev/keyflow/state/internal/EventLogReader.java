package dev.keyflow.state.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keyflow.state.EventLog;
import dev.keyflow.state.EventLogState;
import dev.keyflow.state.LogEntry;
import javax.annotation.Nullable;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.state.api.functions.KeyedStateReaderFunction;
import org.apache.flink.util.Collector;

/**
 * Reads the event log of every key (or of one) from a savepoint and emits one JSON line per kept
 * entry, in sequence order: {@code {"key":..,"sequence":..,"appendedAt":..,"mutation":{..}}}; a key
 * with nothing to print emits {@link #SKIPPED} instead, which the caller drops.
 */
public final class EventLogReader<K, S, M> extends KeyedStateReaderFunction<K, String> {

    private static final long serialVersionUID = 1L;

    /**
     * Emitted for a key without lines, and filtered out by the caller: Flink's keyed state input
     * format (2.2) takes a key that emits nothing as the end of its split and silently stops
     * reading, so every key must emit something.
     */
    public static final String SKIPPED = "";

    private final EventLog<S, M> spec;
    @Nullable private final String onlyKey;
    private transient EventLogState<S, M> log;
    private transient ObjectMapper json;

    public EventLogReader(EventLog<S, M> spec, @Nullable String onlyKey) {
        this.spec = spec;
        this.onlyKey = onlyKey;
    }

    @Override
    public void open(OpenContext openContext) {
        log = spec.open(getRuntimeContext());
        json = new ObjectMapper();
    }

    @Override
    public void readKey(K key, Context ctx, Collector<String> out) throws Exception {
        if (onlyKey != null && !onlyKey.equals(String.valueOf(key))) {
            out.collect(SKIPPED);
            return;
        }
        long current = log.currentSequence();
        if (current == 0) {
            out.collect(SKIPPED);
            return;
        }
        for (LogEntry<M> entry : log.read(log.firstRetainedSequence(), current)) {
            ObjectNode line = json.createObjectNode();
            line.set("key", json.valueToTree(key));
            line.put("sequence", entry.sequence());
            line.put("appendedAt", entry.appendedAt());
            line.set("mutation", json.valueToTree(entry.mutation()));
            out.collect(json.writeValueAsString(line));
        }
    }
}
