package dev.keyflow.core.async;

/** What the keyed async operator does when user code throws an unexpected exception. */
public enum ExceptionPolicy {
    /**
     * The element fails (after retries, if the policy retries it) and becomes an error record with
     * reason {@code PROCESSING_FAILED}; the key moves on and the job keeps running. The default.
     */
    EMIT_ERROR,
    /** The exception fails the task, and Flink restarts the job from its last checkpoint. */
    FAIL_JOB
}
