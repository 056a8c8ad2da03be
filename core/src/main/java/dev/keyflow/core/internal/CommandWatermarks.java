package dev.keyflow.core.internal;

import dev.keyflow.core.PauseCommand;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkGeneratorSupplier;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;

/**
 * The watermark of the pause gate's command stream: the end of time, at once.
 *
 * <p>A two-input operator forwards the smaller of its inputs' watermarks. Commands are rare and
 * often come from a source without watermarks, which would hold the events' watermark back forever;
 * with this strategy the command input never holds anything back, and the gate forwards the events'
 * watermark as it is. The watermark is emitted with the first command and on the first periodic
 * emission (which needs an auto-watermark interval above zero).
 */
public final class CommandWatermarks implements WatermarkStrategy<PauseCommand> {

    private static final long serialVersionUID = 1L;

    @Override
    public WatermarkGenerator<PauseCommand> createWatermarkGenerator(
            WatermarkGeneratorSupplier.Context context) {
        return new EndOfTime();
    }

    /** Emits {@link Long#MAX_VALUE} whenever asked. */
    static final class EndOfTime implements WatermarkGenerator<PauseCommand> {
        @Override
        public void onEvent(PauseCommand command, long timestamp, WatermarkOutput output) {
            output.emitWatermark(new Watermark(Long.MAX_VALUE));
        }

        @Override
        public void onPeriodicEmit(WatermarkOutput output) {
            output.emitWatermark(new Watermark(Long.MAX_VALUE));
        }
    }
}
