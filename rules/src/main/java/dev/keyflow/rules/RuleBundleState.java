package dev.keyflow.rules;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * The rule bundle registry of one parallel instance, kept in Flink broadcast state so that a
 * restored instance activates the same version (rollbacks included) before it handles anything.
 *
 * <p>Use it from any function with a broadcast input of bundle documents: {@link #offer} on the
 * broadcast side, {@link #active} on the keyed side. Every instance sees the same documents in the
 * same order and applies the same {@link RuleBundleRegistry} rules, so all activate the same
 * versions.
 *
 * <pre>{@code
 * // in open():
 * bundles = new RuleBundleState(compiler);
 * // broadcast side:
 * RegistryUpdate update = bundles.offer(document, ctx.broadcastState(RuleBundleState.DESCRIPTOR));
 * // keyed side (operator thread):
 * Optional<CompiledBundle> active = bundles.active(ctx.broadcastState(RuleBundleState.DESCRIPTOR));
 * }</pre>
 *
 * <p>Not serializable and not thread-safe: create one per parallel instance in {@code open}.
 */
public final class RuleBundleState {

    /** The broadcast state: {@code v:<version>} to document, {@code active} to the version. */
    public static final MapStateDescriptor<String, byte[]> DESCRIPTOR =
            new MapStateDescriptor<>(
                    "keyflow-rule-bundles",
                    Types.STRING,
                    PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);

    private static final String ACTIVE = "active";
    private static final String VERSION_PREFIX = "v:";

    private final BundleCompiler compiler;
    private final RuleBundleRegistry registry;
    private boolean restored;

    public RuleBundleState(BundleCompiler compiler) {
        this.compiler = Objects.requireNonNull(compiler, "compiler");
        this.registry = new RuleBundleRegistry(compiler);
    }

    /** The name of the bundle this state serves. */
    public String bundleName() {
        return compiler.bundleName();
    }

    /**
     * The active version, after rebuilding the registry from {@code state} once after a restore.
     */
    public Optional<CompiledBundle> active(ReadOnlyBroadcastState<String, byte[]> state)
            throws Exception {
        restore(state);
        return registry.active();
    }

    /**
     * Offers a bundle document (a version or a rollback) to the registry and records an accepted
     * one in {@code state}; versions the registry no longer keeps are removed from it.
     */
    public RegistryUpdate offer(byte[] document, BroadcastState<String, byte[]> state)
            throws Exception {
        restore(state);
        RegistryUpdate update = registry.offer(document);
        if (update.status() != RegistryUpdate.Status.ACTIVATED) {
            return update;
        }
        CompiledBundle active = update.active().orElseThrow();
        if (!state.contains(VERSION_PREFIX + active.version())) {
            state.put(VERSION_PREFIX + active.version(), document);
        }
        state.put(ACTIVE, Long.toString(active.version()).getBytes(StandardCharsets.UTF_8));
        List<String> dropped = new ArrayList<>();
        for (Map.Entry<String, byte[]> entry : state.entries()) {
            String key = entry.getKey();
            if (key.startsWith(VERSION_PREFIX)
                    && !registry.keptVersions()
                            .contains(Long.parseLong(key.substring(VERSION_PREFIX.length())))) {
                dropped.add(key);
            }
        }
        for (String key : dropped) {
            state.remove(key);
        }
        return update;
    }

    private void restore(ReadOnlyBroadcastState<String, byte[]> state) throws Exception {
        if (restored) {
            return;
        }
        restored = true;
        byte[] activeVersion = state.get(ACTIVE);
        if (activeVersion == null) {
            return;
        }
        TreeMap<Long, byte[]> documents = new TreeMap<>();
        for (Map.Entry<String, byte[]> entry : state.immutableEntries()) {
            if (entry.getKey().startsWith(VERSION_PREFIX)) {
                documents.put(
                        Long.parseLong(entry.getKey().substring(VERSION_PREFIX.length())),
                        entry.getValue());
            }
        }
        for (byte[] document : documents.values()) {
            registry.offer(document); // accepted before; the same compiler accepts it again
        }
        long active = Long.parseLong(new String(activeVersion, StandardCharsets.UTF_8));
        if (registry.active().map(b -> b.version() != active).orElse(true)) {
            registry.offer(new Rollback(compiler.bundleName(), active));
        }
    }
}
