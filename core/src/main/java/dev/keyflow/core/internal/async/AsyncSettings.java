package dev.keyflow.core.internal.async;

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
 * @param capacity in-flight plus queued elements per parallel instance
 * @param timeout per attempt; zero means none
 * @param idempotencyKey derives an element's idempotency key; null means the default (origin of an
 *     envelope, else key + per-key sequence), prefixed with the uid
 * @param uid the operator uid, which namespaces the default idempotency keys
 */
public record AsyncSettings<IN>(
        String uid,
        int capacity,
        Duration timeout,
        RetryPolicy retryPolicy,
        ExceptionPolicy exceptionPolicy,
        @Nullable KeySelector<IN, String> idempotencyKey,
        TypeInformation<IN> inputType)
        implements Serializable {}
