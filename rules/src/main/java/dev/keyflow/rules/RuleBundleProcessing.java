package dev.keyflow.rules;

import dev.keyflow.core.Checks;
import dev.keyflow.core.Envelope;
import dev.keyflow.core.ErrorDetails;
import dev.keyflow.rules.internal.BundleProcessFunction;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

/**
 * Runs per-event logic with the active version of a rule bundle that changes at run time: bundle
 * records (JSON/YAML documents, for example the values of a compacted Kafka topic) are broadcast to
 * every parallel instance of a keyed operator.
 *
 * <pre>{@code
 * RuleBundleProcessing<String, Order, Decision> rules =
 *         RuleBundleProcessing.builder(BundleCompiler.builder("orders").build(), validate)
 *                 .inputType(TypeInformation.of(Order.class))
 *                 .outputType(TypeInformation.of(Decision.class))
 *                 .maxHeldPerKey(1_000)
 *                 .uid("order-rules")
 *                 .build();
 * DataStream<byte[]> bundles = env.fromSource(kafkaRawSource, noWatermarks, "bundles")
 *         .map(RawRecord::value, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
 * SingleOutputStreamOperator<Versioned<Decision>> decisions =
 *         rules.applyTo(orders.keyBy(Order::id), bundles);
 * DataStream<ErrorRecord> errors = decisions.getSideOutput(KeyflowOutputs.ERRORS);
 * }</pre>
 *
 * <p>Guarantees:
 *
 * <ul>
 *   <li><b>Same version everywhere:</b> every instance receives every bundle record in the same
 *       order and decides with the same deterministic {@link RuleBundleRegistry} rules, so all
 *       activate the same versions in the same order.
 *   <li><b>One switch point per key:</b> an instance handles a bundle record between two events;
 *       every event of a key before it ran with the old version, every event after with the new.
 *       Nothing is dropped or run twice across the switch.
 *   <li><b>Hold until loaded:</b> while no version is active, events are held in keyed state (at
 *       most {@link Builder#maxHeldPerKey} per key; beyond that an event becomes a {@code
 *       BUNDLE_MISSING} error record, transient, so the retry topic replays it) and are run in
 *       arrival order, before anything later of their key, when the first version is activated.
 *   <li><b>Versions on everything:</b> every output is a {@link Versioned}; every error record of
 *       the processor carries the bundle label as {@code ruleVersion}.
 *   <li><b>Rejections:</b> a record the registry rejects becomes one {@code BUNDLE_REJECTED} error
 *       record (from the first instance) and the active version stays.
 *   <li><b>Restore:</b> the documents of the kept versions and the active version are broadcast
 *       state; a restored job activates the same version before it handles an event.
 * </ul>
 *
 * <p>Held events released by a bundle are emitted with the bundle record's timestamp, not their
 * own; the bundle stream should not hold the watermark back (give it no watermarks or idleness).
 */
public final class RuleBundleProcessing<K, IN, OUT> {

    public static final int DEFAULT_MAX_HELD_PER_KEY = 1000;

    private final BundleCompiler compiler;
    private final BundleProcessor<IN, OUT> processor;
    private final TypeInformation<IN> inputType;
    private final TypeInformation<OUT> outputType;
    private final int maxHeldPerKey;
    private final ErrorDetails<IN> errorDetails;
    private final String uid;
    private final String name;

    private RuleBundleProcessing(Builder<K, IN, OUT> b) {
        this.compiler = b.compiler;
        this.processor = b.processor;
        this.inputType = b.inputType;
        this.outputType = b.outputType;
        this.maxHeldPerKey = b.maxHeldPerKey;
        this.errorDetails = b.errorDetails;
        this.uid = b.uid;
        this.name = b.name;
    }

    /** Starts the wiring of {@code processor} with bundles compiled by {@code compiler}. */
    public static <K, IN, OUT> Builder<K, IN, OUT> builder(
            BundleCompiler compiler, BundleProcessor<IN, OUT> processor) {
        return new Builder<>(compiler, processor);
    }

