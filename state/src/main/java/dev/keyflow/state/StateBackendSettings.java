package dev.keyflow.state;

import dev.keyflow.core.Checks;
import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import javax.annotation.Nullable;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateChangelogOptions;
import org.apache.flink.configuration.StateRecoveryOptions;

/**
 * The state backend and checkpoint storage a keyflow job runs with, as an immutable value that the
 * job's YAML configuration fills and that {@link #applyTo applies itself} to a Flink {@link
 * Configuration}.
 *
 * <pre>{@code
 * StateBackendSettings settings = StateBackendSettings.builder()     // RocksDB, incremental
 *         .checkpointDirectory("s3://bucket/keyflow/checkpoints")
 *         .savepointDirectory("s3://bucket/keyflow/savepoints")
 *         .stateTtl(Duration.ofDays(30))
 *         .build();
 * Configuration conf = settings.toConfiguration();
 * StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
 * }</pre>
 *
 * <p><b>Defaults.</b> RocksDB with incremental checkpoints (a checkpoint uploads only the SST files
 * written since the previous one, so the event log's checkpoints carry its new entries), no
 * changelog, no local recovery, no TTL. Without a checkpoint directory Flink keeps checkpoints in
 * the JobManager's memory: fine for tests, never for production.
 *
 * <p><b>Changelog.</b> The changelog backend ({@link Builder#changelog}) writes state changes
 * continuously to {@link Builder#changelogDirectory} so that checkpoints complete faster and more
 * often, at the cost of more writes; it needs Flink's {@code flink-statebackend-changelog} jar,
 * which the distribution ships.
 *
 * <p><b>TTL.</b> {@link #ttlConfig()} turns {@link Builder#stateTtl} into a {@link StateTtlConfig}
 * for operators whose state may expire when a key goes idle (caches, dedup windows). The {@link
 * EventLog} deliberately ignores it: TTL would expire log entries one by one and break the
 * sequence; the log is bounded by its own {@link Retention} instead.
 */
