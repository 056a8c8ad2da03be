package dev.keyflow.state;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keyflow.core.testutils.Await;
import dev.keyflow.core.testutils.FlinkTestEnvironments;
import dev.keyflow.state.testutils.Balance;
import dev.keyflow.state.testutils.Deposit;
import dev.keyflow.state.testutils.LoggingJob;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job on RocksDB writes event logs and is stopped with a savepoint; the inspector (and its
 * command line) reads the logs back as JSON lines.
 */
class SavepointInspectorITCase {

    private static final int KEYS = 20;
    private static final int PER_KEY = 7;
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final MiniClusterExtension FLINK = FlinkTestEnvironments.miniCluster(2);

    @TempDir static Path dir;

    private static String savepoint;

    @BeforeAll
    static void writeSavepoint() throws Exception {
        LoggingJob.reset();
        Configuration conf =
                StateBackendSettings.builder()
                        .checkpointDirectory(dir.resolve("checkpoints").toUri().toString())
                        .build()
                        .applyTo(FlinkTestEnvironments.strictConfiguration());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        env.enableCheckpointing(500);
        LoggingJob.addTo(env, KEYS, PER_KEY, 2_000, true);
        JobClient job = env.executeAsync("write-event-logs");

        Await.until(() -> LoggingJob.APPENDED.get() >= KEYS * PER_KEY, "every deposit appended");
        savepoint =
                job.stopWithSavepoint(
                                false,
                                dir.resolve("savepoints").toUri().toString(),
                                SavepointFormatType.CANONICAL)
                        .get(60, TimeUnit.SECONDS);
        assertThat(LoggingJob.VIOLATIONS).isEmpty();
    }

    private static SavepointInspector.Builder<String> inspector() {
        return SavepointInspector.<String>builder()
                .savepoint(savepoint)
                .operatorUid(LoggingJob.UID)
                .eventLog(LoggingJob.LOG)
                .keyType(Types.STRING);
    }

    @Test
    void printsTheLogOfOneKeyInSequenceOrder() throws Exception {
        List<String> lines =
                inspector().key("k3").build().collect(FlinkTestEnvironments.strictEnvironment(2));

        assertThat(lines).hasSize(PER_KEY);
        for (int i = 0; i < PER_KEY; i++) {
            JsonNode line = JSON.readTree(lines.get(i));
            assertThat(line.get("key").asText()).isEqualTo("k3");
            assertThat(line.get("sequence").asLong()).isEqualTo(i + 1);
            assertThat(line.get("appendedAt").asLong()).isPositive();
            assertThat(JSON.treeToValue(line.get("mutation"), Deposit.class))
                    .isEqualTo(new Deposit("k3", i + 1));
        }
    }

    @Test
    void printsEveryKey() throws Exception {
        List<String> lines =
                inspector().build().collect(FlinkTestEnvironments.strictEnvironment(2));

        assertThat(lines).hasSize(KEYS * PER_KEY);
        assertThat(lines.stream().map(l -> key(l)).distinct()).hasSize(KEYS);
    }

    @Test
    void theCommandLinePrintsJsonLines() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status =
                InspectSavepoint.run(
                        new String[] {
                            "--savepoint",
                            savepoint,
                            "--uid",
                            LoggingJob.UID,
                            "--name",
                            "account",
                            "--mutation-class",
                            Deposit.class.getName(),
                            "--state-class",
                            Balance.class.getName(),
                            "--key",
                            "k11"
                        },
                        FlinkTestEnvironments.strictEnvironment(1),
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8));

        assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8).lines())
                .hasSize(PER_KEY)
                .first()
                .isEqualTo(
                        "{\"key\":\"k11\",\"sequence\":1,\"appendedAt\":"
                                + appendedAt(out.toString(StandardCharsets.UTF_8))
                                + ",\"mutation\":{\"account\":\"k11\",\"amount\":1}}");
    }

    @Test
    void theCommandLineReportsAnUnknownUidAndWrongArguments() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream errors = new PrintStream(err, true, StandardCharsets.UTF_8);
        PrintStream out =
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

        int unknownUid =
                InspectSavepoint.run(
                        new String[] {
                            "--savepoint",
                            savepoint,
                            "--uid",
                            "no-such-operator",
                            "--mutation-class",
                            Deposit.class.getName(),
                            "--state-class",
                            Balance.class.getName()
                        },
                        FlinkTestEnvironments.strictEnvironment(1),
                        out,
                        errors);
        assertThat(unknownUid).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("could not read the savepoint");

        assertThat(InspectSavepoint.run(new String[] {"--savepoint"}, out, errors)).isEqualTo(2);
        assertThat(
                        InspectSavepoint.run(
                                new String[] {
                                    "--savepoint",
                                    savepoint,
                                    "--uid",
                                    "x",
                                    "--mutation-class",
                                    "com.example.Missing",
                                    "--state-class",
                                    Balance.class.getName()
                                },
                                out,
                                errors))
                .isEqualTo(2);
    }

    private static String key(String line) {
        try {
            return JSON.readTree(line).get("key").asText();
        } catch (java.io.IOException e) {
            throw new AssertionError("not JSON: " + line, e);
        }
    }

    private static long appendedAt(String lines) {
        try {
            return JSON.readTree(lines.lines().findFirst().orElseThrow())
                    .get("appendedAt")
                    .asLong();
        } catch (java.io.IOException e) {
            throw new AssertionError("not JSON: " + lines, e);
        }
    }
}
