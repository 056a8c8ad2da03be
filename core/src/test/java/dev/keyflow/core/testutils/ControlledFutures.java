package dev.keyflow.core.testutils;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Futures that a test completes by hand, so that the test chooses the order in which async work
 * finishes and never waits for time to pass.
 *
 * <pre>{@code
 * ControlledFutures<String> calls = new ControlledFutures<>();
 * // in the async function: return calls.start("a:1");
 * calls.complete("a:1", "result");
 * }</pre>
 *
 * Each id may be started several times (retries); {@link #complete} and {@link #fail} act on the
 * latest start of that id. Thread-safe.
 */
public final class ControlledFutures<R> {

    private final Map<String, CompletableFuture<R>> latest = new ConcurrentHashMap<>();
    private final List<String> started = new ArrayList<>();

    /** Records a start of {@code id} and returns its (new) future. */
    public CompletableFuture<R> start(String id) {
        CompletableFuture<R> future = new CompletableFuture<>();
        latest.put(id, future);
        synchronized (started) {
            started.add(id);
        }
        return future;
    }

    /** Every start so far, in order (an id appears once per attempt). */
    public List<String> started() {
        synchronized (started) {
            return List.copyOf(started);
        }
    }

    public boolean isStarted(String id) {
        return latest.containsKey(id);
    }

    /** Completes the latest start of {@code id}. */
    public void complete(String id, R value) {
        future(id).complete(value);
    }

    /** Fails the latest start of {@code id}. */
    public void fail(String id, Throwable error) {
        future(id).completeExceptionally(error);
    }

    /** The latest future of {@code id}. */
    public CompletableFuture<R> future(String id) {
        CompletableFuture<R> future = latest.get(id);
        if (future == null) {
            throw new IllegalStateException(id + " was never started; started: " + started());
        }
        return future;
    }
}
