package dev.keyflow.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.apache.flink.api.common.eventtime.TimestampAssigner;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.util.clock.SystemClock;
import org.junit.jupiter.api.Test;

class KeyflowWatermarksTest {

    @Test
    void extractorTimeIsUsedAndMissingTimeFallsBackToTheRecordTimestamp() {
        WatermarkStrategy<Long> strategy =
                KeyflowWatermarks.<Long>builder()
                        .eventTime(v -> v >= 0 ? OptionalLong.of(v) : OptionalLong.empty())
                        .build();
        TimestampAssigner<Long> assigner =
                strategy.createTimestampAssigner(UnregisteredMetricsGroup::new);

        assertThat(assigner.extractTimestamp(42L, 1000L)).isEqualTo(42L);
        assertThat(assigner.extractTimestamp(-1L, 1000L)).isEqualTo(1000L);
    }

    @Test
    void watermarkTrailsTheNewestEventByTheOutOfOrderness() {
        WatermarkStrategy<Long> strategy =
                KeyflowWatermarks.<Long>builder().maxOutOfOrderness(Duration.ofSeconds(5)).build();
        WatermarkGenerator<Long> generator =
                strategy.createWatermarkGenerator(
                        new org.apache.flink.api.common.eventtime.WatermarkGeneratorSupplier
                                .Context() {
                            @Override
                            public org.apache.flink.metrics.MetricGroup getMetricGroup() {
                                return new UnregisteredMetricsGroup();
                            }

                            @Override
                            public org.apache.flink.util.clock.RelativeClock
                                    getInputActivityClock() {
                                return SystemClock.getInstance();
                            }
                        });
        List<Long> emitted = new ArrayList<>();
        WatermarkOutput output =
                new WatermarkOutput() {
                    @Override
                    public void emitWatermark(Watermark watermark) {
                        emitted.add(watermark.getTimestamp());
                    }

                    @Override
                    public void markIdle() {}

                    @Override
                    public void markActive() {}
                };

        generator.onEvent(20_000L, 20_000L, output);
        generator.onEvent(12_000L, 12_000L, output);
        generator.onPeriodicEmit(output);

        assertThat(emitted).containsExactly(20_000L - 5_000L - 1);
    }

    @Test
    void durationsAreChecked() {
        assertThatThrownBy(
                        () -> KeyflowWatermarks.builder().maxOutOfOrderness(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxOutOfOrderness");
        assertThatThrownBy(() -> KeyflowWatermarks.builder().idleness(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("idleness");
        assertThat(KeyflowWatermarks.builder().idleness(Duration.ZERO).build()).isNotNull();
    }
}
