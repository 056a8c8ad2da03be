package dev.keyflow.rules.internal;

import dev.keyflow.core.ErrorDetails;
import dev.keyflow.core.ErrorOutput;
import dev.keyflow.core.ErrorReason;
import dev.keyflow.core.ErrorRecord;
import dev.keyflow.core.ErrorStage;
import dev.keyflow.rules.BundleCompiler;
import dev.keyflow.rules.BundleOutput;
import dev.keyflow.rules.BundleProcessor;
import dev.keyflow.rules.CompiledBundle;
import dev.keyflow.rules.RegistryUpdate;
import dev.keyflow.rules.RuleBundleState;
import dev.keyflow.rules.Versioned;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Activates rule bundles from the broadcast input on every parallel instance and runs a {@link
 * BundleProcessor} per event with the active version; holds a key's events in keyed state while no
 * version is active and runs them, in arrival order, when the first one is.
 *
 * <p>Broadcast state keeps the documents of the kept versions and the active version, so a restored
 * instance rebuilds the same registry before it handles anything.
 */
public final class BundleProcessFunction<K, IN, OUT>
        extends KeyedBroadcastProcessFunction<K, IN, byte[], Versioned<OUT>> {

    private static final long serialVersionUID = 1L;

    /** The broadcast state; see {@link RuleBundleState#DESCRIPTOR}. */
    public static final MapStateDescriptor<String, byte[]> BUNDLES = RuleBundleState.DESCRIPTOR;

    private final BundleCompiler compiler;
    private final BundleProcessor<IN, OUT> processor;
    private final TypeInformation<IN> inputType;
    private final int maxHeldPerKey;
    private final ErrorDetails<IN> errorDetails;

    private transient RuleBundleState bundles;
    private transient ErrorOutput errors;
    private transient ListStateDescriptor<IN> heldDescriptor;
    private transient ValueStateDescriptor<Integer> countDescriptor;
    private transient ListState<IN> held;
    private transient ValueState<Integer> heldCount;

    public BundleProcessFunction(
            BundleCompiler compiler,
            BundleProcessor<IN, OUT> processor,
            TypeInformation<IN> inputType,
            int maxHeldPerKey,
            ErrorDetails<IN> errorDetails) {
        this.compiler = compiler;
        this.processor = processor;
        this.inputType = inputType;
        this.maxHeldPerKey = maxHeldPerKey;
        this.errorDetails = errorDetails;
    }

    @Override
    public void open(OpenContext openContext) {
        bundles = new RuleBundleState(compiler);
        errors = ErrorOutput.create(getRuntimeContext().getMetricGroup());
        heldDescriptor = new ListStateDescriptor<>("keyflow-rules-held", inputType);
        countDescriptor = new ValueStateDescriptor<>("keyflow-rules-held-count", Types.INT);
        held = getRuntimeContext().getListState(heldDescriptor);
        heldCount = getRuntimeContext().getState(countDescriptor);
    }

    @Override
    public void processElement(IN value, ReadOnlyContext ctx, Collector<Versioned<OUT>> out)
            throws Exception {
        Optional<CompiledBundle> active = bundles.active(ctx.getBroadcastState(BUNDLES));
        if (active.isEmpty()) {
            hold(value, ctx);
            return;
        }
        if (heldCount.value() != null) {
            // Only after a restore from a snapshot taken while this key was held: earlier first.
            for (IN earlier : held.get()) {
                run(
                        earlier,
                        active.get(),
                        ctx.getCurrentKey(),
                        out,
                        e -> errors.emit(e, ctx::output));
            }
            held.clear();
            heldCount.clear();
        }
        run(value, active.get(), ctx.getCurrentKey(), out, e -> errors.emit(e, ctx::output));
    }

    private void hold(IN value, ReadOnlyContext ctx) throws Exception {
        Integer count = heldCount.value();
        int n = count == null ? 0 : count;
        if (n >= maxHeldPerKey) {
            ErrorRecord.Builder error =
                    ErrorRecord.builder(ErrorStage.RULE_BUNDLE, ErrorReason.BUNDLE_MISSING)
                            .message(
                                    "no rule bundle '"
                                            + compiler.bundleName()
                                            + "' is active yet and this key already holds "
                                            + n
                                            + " events (maxHeldPerKey)")
                            .key(String.valueOf(ctx.getCurrentKey()));
            errors.emit(describe(value, error).build(), ctx::output);
            return;
        }
        held.add(value);
        heldCount.update(n + 1);
    }

    @Override
    public void processBroadcastElement(byte[] document, Context ctx, Collector<Versioned<OUT>> out)
            throws Exception {
        BroadcastState<String, byte[]> state = ctx.getBroadcastState(BUNDLES);
        boolean first = bundles.active(state).isEmpty();
        RegistryUpdate update = bundles.offer(document, state);
        if (update.status() == RegistryUpdate.Status.REJECTED) {
            // Every instance sees the same record; one report is enough.
            if (getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 0) {
                errors.emit(update.error().orElseThrow(), ctx::output);
            }
            return;
        }
        if (update.status() == RegistryUpdate.Status.UNCHANGED) {
            return;
        }
        CompiledBundle active = update.active().orElseThrow();
        if (first) {
            ctx.applyToKeyedState(
                    heldDescriptor,
                    (key, list) -> {
                        for (IN element : list.get()) {
                            run(element, active, key, out, e -> errors.emit(e, ctx::output));
                        }
                        list.clear();
                    });
            ctx.applyToKeyedState(countDescriptor, (key, count) -> count.clear());
        }
    }

    private void run(
            IN element,
            CompiledBundle bundle,
            K key,
            Collector<Versioned<OUT>> out,
            Consumer<ErrorRecord> errors) {
        Output output = new Output(element, bundle, key, out, errors);
        try {
            processor.process(element, bundle, output);
        } catch (Exception e) {
            // The event fails, the job does not: report it with the version that ran it.
            output.error(
                    ErrorRecord.builder(ErrorStage.RULES, ErrorReason.PROCESSING_FAILED)
                            .message(
                                    "processing with "
                                            + bundle.label()
                                            + " failed: "
                                            + e.getClass().getName()
                                            + ": "
                                            + e.getMessage()));
        }
    }

    private ErrorRecord.Builder describe(IN element, ErrorRecord.Builder error) {
        try {
            return errorDetails.describe(element, error);
        } catch (RuntimeException e) {
            return error.message(
                    error.build().message()
                            + " (error details failed: "
                            + e.getClass().getName()
                            + ")");
        }
    }

    private final class Output implements BundleOutput<OUT> {
        private final IN element;
        private final CompiledBundle bundle;
        private final K key;
        private final Collector<Versioned<OUT>> out;
        private final Consumer<ErrorRecord> sink;

        Output(
                IN element,
                CompiledBundle bundle,
                K key,
                Collector<Versioned<OUT>> out,
                Consumer<ErrorRecord> sink) {
            this.element = element;
            this.bundle = bundle;
            this.key = key;
            this.out = out;
            this.sink = sink;
        }

        @Override
        public void collect(OUT value) {
            out.collect(new Versioned<>(bundle.label(), bundle.version(), value));
        }

        @Override
        public void error(ErrorRecord.Builder error) {
            error.ruleVersion(bundle.label()).key(String.valueOf(key));
            sink.accept(describe(element, error).build());
        }
    }
}
