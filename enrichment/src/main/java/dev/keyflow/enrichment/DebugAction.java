package dev.keyflow.enrichment;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keyflow.core.Checks;
import java.util.Objects;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.util.function.SerializableFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An action that logs each element as one line of JSON and passes it on unchanged: the debug mode
 * of an action chain, to see what would be sent without sending it.
 *
 * <pre>{@code
 * DataStream<Alert> logged = DebugAction.logAsJson(alerts, a -> Map.of("id", a.id()), "debug-alerts");
 * }</pre>
 *
 * <p>Lines go to the logger {@code dev.keyflow.enrichment.DebugAction} at INFO, prefixed with the
 * operator uid. An element whose body cannot be written as JSON is logged with the reason at WARN
 * and still passed on: a debug action never changes what flows.
 */
public final class DebugAction {

    private DebugAction() {}

    /** Adds the action after {@code stream} with the given uid (also the log prefix). */
    public static <T> SingleOutputStreamOperator<T> logAsJson(
            DataStream<T> stream, SerializableFunction<T, ?> body, String uid) {
        Objects.requireNonNull(stream, "stream");
        Objects.requireNonNull(body, "body");
        Checks.requireText(uid, "uid");
        return stream.map(new JsonLogger<>(body, uid), stream.getType())
                .uid(uid)
                .name("debug action " + uid);
    }

    /** Logs the JSON of each element's body. */
    static final class JsonLogger<T> extends RichMapFunction<T, T> {
        private static final long serialVersionUID = 1L;
        private static final Logger LOG = LoggerFactory.getLogger(DebugAction.class);

        private final SerializableFunction<T, ?> body;
        private final String uid;
        private transient ObjectMapper json;

        JsonLogger(SerializableFunction<T, ?> body, String uid) {
            this.body = body;
            this.uid = uid;
        }

        @Override
        public void open(OpenContext openContext) {
            json = new ObjectMapper();
        }

        @Override
        public T map(T element) {
            String line = render(element);
            if (line != null) {
                LOG.info("{}: {}", uid, line);
            }
            return element;
        }

        /** The JSON line of {@code element}, or null (after a WARN) if it cannot be written. */
        String render(T element) {
            try {
                return json.writeValueAsString(body.apply(element));
            } catch (JsonProcessingException | RuntimeException e) {
                LOG.warn("{}: cannot write the element as JSON: {}", uid, e.toString());
                return null;
            }
        }
    }
}
