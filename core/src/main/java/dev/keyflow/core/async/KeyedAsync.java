package dev.keyflow.core.async;

import dev.keyflow.core.Checks;
import dev.keyflow.core.Envelope;
import dev.keyflow.core.ErrorDetails;
import dev.keyflow.core.ErrorRecord;
import dev.keyflow.core.internal.async.AsyncSettings;
import dev.keyflow.core.internal.async.KeyedAsyncOperatorFactory;
import dev.keyflow.core.internal.async.KeyedBroadcastAsyncOperatorFactory;
import java.time.Duration;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperatorFactory;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperatorFactory;

/**
 * Runs a {@link KeyedAsyncFunction} on a keyed stream: async work per element, strictly one element
 * at a time per key and in input order, many keys at once, with keyed state.
 *
 * <pre>{@code
 * SingleOutputStreamOperator<Command> commands = KeyedAsync.builder(new Enrich())
 *         .outputType(TypeInformation.of(Command.class))
 *         .capacity(2_000)                 // calls in flight per subtask
 *         .maxBacklogPerKey(10_000)        // waiting elements of one key, in keyed state
 *         .uid("enrich-customers")
 *         .timeout(Duration.ofSeconds(5))
 *         .retry(RetryPolicy.exponentialBackoff(4, Duration.ofMillis(200), Duration.ofSeconds(5)))
 *         .build()
 *         .applyTo(envelopes.keyBy(Envelope::key));
 * DataStream<ErrorRecord> errors = commands.getSideOutput(KeyflowOutputs.ERRORS);
 * }</pre>
 *
 * <p>Why not {@code AsyncDataStream}: an {@code AsyncFunction} cannot use keyed state, and {@code
 * orderedWait} makes every key wait behind the slowest element. This operator keeps at most one
 * element per key in flight; the others of that key wait behind it in keyed state (the key's
 * backlog), so a key that stays slow costs state, not capacity, and never stalls the other keys.
 *
 * <p>Guarantees:
 *
 * <ul>
 *   <li><b>Order:</b> per key, elements are processed one after another in input order, and each
 *       sees the keyed state the previous one left; outputs of a key are emitted in the key's input
 *       order, with the element's timestamp. Nothing is promised across keys.
 *   <li><b>Watermarks:</b> a watermark is forwarded only after every element that arrived before it
 *       has been applied, so no output is late because of this operator.
 *   <li><b>Checkpoints and rescaling:</b> elements in flight, waiting for a retry or in a key's
 *       backlog are stored per key in keyed state, so they follow their key group when the job is
 *       rescaled; after a restore their async work runs (again), with the same idempotency key, in
 *       the key's order, and is applied once. The async work must therefore be idempotent.
 *   <li><b>Capacity and backpressure:</b> at most {@link Builder#capacity(int) capacity} keys have
 *       an element started (in flight or waiting for a retry) per parallel instance, which bounds
 *       the calls in flight. An element of a key with nothing started waits for a free slot; an
 *       element of a busy key joins the key's backlog in keyed state and takes no slot. When the
 *       backlogs of all keys hold {@link Builder#maxBacklog(int) maxBacklog} elements, elements
 *       that would join a backlog wait. Waiting is without spinning: the task thread runs
 *       completions in the meantime, and the input backpressures.
 *   <li><b>A key that stays slow:</b> its backlog grows up to {@link Builder#maxBacklogPerKey(int)
 *       maxBacklogPerKey}. The next element of the key, and every later one until the key has
 *       nothing started and nothing waiting, goes to {@code KeyflowOutputs.ERRORS} as a transient
 *       {@link dev.keyflow.core.ErrorReason#BACKLOG_FULL} error (described by {@link
 *       Builder#errorDetails}; {@code onFailure} is not called, because these elements never reach
 *       their turn). So the key's accepted elements keep their order, the diverted ones are one
 *       unbroken run in input order (for the retry topic or the DLQ), and the key's accepted
 *       elements after the run arrived after all of it. Other keys are not affected.
 *   <li><b>Failures:</b> each attempt has a {@link Builder#timeout(Duration) timeout}; failures are
 *       retried per {@link RetryPolicy}; an element that finally fails goes to {@link
 *       KeyedAsyncFunction#onFailure} (by default an error record on {@code KeyflowOutputs.ERRORS})
 *       and its key moves on. Exceptions from user code are element failures unless {@link
 *       ExceptionPolicy#FAIL_JOB} is chosen.
 * </ul>
 *
 * <p>Metrics (group {@code keyflow.async}): {@code inFlight}, {@code keysPending} (keys with an
 * element started: the capacity in use), {@code backlog} (elements waiting in keyed state; also as
 * {@code queued}), {@code backlogKeys}, {@code backlogLargestKey}, {@code backlogOldestWaitMillis}
 * (to about a second), {@code latencyMillis} (arrival to applied), {@code timeouts}, {@code
 * retries}, {@code completed}; failures as {@code keyflow.errors} with stage {@code PROCESSING}.
 */
