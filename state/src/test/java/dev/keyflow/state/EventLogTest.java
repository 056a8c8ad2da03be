package dev.keyflow.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyflow.state.testutils.Balance;
import dev.keyflow.state.testutils.Deposit;
import dev.keyflow.state.testutils.EventLogHarness;
import dev.keyflow.state.testutils.ManualClock;
import dev.keyflow.state.testutils.StateBackends;
import java.time.Duration;
import java.util.List;
import java.util.stream.LongStream;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Append, read, fold, snapshot, retention and restore of {@link EventLog}, on heap and RocksDB. */
class EventLogTest {

    private final ManualClock clock = new ManualClock(1_000_000);

    static EventLog<Balance, Deposit> log(int snapshotEvery, Retention retention) {
        return EventLog.<Balance, Deposit>builder()
                .name("account")
                .mutationType(Deposit.TYPE)
                .stateType(Balance.TYPE)
                .fold(Balance.FOLD)
                .snapshotEvery(snapshotEvery)
                .retention(retention)
                .build();
    }

    private EventLogHarness<Balance, Deposit> open(
            StateBackends backend, int snapshotEvery, Retention retention) throws Exception {
        return EventLogHarness.open(
                log(snapshotEvery, retention), Deposit::account, backend, clock);
    }

    private static Deposit[] deposits(String account, int from, int to) {
        return LongStream.rangeClosed(from, to)
                .mapToObj(i -> new Deposit(account, i))
                .toArray(Deposit[]::new);
    }

    @ParameterizedTest
    @EnumSource(StateBackends.class)
    void numbersEachKeyFromOneWithoutGaps(StateBackends backend) throws Exception {
        try (var h = open(backend, 100, Retention.keepAll())) {
            h.append(new Deposit("a", 1), new Deposit("a", 2), new Deposit("b", 7));
            h.append(new Deposit("a", 3));

            assertThat(h.sequences()).containsExactly(1L, 2L, 1L, 3L);
            assertThat(h.log("a").currentSequence()).isEqualTo(3);
            assertThat(h.log("b").currentSequence()).isEqualTo(1);
            assertThat(h.log("c").currentSequence()).isZero();
            assertThat(h.log("a").append(List.of(new Deposit("a", 4), new Deposit("a", 5))))
                    .containsExactly(4L, 5L);
            assertThat(h.log("a").append(List.of())).isEmpty();
            assertThat(h.log("a").currentSequence()).isEqualTo(5);
        }
    }

