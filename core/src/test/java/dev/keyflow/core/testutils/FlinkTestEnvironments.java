package dev.keyflow.core.testutils;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;

/**
 * Flink environments for keyflow tests: the strict settings that keyflow's own jobs run with.
 *
 * <p>Generic types are disabled, so a record type that Flink would hand to Kryo fails the job at
 * graph construction instead of silently using a slow serializer that cannot evolve.
 */
public final class FlinkTestEnvironments {

    private FlinkTestEnvironments() {}

    /** A MiniCluster with one task manager and {@code slots} slots, for a static field. */
    public static MiniClusterExtension miniCluster(int slots) {
        return new MiniClusterExtension(
                new MiniClusterResourceConfiguration.Builder()
                        .setNumberTaskManagers(1)
                        .setNumberSlotsPerTaskManager(slots)
                        .build());
    }

    /**
     * A MiniCluster like {@link #miniCluster(int)} whose metrics also go to {@code reporter} (for
     * example {@code InMemoryReporter.createWithRetainedMetrics()}, to read them after the job).
     */
    public static MiniClusterExtension miniCluster(int slots, InMemoryReporter reporter) {
        return new MiniClusterExtension(
                new MiniClusterResourceConfiguration.Builder()
                        .setConfiguration(reporter.addToConfiguration(new Configuration()))
                        .setNumberTaskManagers(1)
                        .setNumberSlotsPerTaskManager(slots)
                        .build());
    }

    /** The configuration keyflow tests run with: no generic (Kryo) types. */
    public static Configuration strictConfiguration() {
        Configuration conf = new Configuration();
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        return conf;
    }

    /**
     * An environment with {@link #strictConfiguration()} and the given parallelism; it runs on the
     * MiniCluster of a registered {@link MiniClusterExtension}.
     */
    public static StreamExecutionEnvironment strictEnvironment(int parallelism) {
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(strictConfiguration());
        env.setParallelism(parallelism);
        return env;
    }
}
