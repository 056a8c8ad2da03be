package dev.keyflow.core.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyflow.core.Envelope;
import dev.keyflow.core.KeyflowConfigException;
import dev.keyflow.core.KeyflowTypes;
import java.time.Duration;
import java.util.List;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

class OutboxSinkTest {

    @Test
    void settersCheckTheirArgumentAtOnce() {
        OutboxSink.Builder<Envelope> builder = OutboxSink.builder();

        assertThatThrownBy(() -> builder.bootstrapServers(" "))
                .hasMessageContaining("bootstrapServers");
        assertThatThrownBy(() -> builder.transactionTimeout(Duration.ZERO))
                .hasMessageContaining("transactionTimeout");
        assertThatThrownBy(() -> builder.restartAllowance(Duration.ofSeconds(-1)))
                .hasMessageContaining("restartAllowance");
    }

    @Test
    void buildChecksTheRulesThatSpanFields() {
        assertThatThrownBy(() -> OutboxSink.<Envelope>builder().build())
                .hasMessageContaining("bootstrapServers");
        assertThatThrownBy(
                        () ->
                                OutboxSink.<Envelope>builder()
                                        .bootstrapServers("localhost:9092")
                                        .build())
                .hasMessageContaining("serializer");
        assertThatThrownBy(() -> configured().build())
                .hasMessageContaining("jobName")
                .hasMessageContaining("transactionalIdPrefix");
        assertThat(configured().deliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE).build())
                .isNotNull();
        assertThat(configured().transactionalIdPrefix("explicit").build()).isNotNull();
    }

    @Test
    void sinkFromRefusesExactlyOnceWithoutCheckpointing() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        OutboxSink<Envelope> sink = configured().jobName("orders").build();

        assertThatThrownBy(() -> sink.sinkFrom(envelopes(env)))
                .isInstanceOf(KeyflowConfigException.class)
                .hasMessageContaining("'outbox' needs checkpointing");
    }

    @Test
    void sinkFromRefusesATimeoutThatDoesNotFitTheCheckpoints() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.enableCheckpointing(10_000);
        OutboxSink<Envelope> sink =
                configured().jobName("orders").transactionTimeout(Duration.ofMinutes(5)).build();

        assertThatThrownBy(() -> sink.sinkFrom(envelopes(env)))
                .isInstanceOf(KeyflowConfigException.class)
                .hasMessageContaining("transaction.timeout.ms=300000");
    }

    @Test
    void sinkFromAddsTheSinkWithItsUidWhenTheSettingsFit() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.enableCheckpointing(10_000);
        OutboxSink<Envelope> sink = configured().jobName("orders").name("commands").build();

        sink.sinkFrom(envelopes(env));

        assertThat(sink.uid()).isEqualTo("keyflow-sink-commands");
        assertThat(env.getStreamGraph().getStreamNodes())
                .anySatisfy(node -> assertThat(node.getTransformationUID()).startsWith(sink.uid()));
    }

    private static OutboxSink.Builder<Envelope> configured() {
        return OutboxSink.<Envelope>builder()
                .bootstrapServers("localhost:9092")
                .serializer(EnvelopeSerialization.toTopic("out"));
    }

    private static DataStream<Envelope> envelopes(StreamExecutionEnvironment env) {
        return env.fromData(
                List.of(new Envelope("k", 1L, new byte[0], List.of(), null)),
                KeyflowTypes.ENVELOPE);
    }
}