public final class KeyedAsync<K, IN, OUT> {

    public static final int DEFAULT_CAPACITY = 1000;
    public static final int DEFAULT_MAX_BACKLOG_PER_KEY = 10_000;

    /** The default {@code maxBacklog} is this many times {@code maxBacklogPerKey}. */
    public static final int DEFAULT_MAX_BACKLOG_KEYS = 10;

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private final KeyedAsyncFunction<K, IN, ?, ?, OUT> function;
    private final TypeInformation<OUT> outputType;
    private final int capacity;
    private final Duration timeout;
    private final RetryPolicy retryPolicy;
    private final ExceptionPolicy exceptionPolicy;
    @Nullable private final KeySelector<IN, String> idempotencyKey;
    private final String uid;
    private final String name;
    private final int maxBacklogPerKey;
    private final int maxBacklog;
    @Nullable private final ErrorDetails<IN> errorDetails;

    private KeyedAsync(Builder<K, IN, OUT> b) {
        this.function = b.function;
        this.outputType = b.outputType;
        this.capacity = b.capacity;
        this.timeout = b.timeout;
        this.retryPolicy = b.retryPolicy;
        this.exceptionPolicy = b.exceptionPolicy;
        this.idempotencyKey = b.idempotencyKey;
        this.uid = b.uid;
        this.name = b.name;
        this.maxBacklogPerKey = b.maxBacklogPerKey;
        this.maxBacklog =
                b.maxBacklog >= 0
                        ? b.maxBacklog
                        : (int)
                                Math.min(
                                        Integer.MAX_VALUE,
                                        (long) DEFAULT_MAX_BACKLOG_KEYS * b.maxBacklogPerKey);
        this.errorDetails = b.errorDetails;
    }

    /** Starts a builder for {@code function}. */
    public static <K, IN, OUT> Builder<K, IN, OUT> builder(
            KeyedAsyncFunction<K, IN, ?, ?, OUT> function) {
        return new Builder<>(function);
    }

    /** Adds the operator after {@code input}, with its uid and name. */
    public SingleOutputStreamOperator<OUT> applyTo(KeyedStream<IN, K> input) {
        Objects.requireNonNull(input, "input");
        return input.transform(name, outputType, operatorFactory(input.getType())).uid(uid);
    }

    /**
     * Adds the operator after {@code input}, connected to {@code broadcast}: every parallel
     * instance receives every broadcast element, which {@link
     * KeyedBroadcastAsyncFunction#processBroadcast} stores in broadcast state.
     *
     * @throws IllegalArgumentException if the function is not a {@link KeyedBroadcastAsyncFunction}
     */
    public <B> SingleOutputStreamOperator<OUT> applyTo(
            KeyedStream<IN, K> input, DataStream<B> broadcast) {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(broadcast, "broadcast");
        if (!(function instanceof KeyedBroadcastAsyncFunction)) {
            throw new IllegalArgumentException(
                    "a broadcast input needs a KeyedBroadcastAsyncFunction, not "
                            + function.getClass().getName());
        }
        return input.connect(broadcast.broadcast())
                .transform(name, outputType, broadcastOperatorFactory(input.getType()))
                .uid(uid);
    }