    /** Connects the keyed events with the broadcast bundle documents. */
    public SingleOutputStreamOperator<Versioned<OUT>> applyTo(
            KeyedStream<IN, K> events, DataStream<byte[]> bundleDocuments) {
        Objects.requireNonNull(events, "events");
        Objects.requireNonNull(bundleDocuments, "bundleDocuments");
        return events.connect(bundleDocuments.broadcast(BundleProcessFunction.BUNDLES))
                .process(function(), Versioned.typeInfo(outputType))
                .uid(uid)
                .name(name);
    }

    /** The function behind {@link #applyTo}, for operator test harnesses. */
    public BundleProcessFunction<K, IN, OUT> function() {
        return new BundleProcessFunction<>(
                compiler, processor, inputType, maxHeldPerKey, errorDetails);
    }

    /** The broadcast element type: bundle documents. */
    public static TypeInformation<byte[]> documentType() {
        return PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO;
    }

    /** Builds a {@link RuleBundleProcessing}; see the class documentation for an example. */
    public static final class Builder<K, IN, OUT> {
        private final BundleCompiler compiler;
        private final BundleProcessor<IN, OUT> processor;
        @Nullable private TypeInformation<IN> inputType;
        @Nullable private TypeInformation<OUT> outputType;
        private int maxHeldPerKey = DEFAULT_MAX_HELD_PER_KEY;
        private ErrorDetails<IN> errorDetails = RuleBundleProcessing::envelopeDetails;
        private String uid = "keyflow-rule-bundles";
        private String name = "rule bundles";

        private Builder(BundleCompiler compiler, BundleProcessor<IN, OUT> processor) {
            this.compiler = Objects.requireNonNull(compiler, "compiler");
            this.processor = Objects.requireNonNull(processor, "processor");
        }

        /** The event type; required, it types the held-events state. */
        public Builder<K, IN, OUT> inputType(TypeInformation<IN> inputType) {
            this.inputType = Objects.requireNonNull(inputType, "inputType");
            return this;
        }

        /** The output type; required. */
        public Builder<K, IN, OUT> outputType(TypeInformation<OUT> outputType) {
            this.outputType = Objects.requireNonNull(outputType, "outputType");
            return this;
        }

        /** Events held per key while no bundle is active; at least 1. */
        public Builder<K, IN, OUT> maxHeldPerKey(int maxHeldPerKey) {
            this.maxHeldPerKey = Checks.requireAtLeastOne(maxHeldPerKey, "maxHeldPerKey");
            return this;
        }

        /** Adds an event's payload to its error records; the default handles {@link Envelope}. */
        public Builder<K, IN, OUT> errorDetails(ErrorDetails<IN> errorDetails) {
            this.errorDetails = Objects.requireNonNull(errorDetails, "errorDetails");
            return this;
        }

        /** The operator uid (keep it stable: the held events and bundles are its state). */
        public Builder<K, IN, OUT> uid(String uid) {
            this.uid = Checks.requireText(uid, "uid");
            return this;
        }

        /** The operator name. */
        public Builder<K, IN, OUT> name(String name) {
            this.name = Checks.requireText(name, "name");
            return this;
        }

        /**
         * Builds the wiring.
         *
         * @throws IllegalStateException if the input or output type is missing
         */
        public RuleBundleProcessing<K, IN, OUT> build() {
            if (inputType == null) {
                throw new IllegalStateException("inputType is required (it types held events)");
            }
            if (outputType == null) {
                throw new IllegalStateException("outputType is required");
            }
            return new RuleBundleProcessing<>(this);
        }
    }

    private static <IN> dev.keyflow.core.ErrorRecord.Builder envelopeDetails(
            IN element, dev.keyflow.core.ErrorRecord.Builder error) {
        return element instanceof Envelope envelope ? error.fromEnvelope(envelope) : error;
    }
}
