package dev.keyflow.rules;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyflow.core.ErrorReason;
import dev.keyflow.core.ErrorRecord;
import dev.keyflow.core.KeyflowOutputs;
import dev.keyflow.core.KeyflowTypes;
import dev.keyflow.core.testutils.FlinkTestEnvironments;
import dev.keyflow.rules.testutils.CollectingSink;
import dev.keyflow.rules.testutils.Order;
import dev.keyflow.rules.testutils.RulesHarnesses;
import dev.keyflow.rules.testutils.TestBundles;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A bundle changes while events flow through a parallel job: each key's outputs switch from version
 * 1 to version 2 at exactly one point, and every event comes out exactly once.
 *
 * <p>The sources coordinate through latches (the MiniCluster runs in this JVM), not sleeps: the
 * second half of the events waits until the first half has come out (all with version 1) and the
 * first instance has handled version 2 (seen by the rejection of a broken version 3 after it).
 */
class RuleBundleSwitchITCase {

    private static final int PARALLELISM = 2;
    private static final int EVENTS = 2_000;
    private static final int HALF = EVENTS / 2;
    private static final int KEYS = 8;

    @RegisterExtension
    static final MiniClusterExtension FLINK = FlinkTestEnvironments.miniCluster(PARALLELISM * 2);

    static volatile CountDownLatch firstHalfOut;
    static volatile CountDownLatch sendVersion2;
    static volatile CountDownLatch version2Handled;

    @Test
    void outputsSwitchVersionAtOnePointPerKeyWithNothingLost() throws Exception {
        firstHalfOut = new CountDownLatch(HALF);
        sendVersion2 = new CountDownLatch(1);
        version2Handled = new CountDownLatch(1);
        StreamExecutionEnvironment env = FlinkTestEnvironments.strictEnvironment(PARALLELISM);

        DataStream<Order> orders =
                env.fromSequence(0, EVENTS - 1)
                        .setParallelism(1)
                        .map(RuleBundleSwitchITCase::order)
                        .setParallelism(1)
                        .returns(Order.TYPE);
        DataStream<byte[]> bundles =
                env.fromSequence(1, 3)
                        .setParallelism(1)
                        .map(RuleBundleSwitchITCase::bundle)
                        .setParallelism(1)
                        .returns(RuleBundleProcessing.documentType());

        SingleOutputStreamOperator<Versioned<String>> out =
                RulesHarnesses.validation(EVENTS).applyTo(orders.keyBy(Order::id), bundles);
        out.sinkTo(CollectingSink.named("outputs", v -> firstHalfOut.countDown()))
                .setParallelism(1);
        out.getSideOutput(KeyflowOutputs.ERRORS)
                .sinkTo(
                        CollectingSink.named(
                                "errors",
                                e -> {
                                    if (((ErrorRecord) e).reason() == ErrorReason.BUNDLE_REJECTED) {
                                        version2Handled.countDown();
                                    }
                                }))
                .setParallelism(1);
        assertThat(out.getSideOutput(KeyflowOutputs.ERRORS).getType())
                .isEqualTo(KeyflowTypes.ERROR_RECORD);

        env.execute("rule bundle switch");

        List<Versioned<String>> outputs = CollectingSink.values("outputs");
        assertThat(outputs).hasSize(EVENTS);
        assertThat(outputs.stream().map(v -> eventId(v.value())).distinct()).hasSize(EVENTS);

        Map<String, List<Versioned<String>>> byKey =
                outputs.stream().collect(Collectors.groupingBy(v -> v.value().substring(0, 2)));
        assertThat(byKey).hasSize(KEYS);
        for (List<Versioned<String>> ofKey : byKey.values()) {
            List<Long> seqs = ofKey.stream().map(v -> seq(v.value())).toList();
            assertThat(seqs).as("per-key order").isSorted();
            List<Long> versions = new ArrayList<>(ofKey.stream().map(Versioned::version).toList());
            assertThat(versions).as("one switch, forward only").isSorted();
            assertThat(versions).allMatch(v -> v == 1 || v == 2);
            for (Versioned<String> v : ofKey) {
                assertThat(v.value())
                        .endsWith(v.version() == 1 ? ":ok" : ":violated=amount-minimum");
            }
        }
        assertThat(outputs.stream().filter(v -> index(v.value()) < HALF))
                .allMatch(v -> v.version() == 1);
        assertThat(outputs.stream().filter(v -> v.version() == 2)).isNotEmpty();

        List<ErrorRecord> errors = CollectingSink.values("errors");
        assertThat(errors)
                .singleElement()
                .satisfies(e -> assertThat(e.ruleVersion()).isEqualTo("orders@3"));
    }

    private static Order order(long i) throws InterruptedException {
        if (i == HALF) {
            firstHalfOut.await();
            sendVersion2.countDown();
            version2Handled.await();
        }
        return new Order("k" + (i % KEYS), i / KEYS, 50.0);
    }

    private static byte[] bundle(long version) throws InterruptedException {
        if (version == 1) {
            return TestBundles.json(TestBundles.orders(1, 10));
        }
        if (version == 2) {
            sendVersion2.await();
            return TestBundles.json(TestBundles.orders(2, 100));
        }
        return TestBundles.json(TestBundles.broken(3));
    }

    private static String eventId(String value) {
        return value.substring(0, value.indexOf(':'));
    }

    private static long seq(String value) {
        return Long.parseLong(value.substring(value.indexOf('#') + 1, value.indexOf(':')));
    }

    private static long index(String value) {
        return seq(value) * KEYS + Long.parseLong(value.substring(1, value.indexOf('#')));
    }
}