    /**
     * The operator factory with a broadcast second input, for an input of type {@code inputType};
     * for operator test harnesses (in jobs, use {@link #applyTo(KeyedStream, DataStream)}).
     *
     * @throws IllegalArgumentException if the function is not a {@link KeyedBroadcastAsyncFunction}
     */
    public <B> TwoInputStreamOperatorFactory<IN, B, OUT> broadcastOperatorFactory(
            TypeInformation<IN> inputType) {
        if (!(function instanceof KeyedBroadcastAsyncFunction)) {
            throw new IllegalArgumentException(
                    "a broadcast input needs a KeyedBroadcastAsyncFunction, not "
                            + function.getClass().getName());
        }
        @SuppressWarnings("unchecked")
        KeyedBroadcastAsyncFunction<K, IN, B, ?, ?, OUT> withBroadcast =
                (KeyedBroadcastAsyncFunction<K, IN, B, ?, ?, OUT>) function;
        return new KeyedBroadcastAsyncOperatorFactory<>(withBroadcast, settings(inputType));
    }

    /**
     * The operator factory for an input of type {@code inputType}; for operator test harnesses (in
     * jobs, use {@link #applyTo}).
     */
    public OneInputStreamOperatorFactory<IN, OUT> operatorFactory(TypeInformation<IN> inputType) {
        return new KeyedAsyncOperatorFactory<>(function, settings(inputType));
    }

    private AsyncSettings<IN> settings(TypeInformation<IN> inputType) {
        return new AsyncSettings<>(
                uid,
                capacity,
                timeout,
                retryPolicy,
                exceptionPolicy,
                idempotencyKey,
                Objects.requireNonNull(inputType, "inputType"),
                maxBacklogPerKey,
                maxBacklog,
                errorDetails == null ? KeyedAsync::describeIfEnvelope : errorDetails);
    }

    /** The default error details: key, payload, headers and origin of an {@link Envelope}. */
    private static ErrorRecord.Builder describeIfEnvelope(Object element, ErrorRecord.Builder e) {
        return element instanceof Envelope envelope ? e.fromEnvelope(envelope) : e;
    }

    /** Builds a {@link KeyedAsync}. */
    public static final class Builder<K, IN, OUT> {
        private final KeyedAsyncFunction<K, IN, ?, ?, OUT> function;
        @Nullable private TypeInformation<OUT> outputType;
        private int capacity = DEFAULT_CAPACITY;
        private Duration timeout = DEFAULT_TIMEOUT;
        private RetryPolicy retryPolicy = RetryPolicy.none();
        private ExceptionPolicy exceptionPolicy = ExceptionPolicy.EMIT_ERROR;
        @Nullable private KeySelector<IN, String> idempotencyKey;
        @Nullable private String uid;
        private String name = "keyed async";
        private int maxBacklogPerKey = DEFAULT_MAX_BACKLOG_PER_KEY;
        private int maxBacklog = -1; // unset: DEFAULT_MAX_BACKLOG_KEYS x maxBacklogPerKey
        @Nullable private ErrorDetails<IN> errorDetails;

        private Builder(KeyedAsyncFunction<K, IN, ?, ?, OUT> function) {
            this.function = Objects.requireNonNull(function, "function");
        }

        /** The type of the outputs; required. */
        public Builder<K, IN, OUT> outputType(TypeInformation<OUT> outputType) {
            this.outputType = Objects.requireNonNull(outputType, "outputType");
            return this;
        }

        /**
         * Keys with an element started (in flight or waiting for a retry) per parallel instance,
         * which bounds the calls in flight; default 1000. Elements waiting behind their key's
         * started one do not count (see {@link #maxBacklogPerKey}).
         */
        public Builder<K, IN, OUT> capacity(int capacity) {
            if (capacity < 1) {
                throw new IllegalArgumentException("capacity must be at least 1, was " + capacity);
            }
            this.capacity = capacity;
            return this;
        }

