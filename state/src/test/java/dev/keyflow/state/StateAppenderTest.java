package dev.keyflow.state;

import static dev.keyflow.core.testutils.KeyedAsyncHarness.runMails;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyflow.core.ErrorReason;
import dev.keyflow.core.ErrorRecord;
import dev.keyflow.core.ErrorStage;
import dev.keyflow.core.KeyflowOutputs;
import dev.keyflow.core.async.ApplyContext;
import dev.keyflow.core.async.AsyncContext;
import dev.keyflow.core.async.ExceptionPolicy;
import dev.keyflow.core.async.KeyedAsync;
import dev.keyflow.core.async.KeyedAsyncFunction;
import dev.keyflow.core.async.ReadContext;
import dev.keyflow.core.testutils.ControlledFutures;
import dev.keyflow.core.testutils.KeyedAsyncHarness;
import dev.keyflow.core.testutils.KeyflowHarnesses;
import dev.keyflow.state.testutils.Balance;
import dev.keyflow.state.testutils.Deposit;
import dev.keyflow.state.testutils.ManualClock;
import dev.keyflow.state.testutils.StateBackends;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The appender used from a {@link KeyedAsyncFunction} through {@link KeyedAsync}: outcomes are
 * appended on the operator thread, mutations and commands stamped with (key, sequence), and an
 * element re-run after a restore gets the same stamps.
 */
class StateAppenderTest {

    /** An input of the test: which element of which key. */
    public record Input(String key, int n) {}

    static final TypeInformation<Input> INPUT = TypeInformation.of(Input.class);

    static final EventLog<Balance, Deposit> LOG = EventLogTest.log(2, Retention.keepLast(10));

