package dev.keyflow.core.async;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyflow.core.ErrorRecord;
import dev.keyflow.core.KeyflowOutputs;
import dev.keyflow.core.KeyflowTypes;
import dev.keyflow.core.testutils.FlinkTestEnvironments;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An exception thrown by a chained downstream operator while the keyed async operator emits is a
 * failure of the task, not of the element: the job restarts and no error record is made of it.
 */
class KeyedAsyncDownstreamFailureITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK = FlinkTestEnvironments.miniCluster(1);

    private static final AtomicBoolean THROWN = new AtomicBoolean();
    private static final List<ErrorRecord> ERRORS = new CopyOnWriteArrayList<>();

    @Test
    void aDownstreamExceptionFailsTheTaskInsteadOfBecomingAnErrorRecord() throws Exception {
        THROWN.set(false);
        ERRORS.clear();
        StreamExecutionEnvironment env = FlinkTestEnvironments.strictEnvironment(1);
        env.configure(
                new org.apache.flink.configuration.Configuration() {
                    {
                        set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
                        set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 1);
                    }
                });
        SingleOutputStreamOperator<String> out =
                KeyedAsync.builder(new Echo())
                        .uid("echo")
                        .outputType(Types.STRING)
                        .build()
                        .applyTo(
                                env.fromSequence(1, 100)
                                        .map(i -> new Item("k" + (i % 7), i.intValue()))
                                        .returns(KeyedAsyncTestFunction.ITEM)
                                        .keyBy(Item::key));
        out.getSideOutput(KeyflowOutputs.ERRORS)
                .map(new CollectErrors(), KeyflowTypes.ERROR_RECORD)
                .sinkTo(new DiscardingSink<>());
        out.map(new ThrowOnceAt50(), Types.STRING).sinkTo(new DiscardingSink<>());

        env.execute("downstream-failure");

        assertThat(THROWN).isTrue();
        assertThat(ERRORS).isEmpty();
    }

    static final class Echo extends KeyedAsyncFunction<String, Item, Void, String, String> {
        @Override
        public CompletionStage<String> process(Item element, Void state, AsyncContext ctx) {
            return CompletableFuture.completedFuture(element.key() + "/" + element.seq());
        }

        @Override
        public void apply(Item element, String result, ApplyContext<String, String> ctx) {
            ctx.collect(result);
        }
    }

    static final class ThrowOnceAt50 implements MapFunction<String, String> {
        @Override
        public String map(String value) {
            if (value.endsWith("/50") && THROWN.compareAndSet(false, true)) {
                throw new IllegalStateException("downstream failure");
            }
            return value;
        }
    }

    static final class CollectErrors implements MapFunction<ErrorRecord, ErrorRecord> {
        @Override
        public ErrorRecord map(ErrorRecord value) {
            ERRORS.add(value);
            return value;
        }
    }
}
