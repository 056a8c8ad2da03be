package dev.keyflow.state;

import dev.keyflow.core.Checks;
import dev.keyflow.state.internal.EventLogReader;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.annotation.Nullable;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.state.api.SavepointReader;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

/**
 * Reads the {@link EventLog} of one key, or of all keys, out of a savepoint or retained checkpoint
 * with Flink's State Processor API, as JSON lines: this is how an operator answers "what happened
 * to key X" without touching the running job. {@link InspectSavepoint} is its command line.
 *
 * <pre>{@code
 * SavepointInspector<String> inspector = SavepointInspector.<String>builder()
 *         .savepoint("s3://bucket/savepoints/savepoint-4f2a1c-0123456789ab")
 *         .operatorUid("keyflow-keyed-async")       // the uid of the operator that owns the log
 *         .eventLog(LOG)                            // the same EventLog the job uses
 *         .keyType(Types.STRING)
 *         .key("account-42")                        // leave out for every key
 *         .build();
 * inspector.print(StreamExecutionEnvironment.getExecutionEnvironment(), System.out);
 * }</pre>
 *
 * <p>Each line is {@code {"key":..,"sequence":..,"appendedAt":..,"mutation":{..}}} with the
 * mutation written by Jackson (records and bean-style POJOs both work). Only the kept part of the
 * log is there: entries removed by {@link Retention} are gone. Lines of one key are consecutive and
 * in sequence order; keys come in the order of the savepoint's key groups.
 *
 * <p>Failure modes: a wrong path, an unknown uid, or state names and types that do not match the
 * savepoint make the read fail with Flink's exception (the command line reports it and exits with
 * status 1). A savepoint can be read with any backend: canonical savepoints are backend-neutral.
 *
 * @param <K> the key type of the operator
 */
public final class SavepointInspector<K> {

    private final String savepoint;
    private final String operatorUid;
    private final EventLog<?, ?> eventLog;
    private final TypeInformation<K> keyType;
    @Nullable private final String key;

    private SavepointInspector(Builder<K> b) {
        this.savepoint = b.savepoint;
        this.operatorUid = b.operatorUid;
        this.eventLog = b.eventLog;
        this.keyType = b.keyType;
        this.key = b.key;
    }

    /** Starts an inspector of an operator keyed by {@code K}. */
    public static <K> Builder<K> builder() {
        return new Builder<>();
    }

    /** The JSON lines as a stream of {@code env}, for jobs that export them elsewhere. */
    public DataStream<String> read(StreamExecutionEnvironment env) throws Exception {
        Objects.requireNonNull(env, "env");
        return SavepointReader.read(env, savepoint)
                .readKeyedState(
                        OperatorIdentifier.forUid(operatorUid),
                        new EventLogReader<>(eventLog, key),
                        keyType,
                        Types.STRING)
                .filter(line -> !line.equals(EventLogReader.SKIPPED))
                .name("drop skipped keys");
    }

    /** Runs the read on {@code env} and returns the lines. */
    public List<String> collect(StreamExecutionEnvironment env) throws Exception {
        List<String> lines = new ArrayList<>();
        try (CloseableIterator<String> it = read(env).executeAndCollect("inspect savepoint")) {
            it.forEachRemaining(lines::add);
        }
        return lines;
    }

    /** Runs the read on {@code env} and prints one line per entry to {@code out}. */
    public long print(StreamExecutionEnvironment env, PrintStream out) throws Exception {
        Objects.requireNonNull(out, "out");
        long printed = 0;
        try (CloseableIterator<String> it = read(env).executeAndCollect("inspect savepoint")) {
            while (it.hasNext()) {
                out.println(it.next());
                printed++;
            }
        }
        out.flush();
        return printed;
    }

    public String savepoint() {
        return savepoint;
    }

    public String operatorUid() {
        return operatorUid;
    }

    /** The one key to print; empty for all. */
    public Optional<String> key() {
        return Optional.ofNullable(key);
    }

    /** Builds a {@link SavepointInspector}; see there for what each setting means. */
    public static final class Builder<K> {
        @Nullable private String savepoint;
        @Nullable private String operatorUid;
        @Nullable private EventLog<?, ?> eventLog;
        @Nullable private TypeInformation<K> keyType;
        @Nullable private String key;

        private Builder() {}

        /** The savepoint (or retained checkpoint) directory; required. */
        public Builder<K> savepoint(String savepoint) {
            this.savepoint = Checks.requireText(savepoint, "savepoint");
            return this;
        }

        /** The uid of the operator whose keyed state holds the log; required. */
        public Builder<K> operatorUid(String operatorUid) {
            this.operatorUid = Checks.requireText(operatorUid, "operatorUid");
            return this;
        }

        /** The log as the job defines it (name and types must match); required. */
        public Builder<K> eventLog(EventLog<?, ?> eventLog) {
            this.eventLog = Objects.requireNonNull(eventLog, "eventLog");
            return this;
        }

        /** The operator's key type; required. */
        public Builder<K> keyType(TypeInformation<K> keyType) {
            this.keyType = Objects.requireNonNull(keyType, "keyType");
            return this;
        }

        /** Prints only this key (compared as text); default every key. */
        public Builder<K> key(Object key) {
            this.key = String.valueOf(Objects.requireNonNull(key, "key"));
            return this;
        }

        public SavepointInspector<K> build() {
            if (savepoint == null) {
                throw new IllegalStateException("savepoint must be set");
            }
            if (operatorUid == null) {
                throw new IllegalStateException("operatorUid must be set");
            }
            if (eventLog == null) {
                throw new IllegalStateException("eventLog must be set");
            }
            if (keyType == null) {
                throw new IllegalStateException("keyType must be set");
            }
            return new SavepointInspector<>(this);
        }
    }
}