    /** Decides whatever outcome the test completes the element's future with. */
    static final class Decide
            extends KeyedAsyncFunction<
                    String, Input, Balance, Outcome<Deposit, String>, Stamped<String>> {
        private static final long serialVersionUID = 1L;

        final transient ControlledFutures<Outcome<Deposit, String>> calls;
        final transient List<String> seen = new ArrayList<>();
        final transient List<Appended<Deposit, String>> appended = new ArrayList<>();
        transient StateAppender<Balance, Deposit> state;

        Decide(ControlledFutures<Outcome<Deposit, String>> calls) {
            this.calls = calls;
        }

        @Override
        public void open(OpenContext openContext) {
            state = StateAppender.open(LOG, getRuntimeContext(), new ManualClock(0));
        }

        @Override
        public Balance readState(Input input, ReadContext<String> ctx) throws Exception {
            return state.log().load();
        }

        @Override
        public CompletionStage<Outcome<Deposit, String>> process(
                Input input, Balance balance, AsyncContext ctx) {
            seen.add(input.key() + ":" + input.n() + " saw " + balance.total());
            return calls.start(input.key() + ":" + input.n());
        }

        @Override
        public void apply(
                Input input,
                Outcome<Deposit, String> outcome,
                ApplyContext<String, Stamped<String>> ctx)
                throws Exception {
            appended.add(state.appendAndEmit(ctx, outcome));
        }
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, Input, Stamped<String>> harness(
            Decide function, StateBackends backend) throws Exception {
        var harness =
                KeyedAsyncHarness.create(
                        KeyedAsync.builder(function)
                                .uid("decide")
                                .outputType(Stamped.typeInfo(Types.STRING))
                                .onException(ExceptionPolicy.FAIL_JOB)
                                .build(),
                        Input::key,
                        Types.STRING,
                        INPUT);
        Configuration strict = new Configuration();
        strict.set(PipelineOptions.GENERIC_TYPES, false);
        harness.getExecutionConfig()
                .getSerializerConfig()
                .configure(strict, StateAppenderTest.class.getClassLoader());
        harness.setStateBackend(backend.create());
        // the harness would guess the output type from the first record, as Stamped<Object>
        return KeyflowHarnesses.withOutputType(harness, Stamped.typeInfo(Types.STRING));
    }

    private static Outcome<Deposit, String> outcome(
            String key, List<Long> amounts, List<String> commands) {
        return Outcome.of(amounts.stream().map(a -> new Deposit(key, a)).toList(), commands);
    }

    @ParameterizedTest
    @EnumSource(StateBackends.class)
    void appendsOutcomesAndStampsMutationsAndCommands(StateBackends backend) throws Exception {
        var calls = new ControlledFutures<Outcome<Deposit, String>>();
        Decide decide = new Decide(calls);
        try (var harness = harness(decide, backend)) {
            harness.open();
            harness.processElement(new Input("a", 1), 1L);
            harness.processElement(new Input("a", 2), 2L);
            harness.processElement(new Input("b", 1), 3L);

            calls.complete("a:1", outcome("a", List.of(10L, 20L), List.of("pay-a-1")));
            calls.complete("b:1", outcome("b", List.of(), List.of("notify-b")));
            runMails(harness);
            calls.complete("a:2", outcome("a", List.of(5L), List.of("pay-a-2", "mail-a-2")));
            runMails(harness);

            assertThat(harness.extractOutputValues())
                    .extracting(Stamped::idempotencyKey, Stamped::value)
                    .containsExactlyInAnyOrder(
                            org.assertj.core.groups.Tuple.tuple("a/1", "pay-a-1"),
                            org.assertj.core.groups.Tuple.tuple("b/1", "notify-b"),
                            org.assertj.core.groups.Tuple.tuple("a/2", "pay-a-2"),
                            org.assertj.core.groups.Tuple.tuple("a/3", "mail-a-2"));
            assertThat(harness.extractOutputStreamRecords())
                    .filteredOn(r -> r.getValue().key().equals("a"))
                    .extracting(StreamRecord::getTimestamp)
                    .containsExactly(1L, 2L, 2L);
            assertThat(decide.seen).contains("a:2 saw 30");
            assertThat(decide.appended)
                    .flatExtracting(Appended::mutations)
                    .extracting(m -> m.key() + "/" + m.sequence() + "=" + m.value().amount())
                    .containsExactly("a/1=10", "a/2=20", "a/3=5");

            harness.getOperator().setCurrentKey("a");
            assertThat(decide.state.log().read(1, 10))
                    .extracting(e -> e.mutation().amount())
                    .containsExactly(10L, 20L, 5L);
            assertThat(decide.state.log().load()).isEqualTo(new Balance(35, 3));
            assertThat(decide.state.currentCommandSequence()).isEqualTo(3);
            harness.getOperator().setCurrentKey("b");
            assertThat(decide.state.log().currentSequence()).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(StateBackends.class)
    void anElementRunAgainAfterARestoreGetsTheSameStamps(StateBackends backend) throws Exception {
        var before = new ControlledFutures<Outcome<Deposit, String>>();
        OperatorSubtaskState snapshot;
        try (var harness = harness(new Decide(before), backend)) {
            harness.open();
            harness.processElement(new Input("a", 1), 1L);
            before.complete("a:1", outcome("a", List.of(1L), List.of("c1")));
            runMails(harness);
            harness.processElement(new Input("a", 2), 2L); // in flight at the checkpoint
            snapshot = harness.snapshot(1L, 1L);
            before.complete("a:2", outcome("a", List.of(2L), List.of("c2")));
            runMails(harness);
            assertThat(harness.extractOutputValues())
                    .extracting(Stamped::idempotencyKey)
                    .containsExactly("a/1", "a/2");
        }

        var after = new ControlledFutures<Outcome<Deposit, String>>();
        Decide decide = new Decide(after);
        try (var harness = harness(decide, backend)) {
            harness.initializeState(snapshot);
            harness.open();
            after.complete("a:2", outcome("a", List.of(2L), List.of("c2")));
            runMails(harness);

            assertThat(harness.extractOutputValues())
                    .extracting(Stamped::idempotencyKey, Stamped::value)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("a/2", "c2"));
            assertThat(decide.appended.get(0).mutations())
                    .containsExactly(new Stamped<>("a", 2, new Deposit("a", 2)));
        }
    }

    @ParameterizedTest
    @EnumSource(StateBackends.class)
    void errorsOfAnOutcomeGoToTheErrorOutput(StateBackends backend) throws Exception {
        var calls = new ControlledFutures<Outcome<Deposit, String>>();
        try (var harness = harness(new Decide(calls), backend)) {
            harness.open();
            harness.processElement(new Input("a", 1), 1L);
            ErrorRecord error =
                    ErrorRecord.builder(ErrorStage.PROCESSING, ErrorReason.PROCESSING_FAILED)
                            .message("rejected")
                            .key("a")
                            .build();
            calls.complete("a:1", Outcome.failed(List.of(error)));
            runMails(harness);

            assertThat(harness.extractOutputValues()).isEmpty();
            assertThat(harness.getSideOutput(KeyflowOutputs.ERRORS))
                    .extracting(StreamRecord::getValue)
                    .containsExactly(error);
        }
    }
}
