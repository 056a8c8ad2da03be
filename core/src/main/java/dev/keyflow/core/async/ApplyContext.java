package dev.keyflow.core.async;

import dev.keyflow.core.ErrorRecord;
import java.util.OptionalLong;
import org.apache.flink.util.OutputTag;

/**
 * The operator-thread context in which an element's result is applied: keyed state of {@link
 * #currentKey()} may be read and written, and outputs are emitted with the element's timestamp.
 */
public interface ApplyContext<K, OUT> extends ReadContext<K> {

    /** The attempt that produced the result (or the last one, for a failure). */
    int attempt();

    /** The element's timestamp, if it had one. */
    OptionalLong timestamp();

    /** Emits an output with the element's timestamp. */
    void collect(OUT value);

    /** Emits to a side output with the element's timestamp. */
    <X> void output(OutputTag<X> tag, X value);

    /** Emits an error record to {@link dev.keyflow.core.KeyflowOutputs#ERRORS}. */
    void error(ErrorRecord error);
}
