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
 * @param idempotencyKey derives an element's idempotency key; null means key + per-key sequence
 */
public record AsyncSettings<IN>(
        int capacity,
        Duration timeout,
        RetryPolicy retryPolicy,
        ExceptionPolicy exceptionPolicy,
        @Nullable KeySelector<IN, String> idempotencyKey,
        TypeInformation<IN> inputType)
        implements Serializable {}
