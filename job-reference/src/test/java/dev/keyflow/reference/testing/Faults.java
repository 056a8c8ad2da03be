package dev.keyflow.reference.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;

/**
 * Failures injected into a job running on a MiniCluster in this JVM. Each fault fires once per test
 * run (the flags are static, so a restarted task does not fire it again) and is counted, so a test
 * can assert that every planned failure really happened.
 */
public final class Faults {

    /** Where in its life an identity map fails. */
    public enum Kind {
        /** Throws from {@code map} at the n-th record of subtask 0 (after the first checkpoint). */
        EXCEPTION_ON_RECORD,
        /** Throws from {@code snapshotState} of the n-th checkpoint: the checkpoint fails. */
        EXCEPTION_DURING_CHECKPOINT,
        /** Throws from {@code notifyCheckpointComplete}: after the checkpoint, before commit. */
        EXCEPTION_AFTER_CHECKPOINT,
        /** Throws at the n-th record of subtask 0 while no checkpoint has completed yet. */
        EXCEPTION_BEFORE_FIRST_CHECKPOINT
    }

    private static final Map<String, AtomicBoolean> FIRED = new ConcurrentHashMap<>();
    private static final AtomicLong COMPLETED_CHECKPOINTS = new AtomicLong();
    private static final List<String> LOG = new ArrayList<>();

    private Faults() {}

    /** Forgets every fault fired so far; call before each test run. */
    public static synchronized void reset() {
        FIRED.clear();
        COMPLETED_CHECKPOINTS.set(0);
        LOG.clear();
    }

    /** The faults that fired, in order, as {@code name:kind}. */
    public static synchronized List<String> fired() {
        return List.copyOf(LOG);
    }

    private static synchronized boolean fire(String name, Kind kind) {
        AtomicBoolean flag = FIRED.computeIfAbsent(name, n -> new AtomicBoolean());
        if (flag.compareAndSet(false, true)) {
            LOG.add(name + ":" + kind);
            return true;
        }
        return false;
    }

    /** An identity map that fails once, as {@code kind} says, at {@code n}. */
    public static <T> FailingMap<T> map(String name, Kind kind, long n) {
        return new FailingMap<>(name, kind, n);
    }

    /** The identity map carrying one fault. */
    public static final class FailingMap<T> extends RichMapFunction<T, T>
            implements CheckpointedFunction, CheckpointListener {
        private static final long serialVersionUID = 1L;

        private final String name;
        private final Kind kind;
        private final long n;
        private transient long records;
        private transient long snapshots;
        private transient int subtask;

        FailingMap(String name, Kind kind, long n) {
            this.name = name;
            this.kind = kind;
            this.n = n;
        }

        @Override
        public void open(OpenContext openContext) {
            subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        }

        @Override
        public T map(T value) {
            records++;
            if (subtask == 0 && records >= n) {
                boolean due =
                        (kind == Kind.EXCEPTION_ON_RECORD && COMPLETED_CHECKPOINTS.get() > 0)
                                || (kind == Kind.EXCEPTION_BEFORE_FIRST_CHECKPOINT
                                        && COMPLETED_CHECKPOINTS.get() == 0);
                if (due && fire(name, kind)) {
                    throw new InjectedFailure(name + ": " + kind + " at record " + records);
                }
            }
            return value;
        }

        @Override
        public void snapshotState(FunctionSnapshotContext context) {
            snapshots++;
            if (kind == Kind.EXCEPTION_DURING_CHECKPOINT
                    && subtask == 0
                    && snapshots >= n
                    && fire(name, kind)) {
                throw new InjectedFailure(
                        name + ": " + kind + " in checkpoint " + context.getCheckpointId());
            }
        }

        @Override
        public void initializeState(FunctionInitializationContext context) {}

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            COMPLETED_CHECKPOINTS.incrementAndGet();
            if (kind == Kind.EXCEPTION_AFTER_CHECKPOINT
                    && subtask == 0
                    && COMPLETED_CHECKPOINTS.get() >= n
                    && fire(name, kind)) {
                throw new InjectedFailure(name + ": " + kind + " after checkpoint " + checkpointId);
            }
        }
    }

    /** The exception of an injected failure (so logs tell it from a real one). */
    public static final class InjectedFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        InjectedFailure(String message) {
            super(message);
        }
    }
}
