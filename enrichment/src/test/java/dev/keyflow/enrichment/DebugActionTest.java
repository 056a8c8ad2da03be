package dev.keyflow.enrichment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.apache.flink.streaming.api.operators.StreamMap;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class DebugActionTest {

    @Test
    void passesEveryElementOnAndRendersItsBodyAsJson() throws Exception {
        DebugAction.JsonLogger<String> logger =
                new DebugAction.JsonLogger<>(s -> Map.of("id", s), "debug");
        try (var harness = new OneInputStreamOperatorTestHarness<>(new StreamMap<>(logger))) {
            harness.open();
            harness.processElement("a1", 1L);
            harness.processElement("a2", 2L);

            assertThat(harness.extractOutputValues()).containsExactly("a1", "a2");
            assertThat(logger.render("a1")).isEqualTo("{\"id\":\"a1\"}");
        }
    }

    @Test
    void anElementThatCannotBeWrittenIsStillPassedOn() throws Exception {
        DebugAction.JsonLogger<String> logger =
                new DebugAction.JsonLogger<>(
                        s -> {
                            throw new IllegalStateException("no body for " + s);
                        },
                        "debug");
        try (var harness = new OneInputStreamOperatorTestHarness<>(new StreamMap<>(logger))) {
            harness.open();
            harness.processElement("a1", 1L);

            assertThat(harness.extractOutputValues()).containsExactly("a1");
            assertThat(logger.render("a1")).isNull();
        }
    }

    @Test
    void argumentsAreChecked() {
        assertThatThrownBy(() -> DebugAction.logAsJson(null, s -> s, "x"))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("stream");
    }
}