        /**
         * Elements of one key that may wait in keyed state behind the key's started one; default
         * {@value #DEFAULT_MAX_BACKLOG_PER_KEY}. When a key's backlog is full, its next element and
         * every later one until the key has caught up (nothing started, nothing waiting) go to the
         * errors as transient {@code BACKLOG_FULL}, in input order.
         */
        public Builder<K, IN, OUT> maxBacklogPerKey(int maxBacklogPerKey) {
            this.maxBacklogPerKey = Checks.requireAtLeastOne(maxBacklogPerKey, "maxBacklogPerKey");
            return this;
        }

        /**
         * Elements that may wait in keyed state over all keys of a parallel instance; beyond it,
         * elements that would wait hold the input back (backpressure), as when the whole service is
         * slower than the input. At least {@code maxBacklogPerKey}; default {@value
         * #DEFAULT_MAX_BACKLOG_KEYS} times {@code maxBacklogPerKey}, so that a few keys that stay
         * slow reach their own limit before they hold back the others.
         */
        public Builder<K, IN, OUT> maxBacklog(int maxBacklog) {
            this.maxBacklog = Checks.requireAtLeastOne(maxBacklog, "maxBacklog");
            return this;
        }

        /**
         * Describes an element in its {@code BACKLOG_FULL} error record (payload, headers, origin),
         * so that it can be replayed; default: the envelope's key, payload, headers and origin for
         * an {@link Envelope}, only the key for other types.
         */
        public Builder<K, IN, OUT> errorDetails(ErrorDetails<IN> errorDetails) {
            this.errorDetails = Objects.requireNonNull(errorDetails, "errorDetails");
            return this;
        }

        /** Timeout of one attempt; default 30 s; {@link Duration#ZERO} for none. */
        public Builder<K, IN, OUT> timeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("timeout must not be negative, was " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /** How failed attempts are retried; default {@link RetryPolicy#none()}. */
        public Builder<K, IN, OUT> retry(RetryPolicy retryPolicy) {
            this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
            return this;
        }

        /** What unexpected exceptions from user code do; default {@code EMIT_ERROR}. */
        public Builder<K, IN, OUT> onException(ExceptionPolicy exceptionPolicy) {
            this.exceptionPolicy = Objects.requireNonNull(exceptionPolicy, "exceptionPolicy");
            return this;
        }

        /**
         * Derives the idempotency key from the element (for example its source offset). By default
         * it is {@code <key>/<n>} where n counts the key's elements in keyed state, which is stable
         * across restores as long as each key's input order is.
         */
        public Builder<K, IN, OUT> idempotencyKey(KeySelector<IN, String> idempotencyKey) {
            this.idempotencyKey = Objects.requireNonNull(idempotencyKey, "idempotencyKey");
            return this;
        }

        /**
         * The operator uid; required, because a job often has several of these operators and each
         * needs its own uid, stable across versions of the job (savepoints). It also prefixes the
         * default idempotency keys.
         */
        public Builder<K, IN, OUT> uid(String uid) {
            this.uid = Checks.requireText(uid, "uid");
            return this;
        }

        /** The operator name shown in the web UI and metrics. */
        public Builder<K, IN, OUT> name(String name) {
            this.name = Checks.requireText(name, "name");
            return this;
        }

        public KeyedAsync<K, IN, OUT> build() {
            if (outputType == null) {
                throw new IllegalStateException("outputType must be set");
            }
            if (uid == null) {
                throw new IllegalStateException(
                        "uid must be set: each keyed async operator needs its own uid, stable"
                                + " across versions of the job");
            }
            if (maxBacklog >= 0 && maxBacklog < maxBacklogPerKey) {
                throw new IllegalStateException(
                        "maxBacklog ("
                                + maxBacklog
                                + ") must be at least maxBacklogPerKey ("
                                + maxBacklogPerKey
                                + "): otherwise one slow key holds back every key before its own"
                                + " limit sends its elements to the errors");
            }
            return new KeyedAsync<>(this);
        }
    }
}
