package dev.keyflow.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyflow.core.testutils.FlinkTestEnvironments;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** keyflow's test environments turn a silent Kryo fallback into a failing job. */
class GenericTypesDisabledITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK = FlinkTestEnvironments.miniCluster(1);

    @Test
    void aNonPojoTypeFailsTheJob() {
        StreamExecutionEnvironment env = FlinkTestEnvironments.strictEnvironment(1);

        assertThatThrownBy(() -> collect(env))
                .satisfies(
                        e ->
                                assertThat(ExceptionUtils.stringifyException(e))
                                        .contains("Generic types have been disabled")
                                        .contains(NotAPojo.class.getName()));
    }

    @Test
    void theSameJobRunsWhenKryoIsAllowed() throws Exception {
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(new Configuration());
        env.setParallelism(1);

        assertThat(collect(env)).extracting(n -> n.value).containsExactly(1, 2, 3);
    }

    @Test
    void keyflowTypesRunWithKryoDisabled() throws Exception {
        StreamExecutionEnvironment env = FlinkTestEnvironments.strictEnvironment(1);
        List<ErrorRecord> out = new ArrayList<>();
        try (CloseableIterator<ErrorRecord> it =
                env.fromData(
                                List.of(
                                        ErrorRecord.builder(
                                                        ErrorStage.KEY_EXTRACTION,
                                                        ErrorReason.KEY_MISSING)
                                                .time(1)
                                                .build()),
                                KeyflowTypes.ERROR_RECORD)
                        .map(e -> e)
                        .returns(KeyflowTypes.ERROR_RECORD)
                        .executeAndCollect()) {
            it.forEachRemaining(out::add);
        }
        assertThat(out).extracting(ErrorRecord::reason).containsExactly(ErrorReason.KEY_MISSING);
    }

    private static List<NotAPojo> collect(StreamExecutionEnvironment env) throws Exception {
        List<NotAPojo> out = new ArrayList<>();
        try (CloseableIterator<NotAPojo> it =
                env.fromData(1, 2, 3)
                        .map(NotAPojo::new)
                        .returns(TypeInformation.of(NotAPojo.class))
                        .executeAndCollect()) {
            it.forEachRemaining(out::add);
        }
        return out;
    }

    /** No default constructor and a final field without setter: Flink can only use Kryo. */
    static final class NotAPojo {
        final int value;

        NotAPojo(int value) {
            this.value = value;
        }
    }
}
