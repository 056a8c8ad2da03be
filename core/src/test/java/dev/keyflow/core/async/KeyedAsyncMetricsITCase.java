package dev.keyflow.core.async;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyflow.core.testutils.FlinkTestEnvironments;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Contract 9: the operator reports completions, latency, timeouts, retries and errors. */
class KeyedAsyncMetricsITCase {

    private static final InMemoryReporter REPORTER = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setConfiguration(REPORTER.addToConfiguration(new Configuration()))
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(1)
                            .build());

    @Test
    void countsWhatHappened() throws Exception {
        StreamExecutionEnvironment env = FlinkTestEnvironments.strictEnvironment(1);
        KeyedAsync.builder(new EveryTenthHangs())
                .uid("test-async")
                .outputType(Types.STRING)
                .timeout(Duration.ofMillis(100))
                .retry(RetryPolicy.fixedDelay(2, Duration.ZERO))
                .name("metered")
                .build()
                .applyTo(
                        env.fromSequence(1, 200)
                                .map(i -> new Item("k" + (i % 20), i.intValue()))
                                .returns(KeyedAsyncTestFunction.ITEM)
                                .keyBy(Item::key))
                .sinkTo(new DiscardingSink<>());

        JobExecutionResult result = env.execute("keyed-async-metrics");

        Map<String, Metric> metrics = REPORTER.findMetrics(result.getJobID(), "keyflow");
        assertThat(count(metrics, ".keyflow.async.completed")).isEqualTo(180);
        assertThat(count(metrics, ".keyflow.async.timeouts")).isEqualTo(40);
        assertThat(count(metrics, ".keyflow.async.retries")).isEqualTo(20);
        assertThat(count(metrics, ".keyflow.errors.stage.PROCESSING.reason.TIMEOUT.count"))
                .isEqualTo(20);
        assertThat(
                        metrics.entrySet().stream()
                                .filter(e -> e.getKey().endsWith(".keyflow.async.latencyMillis"))
                                .mapToLong(e -> ((Histogram) e.getValue()).getCount())
                                .sum())
                .isEqualTo(180);
        assertThat(metrics.keySet())
                .anyMatch(k -> k.endsWith(".keyflow.async.inFlight"))
                .anyMatch(k -> k.endsWith(".keyflow.async.queued"))
                .anyMatch(k -> k.endsWith(".keyflow.async.keysPending"))
                .anyMatch(k -> k.endsWith(".keyflow.async.backlog"))
                .anyMatch(k -> k.endsWith(".keyflow.async.backlogKeys"))
                .anyMatch(k -> k.endsWith(".keyflow.async.backlogLargestKey"))
                .anyMatch(k -> k.endsWith(".keyflow.async.backlogOldestWaitMillis"));
    }

    private static long count(Map<String, Metric> metrics, String suffix) {
        return metrics.entrySet().stream()
                .filter(e -> e.getKey().endsWith(suffix))
                .mapToLong(e -> ((Counter) e.getValue()).getCount())
                .sum();
    }

    /** Every tenth element's call never answers, so it times out on both attempts. */
    static final class EveryTenthHangs
            extends KeyedAsyncFunction<String, Item, Void, String, String> {
        @Override
        public CompletionStage<String> process(Item item, Void state, AsyncContext ctx) {
            return item.seq() % 10 == 0
                    ? new CompletableFuture<>()
                    : CompletableFuture.completedFuture(item.id());
        }

        @Override
        public void apply(Item item, String result, ApplyContext<String, String> ctx) {
            ctx.collect(result);
        }
    }
}
