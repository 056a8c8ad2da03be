package dev.keyflow.enrichment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyflow.core.ErrorReason;
import dev.keyflow.core.ErrorRecord;
import dev.keyflow.core.ErrorStage;
import dev.keyflow.core.KeyflowOutputs;
import dev.keyflow.core.async.KeyedAsync;
import dev.keyflow.core.async.RetryPolicy;
import dev.keyflow.core.testutils.FlinkTestEnvironments;
import dev.keyflow.enrichment.testutils.TestHttpServer;
import dev.keyflow.enrichment.testutils.TestHttpServer.Reply;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collector;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The whole enrichment path on a MiniCluster: {@link KeyedAsync} running {@link EnrichingFunction}
 * with an {@link HttpEnricher} against a local server that fails about one call in five with a 500
 * (by a seeded pattern over the request number). Every element ends exactly once, either enriched
 * or as a transient {@link ErrorStage#ENRICHMENT} error record after all its attempts.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EnrichmentITCase {

    private static final int KEYS = 100;
    private static final int ELEMENTS = 3_000;
    private static final int ATTEMPTS = 3;
    private static final long SEED = 8L;
    private static final int FAILURE_PERCENT = 20;

    @RegisterExtension
    static final MiniClusterExtension FLINK = FlinkTestEnvironments.miniCluster(2);

    @Test
    void everyElementIsEnrichedOrBecomesOneTransientErrorRecord() throws Exception {
        Map<String, List<Integer>> statusesByPath = new ConcurrentHashMap<>();
        AtomicInteger failed = new AtomicInteger();
        try (TestHttpServer server = TestHttpServer.start()) {
            server.otherwise(
                    (number, path) -> {
                        boolean fail =
                                new SplittableRandom(SEED * 1_000_003L + number).nextInt(100)
                                        < FAILURE_PERCENT;
                        Reply reply =
                                fail
                                        ? Reply.status(500)
                                        : Reply.json(
                                                200,
                                                "{\"name\":\""
                                                        + path.substring(path.lastIndexOf('/') + 1)
                                                        + "\"}");
                        if (fail) {
                            failed.incrementAndGet();
                        }
                        statusesByPath
                                .computeIfAbsent(path, p -> new CopyOnWriteArrayList<>())
                                .add(fail ? 500 : 200);
                        return reply;
                    });

            StreamExecutionEnvironment env = FlinkTestEnvironments.strictEnvironment(2);
            SingleOutputStreamOperator<String> enriched = pipeline(env, server);
            List<String> outputs = new ArrayList<>();
            List<ErrorRecord> errors = new ArrayList<>();
            try (CloseableIterator<String> outIt = enriched.collectAsync();
                    CloseableIterator<ErrorRecord> errorIt =
                            enriched.getSideOutput(KeyflowOutputs.ERRORS).collectAsync()) {
                env.execute("enrichment-it");
                outIt.forEachRemaining(outputs::add);
                errorIt.forEachRemaining(errors::add);
            }

            Set<String> all =
                    LongStream.range(0, ELEMENTS)
                            .mapToObj(EnrichmentITCase::element)
                            .collect(Collectors.toSet());
            // Enriched: each element at most once, each with its own answer.
            assertThat(outputs).doesNotHaveDuplicates();
            assertThat(outputs).allSatisfy(o -> assertThat(o).matches("(k\\d+-\\d+)=\\1"));
            Set<String> enrichedElements =
                    outputs.stream()
                            .map(o -> o.substring(0, o.indexOf('=')))
                            .collect(Collectors.toSet());
            assertThat(all).containsAll(enrichedElements);

            // Errors: typed, transient, after every attempt; the rest of the elements exactly.
            assertThat(errors)
                    .allSatisfy(
                            e -> {
                                assertThat(e.stage()).isEqualTo(ErrorStage.ENRICHMENT);
                                assertThat(e.reason()).isEqualTo(ErrorReason.SERVICE_UNAVAILABLE);
                                assertThat(e.isTransient()).isTrue();
                                assertThat(e.attempt()).isEqualTo(ATTEMPTS);
                            });
            assertThat(outputs.size() + errors.size()).isEqualTo(ELEMENTS);
            assertThat(errors).as("about 0.2^3 of the elements fail every attempt").isNotEmpty();
            Set<String> erroredElements = new HashSet<>(all);
            erroredElements.removeAll(enrichedElements);
            assertThat(errors.stream().map(ErrorRecord::key).collect(counting()))
                    .isEqualTo(
                            erroredElements.stream()
                                    .map(EnrichmentITCase::keyOf)
                                    .collect(counting()));

            // The server agrees: an enriched element got one 200 (its last request), an errored one
            // got a 500 for each of its attempts and nothing else.
            for (String element : all) {
                List<Integer> statuses = statusesByPath.get("/customers/" + element);
                if (enrichedElements.contains(element)) {
                    assertThat(statuses).as(element).endsWith(200).containsOnlyOnce(200);
                    assertThat(statuses.size()).as(element).isLessThanOrEqualTo(ATTEMPTS);
                } else {
                    assertThat(statuses).as(element).hasSize(ATTEMPTS).containsOnly(500);
                }
            }
            assertThat(failed.get())
                    .as("some calls failed and were retried")
                    .isGreaterThan(ELEMENTS / 10);
        }
    }

    private static SingleOutputStreamOperator<String> pipeline(
            StreamExecutionEnvironment env, TestHttpServer server) {
        HttpEnricher<String> enricher =
                HttpEnricher.<String>builder()
                        .url(server.url("/customers/{id}"))
                        .variables(element -> Map.of("id", element))
                        .callTimeout(Duration.ofSeconds(5))
                        .build();
        EnrichingFunction<String, String, String> function =
                EnrichingFunction.<String, String, String>builder()
                        .enricher(enricher)
                        .combiner((element, result) -> element + "=" + result.body().get("name"))
                        .build();
        return KeyedAsync.builder(function)
                .uid("enrich-it")
                .outputType(Types.STRING)
                .timeout(Duration.ofSeconds(10))
                .retry(RetryPolicy.fixedDelay(ATTEMPTS, Duration.ofMillis(5)))
                .build()
                .applyTo(
                        env.fromSequence(0, ELEMENTS - 1)
                                .map(EnrichmentITCase::element)
                                .returns(Types.STRING)
                                .keyBy(EnrichmentITCase::keyOf));
    }

    private static String element(long i) {
        return "k" + (i % KEYS) + "-" + i;
    }

    private static String keyOf(String element) {
        return element.substring(0, element.indexOf('-'));
    }

    private static Collector<String, ?, Map<String, Long>> counting() {
        return Collectors.groupingBy(Function.identity(), Collectors.counting());
    }
}
