package dev.keyflow.core.async;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyflow.core.ErrorReason;
import dev.keyflow.core.testutils.FlinkTestEnvironments;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The broadcast variant: a rule version arrives by broadcast and every element uses it. */
class KeyedBroadcastAsyncITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK = FlinkTestEnvironments.miniCluster(2);

    static final MapStateDescriptor<String, String> RULES =
            new MapStateDescriptor<>("rules", Types.STRING, Types.STRING);

    @Test
    void elementsWaitForTheBroadcastRuleThenUseIt() throws Exception {
        StreamExecutionEnvironment env = FlinkTestEnvironments.strictEnvironment(2);
        DataStream<Item> items =
                env.fromSequence(0, 999)
                        .map(i -> new Item("k" + (i % 10), (int) (i / 10) + 1))
                        .returns(KeyedAsyncTestFunction.ITEM);
        DataStream<String> rules = env.fromData("v1");

        SingleOutputStreamOperator<String> out =
                KeyedAsync.builder(new UsesRuleVersion())
                        .uid("test-async")
                        .outputType(Types.STRING)
                        .retry(RetryPolicy.fixedDelay(10_000, Duration.ofMillis(2)))
                        .build()
                        .applyTo(items.keyBy(Item::key), rules);

        List<String> results = new ArrayList<>();
        try (CloseableIterator<String> it = out.executeAndCollect()) {
            it.forEachRemaining(results::add);
        }
        assertThat(results).hasSize(1000).allMatch(r -> r.endsWith("@v1"));
    }

    @Test
    void aBroadcastInputNeedsABroadcastFunction() {
        StreamExecutionEnvironment env = FlinkTestEnvironments.strictEnvironment(1);
        var items = env.fromData(new Item("a", 1)).keyBy(Item::key);
        KeyedAsync<String, Item, String> plain =
                KeyedAsync.builder(new KeyedAsyncTestFunction(null))
                        .uid("test-async")
                        .outputType(Types.STRING)
                        .build();

        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> plain.applyTo(items, env.fromData("v1")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("KeyedBroadcastAsyncFunction");
    }

    /** Fails transiently (BUNDLE_MISSING) until the rule version is in broadcast state. */
    static final class UsesRuleVersion
            extends KeyedBroadcastAsyncFunction<String, Item, String, String, String, String> {

        @Override
        public void processBroadcast(String version, BroadcastContext ctx) throws Exception {
            ctx.broadcastState(RULES).put("version", version);
        }

        @Override
        public String readState(Item item, ReadContext<String> ctx) throws Exception {
            return ctx.broadcastState(RULES).get("version");
        }

        @Override
        public CompletionStage<String> process(Item item, String version, AsyncContext ctx) {
            return version == null
                    ? CompletableFuture.failedFuture(
                            new ProcessingException(ErrorReason.BUNDLE_MISSING, "no rules yet"))
                    : CompletableFuture.completedFuture(version);
        }

        @Override
        public void apply(Item item, String version, ApplyContext<String, String> ctx) {
            ctx.collect(item.id() + "@" + version);
        }
    }
}
