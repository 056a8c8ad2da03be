package dev.keyflow.reference.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyflow.core.testutils.FlinkTestEnvironments;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The restart strategy of the YAML is the one Flink applies to the job. */
class RestartStrategyITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK = FlinkTestEnvironments.miniCluster(1);

    private static final String MINIMAL =
            """
            kafka: {bootstrap-servers: "broker:9092"}
            topics: {input: orders, outbox: orders.commands, dlq: orders.dlq}
            enrichment: {url: "http://customers/{id}"}
            state: {backend: hashmap, incremental: false}
            """;

    /** Attempts of the failing map, across restarts (the MiniCluster runs in this JVM). */
    static final AtomicInteger ATTEMPTS = new AtomicInteger();

    @BeforeEach
    void reset() {
        ATTEMPTS.set(0);
    }

    @Test
    void fixedDelayRestartsAsOftenAsConfigured() {
        assertThatThrownBy(
                        () ->
                                runFailingJob(
                                        "restart-strategy: {type: fixed-delay, fixed-delay:"
                                                + " {attempts: 2, delay: 0s}}"))
                .hasStackTraceContaining("FixedDelayRestartBackoffTimeStrategy")
                .hasStackTraceContaining("maxNumberRestartAttempts=2");
        assertThat(ATTEMPTS).hasValue(3);
    }

    @Test
    void noneFailsAtTheFirstFailure() {
        assertThatThrownBy(() -> runFailingJob("restart-strategy: {type: none}"))
                .hasStackTraceContaining("NoRestartBackoffTimeStrategy");
        assertThat(ATTEMPTS).hasValue(1);
    }

    private static void runFailingJob(String restartStrategy) throws Exception {
        ReferenceConfig config = ConfigLoader.parse(MINIMAL + restartStrategy, Map.of());
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(config.toFlinkConfiguration());
        env.setParallelism(1);
        env.fromSequence(1, 1).map(new AlwaysFails()).sinkTo(new DiscardingSink<>());
        env.execute("restart-strategy");
    }

    /** Counts its attempt, then fails. */
    static final class AlwaysFails implements MapFunction<Long, Long> {
        private static final long serialVersionUID = 1L;

        @Override
        public Long map(Long value) {
            ATTEMPTS.incrementAndGet();
            throw new IllegalStateException("injected failure " + ATTEMPTS.get());
        }
    }
}
