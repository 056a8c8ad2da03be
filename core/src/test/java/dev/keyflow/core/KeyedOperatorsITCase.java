package dev.keyflow.core;

import static dev.keyflow.core.testutils.TestRecords.envelope;
import static dev.keyflow.core.testutils.TestRecords.payloadOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyflow.core.testutils.FlinkTestEnvironments;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The three keyed operators in one real job on a MiniCluster, with Kryo disabled: resequence, then
 * deduplicate and gate without another shuffle.
 */
class KeyedOperatorsITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK = FlinkTestEnvironments.miniCluster(2);

    @Test
    void resequencedDeduplicatedAndGatedEventsLeaveInOrderPerKey() throws Exception {
        List<Envelope> input = new ArrayList<>();
        Random random = new Random(3);
        for (String key : List.of("a", "b", "c", "d")) {
            for (int i = 0; i < 50; i++) {
                input.add(envelope(key, 1_000L * i, key + i));
            }
            // A repeat of an earlier payload within the 1 min dedup window.
            input.add(envelope(key, 49_500L, key + "7"));
        }
        Collections.shuffle(input, random);

        StreamExecutionEnvironment env = FlinkTestEnvironments.strictEnvironment(2);
        DataStream<Envelope> envelopes =
                env.fromData(input, KeyflowTypes.ENVELOPE)
                        .assignTimestampsAndWatermarks(
                                KeyflowWatermarks.<Envelope>builder()
                                        .eventTime(e -> OptionalLong.of(e.eventTime()))
                                        .maxOutOfOrderness(Duration.ofMinutes(5))
                                        .idleness(Duration.ZERO)
                                        .build());

        SingleOutputStreamOperator<Envelope> ordered =
                Resequencer.forEnvelopes().build().resequence(envelopes.keyBy(Envelope::key));
        SingleOutputStreamOperator<Envelope> unique =
                Deduplicator.forEnvelopes()
                        .dedupKey(e -> payloadOf(e))
                        .eventTimeWindow(Duration.ofMinutes(1))
                        .build()
                        .deduplicate(
                                DataStreamUtils.reinterpretAsKeyedStream(ordered, Envelope::key));
        SingleOutputStreamOperator<Envelope> gated =
                PauseGate.forEnvelopes()
                        .build()
                        .gate(
                                DataStreamUtils.reinterpretAsKeyedStream(unique, Envelope::key),
                                env.fromData(
                                        List.of(PauseCommand.resume("nobody", 0)),
                                        KeyflowTypes.PAUSE_COMMAND));

        assertThat(ordered.getTransformation().getUid()).isEqualTo(Resequencer.DEFAULT_UID);
        assertThat(unique.getTransformation().getUid()).isEqualTo(Deduplicator.DEFAULT_UID);
        assertThat(gated.getTransformation().getUid()).isEqualTo(PauseGate.DEFAULT_UID);

        Map<String, List<String>> byKey = new LinkedHashMap<>();
        try (CloseableIterator<Envelope> it = gated.executeAndCollect()) {
            it.forEachRemaining(
                    e -> byKey.computeIfAbsent(e.key(), k -> new ArrayList<>()).add(payloadOf(e)));
        }

        for (String key : List.of("a", "b", "c", "d")) {
            List<String> expected =
                    input.stream()
                            .filter(e -> e.key().equals(key))
                            .sorted(Comparator.comparingLong(Envelope::eventTime))
                            .map(e -> payloadOf(e))
                            .distinct()
                            .toList();
            assertThat(byKey.get(key)).as(key).hasSize(50).isEqualTo(expected);
        }
    }
}
