package dev.keyflow.core.internal;

import javax.annotation.Nullable;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * The pause gate's per-key status next to the key's held events. A key that is active and holds
 * nothing has no state at all.
 *
 * @param paused whether the key is paused
 * @param since when the key was paused (processing time); meaningless when active
 * @param reason the reason of the pause command, if any
 * @param issuedBy who issued the pause command, if known
 * @param resumeAt when the key resumes by itself (a registered processing-time timer), or {@link
 *     #NONE}
 * @param held how many events the key holds
 * @param run the run of the operator that last touched the key, for the gauges
 */
public record GateKeyState(
        boolean paused,
        long since,
        @Nullable String reason,
        @Nullable String issuedBy,
        long resumeAt,
        int held,
        long run) {

    public static final long NONE = Long.MIN_VALUE;

    public static final TypeInformation<GateKeyState> TYPE = TypeInformation.of(GateKeyState.class);

    static GateKeyState active(long run) {
        return new GateKeyState(false, NONE, null, null, NONE, 0, run);
    }

    GateKeyState withHeld(int newHeld) {
        return new GateKeyState(paused, since, reason, issuedBy, resumeAt, newHeld, run);
    }

    GateKeyState withRun(long newRun) {
        return new GateKeyState(paused, since, reason, issuedBy, resumeAt, held, newRun);
    }

    boolean isEmpty() {
        return !paused && held == 0;
    }
}
