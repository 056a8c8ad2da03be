package dev.keyflow.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyflow.core.PauseCommand;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.junit.jupiter.api.Test;

/** The command stream's watermark is the end of time, so it never holds the gate back. */
class CommandWatermarksTest {

    @Test
    void emitsTheEndOfTimeOnEveryCommandAndEveryPeriodicEmission() {
        WatermarkGenerator<PauseCommand> generator =
                new CommandWatermarks().createWatermarkGenerator(null);
        Recording output = new Recording();

        generator.onPeriodicEmit(output);
        generator.onEvent(PauseCommand.pause("a", 1), 1, output);

        assertThat(output.watermarks)
                .extracting(Watermark::getTimestamp)
                .containsExactly(Long.MAX_VALUE, Long.MAX_VALUE);
    }

    private static final class Recording implements WatermarkOutput {
        final List<Watermark> watermarks = new ArrayList<>();

        @Override
        public void emitWatermark(Watermark watermark) {
            watermarks.add(watermark);
        }

        @Override
        public void markIdle() {
            throw new AssertionError("the command input must not go idle");
        }

        @Override
        public void markActive() {}
    }
}
