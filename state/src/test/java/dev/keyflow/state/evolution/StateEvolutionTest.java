package dev.keyflow.state.evolution;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyflow.state.EventLog;
import dev.keyflow.state.Fold;
import dev.keyflow.state.LogEntry;
import dev.keyflow.state.Retention;
import dev.keyflow.state.testutils.EventLogHarness;
import dev.keyflow.state.testutils.ManualClock;
import dev.keyflow.state.testutils.StateBackends;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.SavepointType;
import org.apache.flink.streaming.util.OperatorSnapshotUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Event logs written with version 1 of the mutation ({@link Transfer}, a record) and state ({@link
 * Ledger}, a POJO class) restore into today's versions of those types, which each added a field:
 * old entries and snapshots read back with the new field empty, new ones carry it. The snapshot in
 * {@code src/test/resources/snapshots/event-log-v1.snapshot} was written by {@link
 * #writeSnapshot()} with version 1 as a canonical savepoint of the RocksDB backend (the
 * backend-neutral format, so it restores into either backend); never rewrite it, add a new version
 * instead.
 */
class StateEvolutionTest {

    private static final Path SOURCE_DIR = Path.of("src/test/resources/snapshots");

    static final EventLog<Ledger, Transfer> LOG =
            EventLog.<Ledger, Transfer>builder()
                    .name("ledger")
                    .mutationType(TypeInformation.of(Transfer.class))
                    .stateType(TypeInformation.of(Ledger.class))
                    .fold(
                            Fold.of(
                                    Ledger::new,
                                    (l, t) ->
                                            new Ledger(
                                                    l.total + t.amount(),
                                                    l.count + 1,
                                                    t.currency() == null
                                                            ? l.lastCurrency
                                                            : t.currency())))
                    .snapshotEvery(3)
                    .retention(Retention.keepLast(2))
                    .build();

    private static EventLogHarness<Ledger, Transfer> harness(StateBackends backend)
            throws Exception {
        return EventLogHarness.create(LOG, Transfer::account, backend, new ManualClock(0));
    }

    @ParameterizedTest
    @EnumSource(StateBackends.class)
    void version1RestoresIntoTypesWithAnAddedField(StateBackends backend) throws Exception {
        try (var h = harness(backend)) {
            h.harness().initializeState(read("event-log-v1"));
            h.harness().open();

            assertThat(h.log("a").currentSequence()).isEqualTo(4);
            assertThat(h.log("a").snapshot().orElseThrow().state())
                    .isEqualTo(new Ledger(6, 3, null));
            assertThat(h.log("a").tail(10))
                    .extracting(LogEntry::mutation)
                    .containsExactly(Transfer.v1("a", 2), Transfer.v1("a", 3), Transfer.v1("a", 4));
            assertThat(h.log("a").load()).isEqualTo(new Ledger(10, 4, null));

            h.append(new Transfer("a", 5, "EUR"), new Transfer("a", 6, null));
            assertThat(h.log("a").load()).isEqualTo(new Ledger(21, 6, "EUR"));
            assertThat(h.log("a").snapshot().orElseThrow().state())
                    .as("a snapshot written with version 2")
                    .isEqualTo(new Ledger(21, 6, "EUR"));
            assertThat(h.log("a").tail(1).get(0).mutation()).isEqualTo(new Transfer("a", 6, null));
        }
    }

    /**
     * Wrote version 1's snapshot into the source tree (with version 1 of the types, whose
     * constructors took no currency); kept as the recipe for the next version's file.
     */
    @Test
    @EnabledIfSystemProperty(named = "keyflow.writeSnapshots", matches = "true")
    void writeSnapshot() throws Exception {
        Files.createDirectories(SOURCE_DIR);
        try (var h = harness(StateBackends.ROCKSDB)) {
            h.harness().open();
            for (int i = 1; i <= 4; i++) {
                h.append(Transfer.v1("a", i));
            }
            OperatorSubtaskState savepoint =
                    h.harness()
                            .snapshotWithLocalState(
                                    1L, 1L, SavepointType.savepoint(SavepointFormatType.CANONICAL))
                            .getJobManagerOwnedState();
            OperatorSnapshotUtil.writeStateHandle(
                    savepoint, SOURCE_DIR.resolve("event-log-v2.snapshot").toString());
        }
    }

    private static OperatorSubtaskState read(String name) throws Exception {
        return OperatorSnapshotUtil.readStateHandle(
                OperatorSnapshotUtil.getResourceFilename("snapshots/" + name + ".snapshot"));
    }
}
