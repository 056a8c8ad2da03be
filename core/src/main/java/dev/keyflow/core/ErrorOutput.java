package dev.keyflow.core;

import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.util.OutputTag;

/**
 * The one way a keyflow operator sends an {@link ErrorRecord} to {@link KeyflowOutputs#ERRORS}: it
 * counts the record under the stage and reason the record itself carries, so the counters equal
 * what reaches the DLQ and the retry topic.
 *
 * <pre>{@code
 * private transient ErrorOutput errors;
 *
 * public void open(OpenContext openContext) {
 *     errors = ErrorOutput.create(getRuntimeContext().getMetricGroup());
 * }
 *
 * public void processElement(RawRecord raw, Context ctx, Collector<Envelope> out) {
 *     ...
 *     errors.emit(ErrorRecord.builder(ErrorStage.SOURCE, ErrorReason.MALFORMED_INPUT)
 *             .fromRaw(raw).build(), ctx::output);
 * }
 * }</pre>
 *
 * <p>The counters are {@code keyflow.errors.stage.<STAGE>.reason.<REASON>.count} below the
 * operator's metric group (labels {@code stage} and {@code reason} for reporters that use them),
 * registered on first use, so the metric list shows only what happened. Not thread-safe: use it on
 * the operator's thread, as Flink's side outputs must be.
 */
public final class ErrorOutput {

    /** Where an operator's side outputs go: {@code ctx::output} of a process function's context. */
    @FunctionalInterface
    public interface SideOutput {
        /** Emits {@code error} to {@code tag}. */
        void output(OutputTag<ErrorRecord> tag, ErrorRecord error);
    }

    private final MetricGroup errors;
    private final Map<ErrorStage, Map<ErrorReason, Counter>> counters =
            new EnumMap<>(ErrorStage.class);

    private ErrorOutput(MetricGroup operatorGroup) {
        this.errors = operatorGroup.addGroup("keyflow").addGroup("errors");
    }

    /** Counts into {@code operatorGroup}, the operator's metric group; once per task, in open. */
    public static ErrorOutput create(MetricGroup operatorGroup) {
        return new ErrorOutput(Objects.requireNonNull(operatorGroup, "operatorGroup"));
    }

    /** Sends {@code error} to {@link KeyflowOutputs#ERRORS} through {@code out} and counts it. */
    public void emit(ErrorRecord error, SideOutput out) {
        Objects.requireNonNull(error, "error");
        out.output(KeyflowOutputs.ERRORS, error);
        counters.computeIfAbsent(error.stage(), s -> new EnumMap<>(ErrorReason.class))
                .computeIfAbsent(
                        error.reason(),
                        r ->
                                errors.addGroup("stage", error.stage().name())
                                        .addGroup("reason", r.name())
                                        .counter("count"))
                .inc();
    }
}
