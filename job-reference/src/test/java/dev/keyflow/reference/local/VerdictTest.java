package dev.keyflow.reference.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyflow.reference.demo.ExpectedOutcome;
import dev.keyflow.reference.demo.GeneratedEvent;
import dev.keyflow.reference.demo.OrderGenerator;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class VerdictTest {

    private static ExpectedOutcome expected;

    @BeforeAll
    static void model() {
        List<GeneratedEvent> events =
                OrderGenerator.generate(
                        OrderGenerator.Settings.builder()
                                .seed(3)
                                .events(500)
                                .start(Instant.parse("2030-01-01T00:00:00Z"))
                                .build());
        expected = ExpectedOutcome.of(events);
    }

    /** What a job that does exactly what the model says would commit. */
    private static Map<String, List<String>> dlq() {
        Map<String, List<String>> dlq = new LinkedHashMap<>();
        expected.errors().forEach((id, reason) -> dlq.put(id, List.of(reason.name())));
        return dlq;
    }

    @Test
    void matchesWhenEveryInputEndedAsExpected() {
        List<String> commands = new ArrayList<>(expected.commandLines());
        java.util.Collections.reverse(commands); // the order read does not matter

        Verdict verdict = Verdict.of(expected, commands, dlq());

        assertThat(verdict.matches()).isTrue();
        assertThat(verdict.differences()).isEmpty();
    }

    @Test
    void reportsMissingAndDoubledCommands() {
        List<String> commands = new ArrayList<>(expected.commandLines());
        String lost = commands.remove(0);
        commands.add(commands.get(0));

        Verdict verdict = Verdict.of(expected, commands, dlq());

        assertThat(verdict.matches()).isFalse();
        assertThat(verdict.differences())
                .containsExactly(
                        "1 expected commands missing from the outbox, e.g. " + lost,
                        "1 outbox commands the model does not expect (or doubled), e.g. "
                                + commands.get(0));
    }

    @Test
    void reportsMissingDoubledSurplusAndWronglyReasonedErrors() {
        Map<String, List<String>> dlq = dlq();
        List<String> ids = new ArrayList<>(dlq.keySet());
        dlq.remove(ids.get(0));
        dlq.put(ids.get(1), List.of(dlq.get(ids.get(1)).get(0), dlq.get(ids.get(1)).get(0)));
        dlq.put(ids.get(2), List.of("MALFORMED_INPUT"));
        dlq.put("e-999999", List.of("LATE"));

        Verdict verdict = Verdict.of(expected, expected.commandLines(), dlq);

        assertThat(verdict.differences())
                .hasSize(4)
                .anySatisfy(d -> assertThat(d).startsWith("1 rejected events without their DLQ"))
                .anySatisfy(d -> assertThat(d).contains(ids.get(2) + ": MALFORMED_INPUT, expected"))
                .anySatisfy(d -> assertThat(d).startsWith("1 events with more than one DLQ record"))
                .anySatisfy(d -> assertThat(d).contains("e-999999 [LATE]"));
    }
}
