package dev.keyflow.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyflow.state.testutils.Balance;
import dev.keyflow.state.testutils.Deposit;
import dev.keyflow.state.testutils.EventLogHarness;
import dev.keyflow.state.testutils.ManualClock;
import dev.keyflow.state.testutils.StateBackends;
import java.time.Duration;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;

/** The checks of {@link EventLog.Builder} and {@link Retention}, and the defaults. */
class EventLogBuilderTest {

    @Test
    void defaultsAreBounded() {
        EventLog<Balance, Deposit> log =
                EventLog.<Balance, Deposit>builder()
                        .mutationType(Deposit.TYPE)
                        .stateType(Balance.TYPE)
                        .fold(Balance.FOLD)
                        .build();

        assertThat(log.name()).isEqualTo("eventlog");
        assertThat(log.snapshotEvery()).isEqualTo(EventLog.DEFAULT_SNAPSHOT_EVERY);
        assertThat(log.retention()).isEqualTo(Retention.keepLast(1_000));
        assertThat(log.retention().keepsAll()).isFalse();
    }

    @Test
    void settersCheckTheirArgumentAtOnce() {
        EventLog.Builder<Balance, Deposit> b = EventLog.builder();
        assertThatThrownBy(() -> b.name(" ")).hasMessageContaining("name");
        assertThatThrownBy(() -> b.snapshotEvery(0)).hasMessageContaining("snapshotEvery");
        assertThatThrownBy(() -> b.mutationType(null)).hasMessageContaining("mutationType");
        assertThatThrownBy(() -> b.retention(null)).hasMessageContaining("retention");
        assertThatThrownBy(() -> Retention.keepLast(-1)).hasMessageContaining("count");
        assertThatThrownBy(() -> Retention.keepFor(Duration.ZERO)).hasMessageContaining("age");
    }

    @Test
    void buildNamesWhatIsMissing() {
        assertThatThrownBy(() -> EventLog.<Balance, Deposit>builder().build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("mutationType");
        assertThatThrownBy(
                        () ->
                                EventLog.<Balance, Deposit>builder()
                                        .mutationType(Deposit.TYPE)
                                        .stateType(Balance.TYPE)
                                        .build())
                .hasMessageContaining("fold");
    }

    @Test
    void theSpecIsSerializable() throws Exception {
        EventLog<Balance, Deposit> log =
                EventLogTest.log(7, Retention.keepFor(Duration.ofHours(1)));
        EventLog<Balance, Deposit> copy = InstantiationUtil.clone(log, getClass().getClassLoader());

        assertThat(copy.snapshotEvery()).isEqualTo(7);
        assertThat(copy.retention()).isEqualTo(log.retention());
        assertThat(copy.fold().evolve(new Balance(1, 1), new Deposit("a", 2)))
                .isEqualTo(new Balance(3, 2));
    }

    /** A type Flink can only serialize with Kryo: no default constructor, no record. */
    static final class Opaque {
        final int value;

        Opaque(int value) {
            this.value = value;
        }
    }

    @Test
    void aMutationTypeThatNeedsKryoFails() {
        EventLog<Balance, Opaque> log =
                EventLog.<Balance, Opaque>builder()
                        .mutationType(TypeInformation.of(Opaque.class))
                        .stateType(Balance.TYPE)
                        .fold(Fold.of(() -> new Balance(0, 0), (b, o) -> b))
                        .build();

        assertThatThrownBy(
                        () ->
                                EventLogHarness.open(
                                                log,
                                                o -> "k",
                                                StateBackends.HEAP,
                                                new ManualClock(0))
                                        .append(new Opaque(1)))
                .hasStackTraceContaining("Generic types have been disabled");
    }
}