public final class StateBackendSettings implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Where state lives while the job runs. */
    public enum Backend {
        /** Embedded RocksDB: state on local disk, incremental checkpoints; for large state. */
        ROCKSDB("rocksdb"),
        /** Objects on the JVM heap: fastest, bounded by memory, full checkpoints. */
        HASHMAP("hashmap");

        private final String flinkName;

        Backend(String flinkName) {
            this.flinkName = flinkName;
        }
    }

    /** {@code state.changelog.dstl.dfs.base-path}, defined in the changelog module. */
    static final ConfigOption<String> CHANGELOG_BASE_PATH =
            ConfigOptions.key("state.changelog.dstl.dfs.base-path").stringType().noDefaultValue();

    private final Backend backend;
    private final boolean incrementalCheckpoints;
    private final boolean changelog;
    @Nullable private final String changelogDirectory;
    @Nullable private final String checkpointDirectory;
    @Nullable private final String savepointDirectory;
    private final boolean localRecovery;
    @Nullable private final Duration stateTtl;

    private StateBackendSettings(Builder b) {
        this.backend = b.backend;
        this.incrementalCheckpoints =
                b.incrementalCheckpoints == null
                        ? b.backend == Backend.ROCKSDB
                        : b.incrementalCheckpoints;
        this.changelog = b.changelog;
        this.changelogDirectory = b.changelogDirectory;
        this.checkpointDirectory = b.checkpointDirectory;
        this.savepointDirectory = b.savepointDirectory;
        this.localRecovery = b.localRecovery;
        this.stateTtl = b.stateTtl;
    }

    /** Starts from the defaults: RocksDB with incremental checkpoints. */
    public static Builder builder() {
        return new Builder();
    }

    /** The defaults, unchanged. */
    public static StateBackendSettings defaults() {
        return builder().build();
    }

    /** Writes these settings into {@code conf} (overwriting the keys they own) and returns it. */
    public Configuration applyTo(Configuration conf) {
        Objects.requireNonNull(conf, "conf");
        conf.set(StateBackendOptions.STATE_BACKEND, backend.flinkName);
        conf.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, incrementalCheckpoints);
        conf.set(StateChangelogOptions.ENABLE_STATE_CHANGE_LOG, changelog);
        if (changelog) {
            conf.set(StateChangelogOptions.STATE_CHANGE_LOG_STORAGE, "filesystem");
            conf.set(CHANGELOG_BASE_PATH, Objects.requireNonNull(changelogDirectory));
        }
        if (checkpointDirectory != null) {
            conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
            conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpointDirectory);
        }
        if (savepointDirectory != null) {
            conf.set(CheckpointingOptions.SAVEPOINT_DIRECTORY, savepointDirectory);
        }
        conf.set(StateRecoveryOptions.LOCAL_RECOVERY, localRecovery);
        return conf;
    }

    /** A new configuration holding only these settings. */
    public Configuration toConfiguration() {
        return applyTo(new Configuration());
    }

    /**
     * The TTL for state that may expire when a key is idle: written-at time, expired values never
     * returned, cleaned up by RocksDB compaction (or incrementally on the heap). Empty when no
     * {@link Builder#stateTtl} is set. Not used by {@link EventLog}.
     */
    public Optional<StateTtlConfig> ttlConfig() {
        if (stateTtl == null) {
            return Optional.empty();
        }
        StateTtlConfig.Builder ttl =
                StateTtlConfig.newBuilder(stateTtl)
                        .updateTtlOnCreateAndWrite()
                        .neverReturnExpired()
                        .cleanupFullSnapshot();
        if (backend == Backend.ROCKSDB) {
            ttl.cleanupInRocksdbCompactFilter(1_000);
        } else {
            ttl.cleanupIncrementally(10, false);
        }
        return Optional.of(ttl.build());
    }

    public Backend backend() {
        return backend;
    }

    public boolean incrementalCheckpoints() {
        return incrementalCheckpoints;
    }

    public boolean changelog() {
        return changelog;
    }

    public Optional<String> changelogDirectory() {
        return Optional.ofNullable(changelogDirectory);
    }

    public Optional<String> checkpointDirectory() {
        return Optional.ofNullable(checkpointDirectory);
    }

    public Optional<String> savepointDirectory() {
        return Optional.ofNullable(savepointDirectory);
    }

    public boolean localRecovery() {
        return localRecovery;
    }

    public Optional<Duration> stateTtl() {
        return Optional.ofNullable(stateTtl);
    }

    @Override
    public String toString() {
        return "StateBackendSettings[backend="
                + backend
                + ", incremental="
                + incrementalCheckpoints
                + ", changelog="
                + changelog
                + (changelog ? " at " + changelogDirectory : "")
                + ", checkpoints="
                + checkpointDirectory
                + ", savepoints="
                + savepointDirectory
                + ", localRecovery="
                + localRecovery
                + ", stateTtl="
                + stateTtl
                + "]";
    }

    /** Builds {@link StateBackendSettings}; see there for what each setting means. */
    public static final class Builder {
        private Backend backend = Backend.ROCKSDB;
        @Nullable private Boolean incrementalCheckpoints;
        private boolean changelog;
        @Nullable private String changelogDirectory;
        @Nullable private String checkpointDirectory;
        @Nullable private String savepointDirectory;
        private boolean localRecovery;
        @Nullable private Duration stateTtl;

        private Builder() {}

        /** The state backend; default {@link Backend#ROCKSDB}. */
        public Builder backend(Backend backend) {
            this.backend = Objects.requireNonNull(backend, "backend");
            return this;
        }

        /**
         * Incremental checkpoints; default true for RocksDB, which is the only backend with them.
         */
        public Builder incrementalCheckpoints(boolean incrementalCheckpoints) {
            this.incrementalCheckpoints = incrementalCheckpoints;
            return this;
        }

        /** Enables the changelog backend; needs {@link #changelogDirectory}. Default off. */
        public Builder changelog(boolean changelog) {
            this.changelog = changelog;
            return this;
        }

        /** Where the changelog is written (a durable file system URI). */
        public Builder changelogDirectory(String changelogDirectory) {
            this.changelogDirectory = Checks.requireText(changelogDirectory, "changelogDirectory");
            return this;
        }

        /** Where checkpoints are written (a durable file system URI); default none (memory). */
        public Builder checkpointDirectory(String checkpointDirectory) {
            this.checkpointDirectory =
                    Checks.requireText(checkpointDirectory, "checkpointDirectory");
            return this;
        }

        /** The default target of savepoints. */
        public Builder savepointDirectory(String savepointDirectory) {
            this.savepointDirectory = Checks.requireText(savepointDirectory, "savepointDirectory");
            return this;
        }

        /** Keeps a local copy of state to restore from after a failure; default off. */
        public Builder localRecovery(boolean localRecovery) {
            this.localRecovery = localRecovery;
            return this;
        }

        /** How long idle state lives in operators that use {@link #ttlConfig()}; default none. */
        public Builder stateTtl(Duration stateTtl) {
            Objects.requireNonNull(stateTtl, "stateTtl");
            if (stateTtl.isNegative() || stateTtl.isZero()) {
                throw new IllegalArgumentException("stateTtl must be positive, was " + stateTtl);
            }
            this.stateTtl = stateTtl;
            return this;
        }

        public StateBackendSettings build() {
            if (changelog && changelogDirectory == null) {
                throw new IllegalStateException(
                        "changelog(true) needs changelogDirectory: the changelog is written there");
            }
            if (backend == Backend.HASHMAP && Boolean.TRUE.equals(incrementalCheckpoints)) {
                throw new IllegalStateException(
                        "incremental checkpoints need the ROCKSDB backend; HASHMAP writes full"
                                + " checkpoints (use changelog(true) to make them smaller)");
            }
            return new StateBackendSettings(this);
        }
    }
}