    @ParameterizedTest
    @EnumSource(StateBackends.class)
    void readsRangesAndTheTail(StateBackends backend) throws Exception {
        try (var h = open(backend, 100, Retention.keepAll())) {
            h.append(deposits("a", 1, 5));
            h.append(new Deposit("b", 100));

            EventLogState<Balance, Deposit> a = h.log("a");
            assertThat(a.read(2, 4))
                    .extracting(LogEntry::sequence, e -> e.mutation().amount())
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple(2L, 2L),
                            org.assertj.core.groups.Tuple.tuple(3L, 3L),
                            org.assertj.core.groups.Tuple.tuple(4L, 4L));
            assertThat(a.read(4, 99)).extracting(LogEntry::sequence).containsExactly(4L, 5L);
            assertThat(a.tail(2)).extracting(LogEntry::sequence).containsExactly(4L, 5L);
            assertThat(a.tail(10)).hasSize(5);
            assertThat(a.tail(0)).isEmpty();
            assertThat(a.read(1, 1).get(0).appendedAt()).isEqualTo(clock.millis());
            assertThat(h.log("c").tail(3)).isEmpty();
            assertThatThrownBy(() -> h.log("a").read(0, 3))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("from");
            assertThatThrownBy(() -> h.log("a").read(3, 2))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("to");
        }
    }

    @ParameterizedTest
    @EnumSource(StateBackends.class)
    void loadsTheLatestSnapshotPlusTheMutationsAfterIt(StateBackends backend) throws Exception {
        try (var h = open(backend, 3, Retention.keepAll())) {
            h.append(deposits("a", 1, 2));
            assertThat(h.log("a").snapshot()).isEmpty();
            assertThat(h.log("a").load()).isEqualTo(new Balance(3, 2));

            h.append(deposits("a", 3, 7));

            LogSnapshot<Balance> snapshot = h.log("a").snapshot().orElseThrow();
            assertThat(snapshot.sequence()).isEqualTo(6);
            assertThat(snapshot.state()).isEqualTo(new Balance(21, 6));
            assertThat(h.log("a").load()).isEqualTo(new Balance(28, 7));
            assertThat(h.log("b").load()).isEqualTo(new Balance(0, 0));
        }
    }

    @ParameterizedTest
    @EnumSource(StateBackends.class)
    void aBatchLargerThanTheIntervalIsSnapshottedAtItsEnd(StateBackends backend) throws Exception {
        try (var h = open(backend, 3, Retention.keepAll())) {
            h.log("a").append(List.of(deposits("a", 1, 8)));

            assertThat(h.log("a").snapshot().orElseThrow().sequence()).isEqualTo(8);
            assertThat(h.log("a").load()).isEqualTo(new Balance(36, 8));
        }
    }

    @ParameterizedTest
    @EnumSource(StateBackends.class)
    void retentionByCountRemovesOnlyWhatASnapshotCovers(StateBackends backend) throws Exception {
        try (var h = open(backend, 4, Retention.keepLast(2))) {
            h.append(deposits("a", 1, 3));
            assertThat(h.storedSequences("a")).as("no snapshot yet").containsExactly(1L, 2L, 3L);

            h.append(deposits("a", 4, 5));
            assertThat(h.storedSequences("a")).containsExactly(3L, 4L, 5L);
            assertThat(h.log("a").firstRetainedSequence()).isEqualTo(3);
            assertThat(h.log("a").read(1, 5))
                    .extracting(LogEntry::sequence)
                    .containsExactly(3L, 4L, 5L);
            assertThat(h.log("a").load()).isEqualTo(new Balance(15, 5));

            h.append(deposits("a", 6, 8));
            assertThat(h.storedSequences("a")).containsExactly(7L, 8L);
            assertThat(h.log("a").load()).isEqualTo(new Balance(36, 8));
            assertThat(h.log("a").tail(5)).extracting(LogEntry::sequence).containsExactly(7L, 8L);
        }
    }

    @ParameterizedTest
    @EnumSource(StateBackends.class)
    void retentionByAgeKeepsYoungMutations(StateBackends backend) throws Exception {
        try (var h = open(backend, 2, Retention.keepFor(Duration.ofMinutes(10)))) {
            h.append(deposits("a", 1, 2));
            assertThat(h.storedSequences("a")).containsExactly(1L, 2L);

            clock.advance(Duration.ofMinutes(11));
            h.append(deposits("a", 3, 4));

            assertThat(h.storedSequences("a")).containsExactly(3L, 4L);
            assertThat(h.log("a").load()).isEqualTo(new Balance(10, 4));
        }
    }

    @ParameterizedTest
    @EnumSource(StateBackends.class)
    void countAndAgeTogetherKeepWhatEitherKeeps(StateBackends backend) throws Exception {
        try (var h = open(backend, 2, Retention.keepLastOrYounger(1, Duration.ofMinutes(10)))) {
            h.append(deposits("a", 1, 2));
            assertThat(h.storedSequences("a")).as("1 is young").containsExactly(1L, 2L);

            clock.advance(Duration.ofMinutes(11));
            h.append(deposits("a", 3, 4));

            assertThat(h.storedSequences("a")).as("3 is young").containsExactly(3L, 4L);
        }
    }

    @ParameterizedTest
    @EnumSource(StateBackends.class)
    void keepAllKeepsEverything(StateBackends backend) throws Exception {
        try (var h = open(backend, 2, Retention.keepAll())) {
            h.append(deposits("a", 1, 9));
            assertThat(h.storedSequences("a")).hasSize(9);
        }
    }

    @ParameterizedTest
    @EnumSource(StateBackends.class)
    void aRestoredLogContinuesItsSequence(StateBackends backend) throws Exception {
        EventLog<Balance, Deposit> spec = log(3, Retention.keepLast(2));
        OperatorSubtaskState snapshot;
        try (var h = EventLogHarness.open(spec, Deposit::account, backend, clock)) {
            h.append(deposits("a", 1, 7));
            h.append(deposits("b", 1, 1));
            snapshot = h.harness().snapshot(1L, 1L);
            h.append(deposits("a", 8, 8)); // after the checkpoint: lost on restore
        }
        try (var h = EventLogHarness.create(spec, Deposit::account, backend, clock)) {
            h.harness().initializeState(snapshot);
            h.harness().open();

            assertThat(h.log("a").currentSequence()).isEqualTo(7);
            assertThat(h.storedSequences("a")).containsExactly(5L, 6L, 7L);
            assertThat(h.log("a").load()).isEqualTo(new Balance(28, 7));
            h.append(new Deposit("a", 100), new Deposit("b", 2));
            assertThat(h.sequences()).containsExactly(8L, 2L);
            assertThat(h.log("a").load()).isEqualTo(new Balance(128, 8));
            assertThat(h.log("b").read(1, 2))
                    .extracting(LogEntry::sequence)
                    .containsExactly(1L, 2L);
        }
    }

    @ParameterizedTest
    @EnumSource(StateBackends.class)
    void clearStartsTheKeyOver(StateBackends backend) throws Exception {
        try (var h = open(backend, 2, Retention.keepAll())) {
            h.append(deposits("a", 1, 3));
            h.log("a").clear();

            assertThat(h.storedSequences("a")).isEmpty();
            assertThat(h.log("a").snapshot()).isEmpty();
            assertThat(h.log("a").append(new Deposit("a", 9))).isEqualTo(1);
        }
    }
}
