package dev.keyflow.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateChangelogOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.StateBackendLoader;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;

/** What {@link StateBackendSettings} writes into a Flink configuration, and its checks. */
class StateBackendSettingsTest {

    @Test
    void defaultsAreRocksDbWithIncrementalCheckpoints() throws Exception {
        Configuration conf = StateBackendSettings.defaults().toConfiguration();

        assertThat(conf.get(StateBackendOptions.STATE_BACKEND)).isEqualTo("rocksdb");
        assertThat(conf.get(CheckpointingOptions.INCREMENTAL_CHECKPOINTS)).isTrue();
        assertThat(conf.get(StateChangelogOptions.ENABLE_STATE_CHANGE_LOG)).isFalse();
        assertThat(conf.contains(CheckpointingOptions.CHECKPOINTS_DIRECTORY)).isFalse();
        assertThat(StateBackendSettings.defaults().ttlConfig()).isEmpty();

        StateBackend loaded = load(conf);
        assertThat(loaded).isInstanceOf(EmbeddedRocksDBStateBackend.class);
        assertThat(((EmbeddedRocksDBStateBackend) loaded).isIncrementalCheckpointsEnabled())
                .isTrue();
    }

    @Test
    void writesDirectoriesChangelogAndLocalRecovery() {
        Configuration conf =
                StateBackendSettings.builder()
                        .checkpointDirectory("file:///tmp/cp")
                        .savepointDirectory("file:///tmp/sp")
                        .changelog(true)
                        .changelogDirectory("file:///tmp/changelog")
                        .localRecovery(true)
                        .build()
                        .applyTo(new Configuration());

        assertThat(conf.get(CheckpointingOptions.CHECKPOINT_STORAGE)).isEqualTo("filesystem");
        assertThat(conf.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY))
                .isEqualTo("file:///tmp/cp");
        assertThat(conf.get(CheckpointingOptions.SAVEPOINT_DIRECTORY)).isEqualTo("file:///tmp/sp");
        assertThat(conf.get(StateChangelogOptions.ENABLE_STATE_CHANGE_LOG)).isTrue();
        assertThat(conf.get(StateChangelogOptions.STATE_CHANGE_LOG_STORAGE))
                .isEqualTo("filesystem");
        assertThat(conf.get(StateBackendSettings.CHANGELOG_BASE_PATH))
                .isEqualTo("file:///tmp/changelog");
        assertThat(conf.get(StateRecoveryOptions.LOCAL_RECOVERY)).isTrue();
    }

    @Test
    void theHeapBackendWritesFullCheckpoints() throws Exception {
        StateBackendSettings settings =
                StateBackendSettings.builder()
                        .backend(StateBackendSettings.Backend.HASHMAP)
                        .build();
        Configuration conf = settings.toConfiguration();

        assertThat(settings.incrementalCheckpoints()).isFalse();
        assertThat(load(conf)).isInstanceOf(HashMapStateBackend.class);
    }

    @Test
    void ttlBecomesAStateTtlConfigThatCleansUpInTheBackend() {
        StateTtlConfig ttl =
                StateBackendSettings.builder()
                        .stateTtl(Duration.ofDays(30))
                        .build()
                        .ttlConfig()
                        .orElseThrow();

        assertThat(ttl.getTimeToLive()).isEqualTo(Duration.ofDays(30));
        assertThat(ttl.getUpdateType()).isEqualTo(StateTtlConfig.UpdateType.OnCreateAndWrite);
        assertThat(ttl.getStateVisibility())
                .isEqualTo(StateTtlConfig.StateVisibility.NeverReturnExpired);
        assertThat(ttl.getCleanupStrategies().inRocksdbCompactFilter()).isTrue();
    }

    @Test
    void settersAndBuildCheckTheirArguments() {
        assertThatThrownBy(() -> StateBackendSettings.builder().checkpointDirectory(" "))
                .hasMessageContaining("checkpointDirectory");
        assertThatThrownBy(() -> StateBackendSettings.builder().stateTtl(Duration.ZERO))
                .hasMessageContaining("stateTtl");
        assertThatThrownBy(() -> StateBackendSettings.builder().changelog(true).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("changelogDirectory");
        assertThatThrownBy(
                        () ->
                                StateBackendSettings.builder()
                                        .backend(StateBackendSettings.Backend.HASHMAP)
                                        .incrementalCheckpoints(true)
                                        .build())
                .hasMessageContaining("ROCKSDB");
    }

    @Test
    void isSerializable() throws Exception {
        StateBackendSettings settings =
                StateBackendSettings.builder().checkpointDirectory("file:///tmp/cp").build();
        assertThat(InstantiationUtil.clone(settings).toString()).isEqualTo(settings.toString());
    }

    private static StateBackend load(Configuration conf) throws Exception {
        return StateBackendLoader.loadStateBackendFromConfig(
                conf, StateBackendSettingsTest.class.getClassLoader(), null);
    }
}
