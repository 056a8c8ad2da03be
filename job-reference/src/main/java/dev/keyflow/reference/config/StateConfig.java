package dev.keyflow.reference.config;

import static dev.keyflow.reference.config.ConfigCheck.atLeast;
import static dev.keyflow.reference.config.ConfigCheck.fail;
import static dev.keyflow.reference.config.ConfigCheck.notNull;
import static dev.keyflow.reference.config.ConfigCheck.optionalText;
import static dev.keyflow.reference.config.ConfigCheck.orDefault;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.keyflow.state.StateBackendSettings;
import dev.keyflow.state.StateBackendSettings.Backend;
import java.io.Serializable;
import javax.annotation.Nullable;

/**
 * The {@code state} section: the state backend, checkpoint storage and the event log's snapshots
 * and retention.
 *
 * @param backend rocksdb or hashmap; default rocksdb
 * @param incremental incremental checkpoints; default true for rocksdb, the only backend that has
 *     them (setting it to true with hashmap is an error)
 * @param snapshotEvery the event log writes a snapshot every this many mutations, at least 1;
 *     default 100
 * @param retentionKeepLast the event log keeps the last this many mutations, at least 0; default
 *     1000
 * @param checkpointDirectory where checkpoints are written (a durable file system URI); null keeps
 *     them in the JobManager's memory, for local runs only
 * @param savepointDirectory the default target of savepoints; null for none
 * @param localRecovery keep a local copy of state for faster recovery; default false
 * @param changelog the changelog state backend: state changes are written continuously to {@code
 *     changelogDirectory}, so checkpoints are smaller and faster; default false
 * @param changelogDirectory where the changelog writes (a durable file system URI); required when
 *     {@code changelog} is true
 */
public record StateConfig(
        Backend backend,
        boolean incremental,
        int snapshotEvery,
        int retentionKeepLast,
        @Nullable String checkpointDirectory,
        @Nullable String savepointDirectory,
        boolean localRecovery,
        boolean changelog,
        @Nullable String changelogDirectory)
        implements Serializable {

    public StateConfig {
        notNull(backend, "state.backend");
        if (incremental && backend != Backend.ROCKSDB) {
            throw fail(
                    "state.incremental",
                    "true needs state.backend: rocksdb; "
                            + backend.name().toLowerCase(java.util.Locale.ROOT)
                            + " writes full checkpoints (set state.incremental: false)");
        }
        atLeast(snapshotEvery, 1, "state.snapshot-every");
        atLeast(retentionKeepLast, 0, "state.retention-keep-last");
        optionalText(checkpointDirectory, "state.checkpoint-directory");
        optionalText(savepointDirectory, "state.savepoint-directory");
        optionalText(changelogDirectory, "state.changelog-directory");
        if (changelog && changelogDirectory == null) {
            throw fail(
                    "state.changelog-directory",
                    "required when state.changelog is true (a durable file system URI, e.g."
                            + " s3://bucket/changelog or file:///data/changelog)");
        }
    }

    @JsonCreator
    static StateConfig fromYaml(
            @JsonProperty("backend") @Nullable Backend backend,
            @JsonProperty("incremental") @Nullable Boolean incremental,
            @JsonProperty("snapshot-every") @Nullable Integer snapshotEvery,
            @JsonProperty("retention-keep-last") @Nullable Integer retentionKeepLast,
            @JsonProperty("checkpoint-directory") @Nullable String checkpointDirectory,
            @JsonProperty("savepoint-directory") @Nullable String savepointDirectory,
            @JsonProperty("local-recovery") @Nullable Boolean localRecovery,
            @JsonProperty("changelog") @Nullable Boolean changelog,
            @JsonProperty("changelog-directory") @Nullable String changelogDirectory) {
        Backend b = orDefault(backend, Backend.ROCKSDB);
        return new StateConfig(
                b,
                orDefault(incremental, b == Backend.ROCKSDB),
                orDefault(snapshotEvery, 100),
                orDefault(retentionKeepLast, 1000),
                checkpointDirectory,
                savepointDirectory,
                orDefault(localRecovery, false),
                orDefault(changelog, false),
                changelogDirectory);
    }

    /** The defaults: RocksDB, incremental, no directories. */
    public static StateConfig defaults() {
        return fromYaml(null, null, null, null, null, null, null, null, null);
    }

    /** These settings as the state module's {@link StateBackendSettings}. */
    public StateBackendSettings stateBackendSettings() {
        StateBackendSettings.Builder b =
                StateBackendSettings.builder()
                        .backend(backend)
                        .incrementalCheckpoints(incremental)
                        .localRecovery(localRecovery);
        if (checkpointDirectory != null) {
            b.checkpointDirectory(checkpointDirectory);
        }
        if (savepointDirectory != null) {
            b.savepointDirectory(savepointDirectory);
        }
        if (changelog) {
            b.changelog(true).changelogDirectory(changelogDirectory);
        }
        return b.build();
    }
}
