package dev.keyflow.core.internal.async;

import dev.keyflow.core.ErrorDetails;
import dev.keyflow.core.async.ExceptionPolicy;
import dev.keyflow.core.async.RetryPolicy;
import java.io.Serializable;
import java.time.Duration;
import javax.annotation.Nullable;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.functions.KeySelector;

/**
 * The immutable settings of one keyed async operator.
 *
 * @param capacity keys with an element started (in flight or waiting for a retry) per parallel
 *     instance: at most one element per key runs, so this bounds the calls in flight
 * @param timeout per attempt; zero means none
 * @param idempotencyKey derives an element's idempotency key; null means the default (origin of an
 *     envelope, else key + per-key sequence), prefixed with the uid
 * @param uid the operator uid, which namespaces the default idempotency keys
 * @param maxBacklogPerKey elements of one key that may wait in keyed state behind its running one;
 *     more go to the errors ({@code BACKLOG_FULL}) until the key has caught up
 * @param maxBacklog elements that may wait in keyed state over all keys of a parallel instance;
 *     beyond it the input waits (backpressure)
 * @param errorDetails describes an element in its {@code BACKLOG_FULL} error record
 */
public record AsyncSettings<IN>(
        String uid,
        int capacity,
        Duration timeout,
        RetryPolicy retryPolicy,
        ExceptionPolicy exceptionPolicy,
        @Nullable KeySelector<IN, String> idempotencyKey,
        TypeInformation<IN> inputType,
        int maxBacklogPerKey,
        int maxBacklog,
        ErrorDetails<IN> errorDetails)
        implements Serializable {}
