package dev.keyflow.core.internal.async;

import dev.keyflow.core.Envelope;
import dev.keyflow.core.ErrorOutput;
import dev.keyflow.core.ErrorReason;
import dev.keyflow.core.ErrorRecord;
import dev.keyflow.core.ErrorStage;
import dev.keyflow.core.KeyflowOutputs;
import dev.keyflow.core.Origin;
import dev.keyflow.core.async.ApplyContext;
import dev.keyflow.core.async.AsyncContext;
import dev.keyflow.core.async.AsyncFailure;
import dev.keyflow.core.async.ExceptionPolicy;
import dev.keyflow.core.async.KeyedAsyncFunction;
import dev.keyflow.core.internal.ElementErrors;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.annotation.Nullable;
import org.apache.flink.api.common.functions.util.FunctionUtils;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.tuple.Tuple3;
import org.apache.flink.api.java.tuple.Tuple4;
import org.apache.flink.api.java.typeutils.TupleTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.streaming.api.operators.AbstractUdfStreamOperator;
import org.apache.flink.streaming.api.operators.StreamOperatorParameters;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.util.FlinkRuntimeException;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine of the keyed async operator: per key one element at a time in input order, keys
 * concurrently, keyed state read before and written after the async work on the operator thread,
 * the elements waiting behind a key's running one (its backlog) kept in keyed state, watermarks
 * held until older elements are applied.
 *
 * <p>In memory: the started element of each busy key (at most {@code capacity}) and, per busy key,
 * the bounds of its backlog; the backlog itself is a FIFO in keyed state ({@code MapState} by a
 * per-key sequence number), so a key that stays slow costs state, not capacity, and its waiting
 * elements are in every checkpoint and follow their key group on rescale. All fields are touched on
 * the operator (mailbox) thread only; async completions and timers come back through the mailbox.
 * See {@code docs/keyed-async.md} for the design.
 */
public abstract class AbstractKeyedAsyncOperator<K, IN, OUT>
        extends AbstractUdfStreamOperator<OUT, KeyedAsyncFunction<K, IN, Object, Object, OUT>> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(AbstractKeyedAsyncOperator.class);

    /**
     * A key's started element at the checkpoint (a list for state written by versions that kept the
     * whole queue there, which restores as started element + backlog).
     */
    static final String PENDING_STATE = "keyflow-async-pending";

    static final String SEQUENCE_STATE = "keyflow-async-sequence";

    /** A key's waiting elements: sequence -> (element, timestamp, idempotency key, arrival). */
    static final String BACKLOG_STATE = "keyflow-async-backlog";

    /** A key's backlog bounds at the checkpoint: (head, tail, diverting). */
    static final String BACKLOG_BOUNDS_STATE = "keyflow-async-backlog-bounds";

    private static final long NO_TIMESTAMP = Long.MIN_VALUE;

    /** A backlog run spans at most this much arrival time, the precision of the age metric. */
    private static final long RUN_MILLIS = 1_000;

    private final AsyncSettings<IN> settings;
    private final transient MailboxExecutor mailbox;

    /** Keys with an element started (in flight or waiting for a retry); bounded by capacity. */
    private transient Map<K, KeyQueue<K, IN>> active;

    /**
     * Running attempts in start order, which is deadline order because the timeout is fixed; one
     * processing-time timer for the earliest deadline replaces a timer per element.
     */
    private transient LinkedHashSet<Entry<K, IN>> running;

    /** The earliest registered timeout check; Long.MAX_VALUE when none is registered. */
    private transient long timeoutCheckAt;

    /** Heads to start, so that a chain of synchronous failures does not recurse. */
    private transient ArrayDeque<Entry<K, IN>> toStart;

    private transient boolean starting;

    /** An IDLE status held back while elements are pending (see processStatus). */
    private transient boolean idleHeld;

    @Nullable private transient TypeSerializer<IN> copier;
    private transient ArrayDeque<Epoch> epochs;
    private transient Set<K> persistedKeys;
    private transient long lastToken;
    private transient ListState<Tuple3<IN, Long, String>> pendingState;
    private transient MapState<Long, Tuple4<IN, Long, String, Long>> backlogState;
    private transient ValueState<Tuple3<Long, Long, Boolean>> boundsState;
    private transient ValueState<Long> sequence;
    private transient Context context;
    private transient BacklogStats backlogStats;
    private transient ElementErrors<IN> backlogErrors;

    private transient ErrorOutput errors;
    private transient Counter timeouts;
    private transient Counter retries;
    private transient Counter completed;
    private transient Histogram latencyMillis;

    @SuppressWarnings({"unchecked", "rawtypes"})
    protected AbstractKeyedAsyncOperator(
            StreamOperatorParameters<OUT> parameters,
            KeyedAsyncFunction<K, IN, ?, ?, OUT> function,
            AsyncSettings<IN> settings) {
        super(parameters, (KeyedAsyncFunction) function);
        this.settings = settings;
        this.mailbox = parameters.getMailboxExecutor();
        // Flink's parameter-taking constructor does not hand the runtime context to the UDF.
        FunctionUtils.setFunctionRuntimeContext(userFunction, getRuntimeContext());
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        pendingState =
                context.getKeyedStateStore()
                        .getListState(
                                new ListStateDescriptor<>(
                                        PENDING_STATE,
                                        new TupleTypeInfo<>(
                                                settings.inputType(), Types.LONG, Types.STRING)));
        sequence =
                context.getKeyedStateStore()
                        .getState(new ValueStateDescriptor<>(SEQUENCE_STATE, Types.LONG));
        backlogState =
                context.getKeyedStateStore()
                        .getMapState(
                                new MapStateDescriptor<>(
                                        BACKLOG_STATE,
                                        Types.LONG,
                                        new TupleTypeInfo<>(
                                                settings.inputType(),
                                                Types.LONG,
                                                Types.STRING,
                                                Types.LONG)));
        boundsState =
                context.getKeyedStateStore()
                        .getState(
                                new ValueStateDescriptor<>(
                                        BACKLOG_BOUNDS_STATE,
                                        new TupleTypeInfo<>(
                                                Types.LONG, Types.LONG, Types.BOOLEAN)));
    }

    @Override
    public void open() throws Exception {
        super.open();
        active = new HashMap<>();
        backlogStats = new BacklogStats();
        running = new LinkedHashSet<>();
        toStart = new ArrayDeque<>();
        timeoutCheckAt = Long.MAX_VALUE;
        copier = settings.inputType().createSerializer(getExecutionConfig().getSerializerConfig());
        epochs = new ArrayDeque<>();
        persistedKeys = new HashSet<>();
        context = new Context();
        MetricGroup group = getMetricGroup().addGroup("keyflow").addGroup("async");
        group.gauge("inFlight", () -> running.size());
        group.gauge("keysPending", () -> active.size());
        group.gauge("backlog", () -> backlogStats.total());
        group.gauge("queued", () -> backlogStats.total()); // the name before "backlog"
        group.gauge("backlogKeys", () -> backlogStats.keys());
        group.gauge("backlogLargestKey", () -> backlogStats.largest());
        group.gauge(
                "backlogOldestWaitMillis",
                () ->
                        backlogStats.oldestWaitMillis(
                                getProcessingTimeService().getCurrentProcessingTime()));
        timeouts = group.counter("timeouts");
        retries = group.counter("retries");
        completed = group.counter("completed");
        latencyMillis = group.histogram("latencyMillis", new DescriptiveStatisticsHistogram(1024));
        errors = ErrorOutput.create(getMetricGroup());
        backlogErrors = new ElementErrors<>(ErrorStage.PROCESSING, settings.errorDetails(), errors);
        restorePending();
    }

    /**
     * Picks up what was pending at the checkpoint: each key's started element is started again, its
     * backlog stays in keyed state behind it. State of versions that kept the whole queue in the
     * pending list is turned into started element + backlog.
     */
    private void restorePending() throws Exception {
        List<K> pendingKeys = keysOf(PENDING_STATE);
        List<K> backlogKeys = keysOf(BACKLOG_BOUNDS_STATE);
        if (pendingKeys.isEmpty() && backlogKeys.isEmpty()) {
            return;
        }
        Epoch epoch = openEpoch();
        long now = getProcessingTimeService().getCurrentProcessingTime();
        for (K key : pendingKeys) {
            setCurrentKey(key);
            Iterable<Tuple3<IN, Long, String>> stored = pendingState.get();
            List<Tuple3<IN, Long, String>> entries = new ArrayList<>();
            if (stored != null) {
                stored.forEach(entries::add);
            }
            persistedKeys.add(key);
            if (entries.isEmpty()) {
                continue;
            }
            KeyQueue<K, IN> queue = restoredQueue(key);
            Tuple3<IN, Long, String> first = entries.get(0);
            queue.current =
                    new Entry<>(
                            key,
                            first.f0,
                            first.f1,
                            first.f1 != NO_TIMESTAMP,
                            first.f2,
                            epoch,
                            System.nanoTime());
            epoch.unfinished++;
            for (int i = entries.size() - 1; i >= 1; i--) { // older format: in front of the backlog
                Tuple3<IN, Long, String> waiting = entries.get(i);
                queue.head--;
                backlogState.put(queue.head, Tuple4.of(waiting.f0, waiting.f1, waiting.f2, now));
            }
        }
        for (K key : backlogKeys) {
            persistedKeys.add(key);
            if (!active.containsKey(key)) { // a backlog without a started element
                setCurrentKey(key);
                restoredQueue(key);
            }
        }
        List<KeyQueue<K, IN>> queues = new ArrayList<>(active.values());
        long backlog = 0;
        for (KeyQueue<K, IN> queue : queues) {
            int waiting = queue.backlog();
            if (waiting > 0) {
                setCurrentKey(queue.key);
                Tuple4<IN, Long, String, Long> oldest = backlogState.get(queue.head);
                KeyQueue.Run run = new KeyQueue.Run(epoch, oldest == null ? now : oldest.f3);
                run.count = waiting;
                queue.runs.add(run);
                epoch.unfinished += waiting;
                backlog += waiting;
                backlogStats.resized(0, waiting);
                backlogStats.oldestMoved(BacklogStats.NONE, run.firstArrival);
            }
        }
        LOG.info(
                "Restored {} started and {} waiting elements of {} keys",
                epoch.unfinished - backlog,
                backlog,
                queues.size());
        for (KeyQueue<K, IN> queue : queues) {
            if (queue.current == null) {
                if (queue.backlog() > 0) {
                    startNextOf(queue);
                } else {
                    active.remove(queue.key);
                }
            } else {
                startSoon(queue.current);
            }
        }
        releaseWatermarks();
    }

    private List<K> keysOf(String stateName) throws Exception {
        try (Stream<K> stream =
                this.<K>getKeyedStateBackend().getKeys(stateName, VoidNamespace.INSTANCE)) {
            return stream.collect(Collectors.toList());
        }
    }

    /** A key's queue with its backlog bounds as checkpointed; the key must be current. */
    private KeyQueue<K, IN> restoredQueue(K key) throws Exception {
        KeyQueue<K, IN> queue = new KeyQueue<>(key);
        Tuple3<Long, Long, Boolean> bounds = boundsState.value();
        if (bounds != null) {
            queue.head = bounds.f0;
            queue.tail = bounds.f1;
            queue.diverting = bounds.f2;
        }
        active.put(key, queue);
        return queue;
    }

    /**
     * Takes an element of the keyed input. A key with nothing started starts it, waiting (yielding
     * to the mailbox) while {@code capacity} keys are busy; a busy key appends it to its backlog in
     * keyed state, waiting while the backlogs of all keys hold {@code maxBacklog}; a busy key whose
     * backlog is full sends it to the errors ({@code BACKLOG_FULL}), and every later element of the
     * key too until the key has nothing left, so the key's accepted elements keep their order.
     */
    @SuppressWarnings("unchecked")
    /** Emits {@code error} outside any element (e.g. from a broadcast input), counted. */
    protected final void emitError(ErrorRecord error) {
        errors.emit(error, (tag, value) -> output.collect(tag, new StreamRecord<>(value)));
    }

    protected final void processInput(StreamRecord<IN> record) throws Exception {
        K key = (K) getCurrentKey();
        // With object reuse, upstream may overwrite the instance while it waits here.
        IN element =
                getExecutionConfig().isObjectReuseEnabled()
                        ? copier.copy(record.getValue())
                        : record.getValue();
        long timestamp = record.hasTimestamp() ? record.getTimestamp() : NO_TIMESTAMP;
        while (true) {
            KeyQueue<K, IN> queue = active.get(key);
            if (queue == null) {
                if (active.size() < settings.capacity()) {
                    setCurrentKey(key);
                    Epoch epoch = openEpoch();
                    epoch.unfinished++;
                    Entry<K, IN> entry =
                            new Entry<>(
                                    key,
                                    element,
                                    timestamp,
                                    record.hasTimestamp(),
                                    idempotencyKey(key, element),
                                    epoch,
                                    System.nanoTime());
                    queue = new KeyQueue<>(key);
                    queue.current = entry;
                    active.put(key, queue);
                    startSoon(entry);
                    return;
                }
            } else if (queue.diverting || queue.backlog() >= settings.maxBacklogPerKey()) {
                setCurrentKey(key);
                divert(queue, element, record);
                return;
            } else if (backlogStats.total() < settings.maxBacklog()) {
                setCurrentKey(key);
                append(queue, element, timestamp, idempotencyKey(key, element));
                return;
            }
            mailbox.yield();
        }
    }

    /** The epoch that new elements join; opens one if the newest is closed by a watermark. */
    private Epoch openEpoch() {
        Epoch epoch = epochs.peekLast();
        if (epoch == null || !epoch.isOpen()) {
            epoch = new Epoch();
            epochs.addLast(epoch);
        }
        return epoch;
    }

    /** Appends an element to its key's backlog in keyed state; the key must be current. */
    private void append(KeyQueue<K, IN> queue, IN element, long timestamp, String idempotencyKey)
            throws Exception {
        long now = getProcessingTimeService().getCurrentProcessingTime();
        backlogState.put(queue.tail, Tuple4.of(element, timestamp, idempotencyKey, now));
        queue.tail++;
        Epoch epoch = openEpoch();
        epoch.unfinished++;
        KeyQueue.Run run = queue.runs.peekLast();
        if (run == null || run.epoch != epoch || now - run.firstArrival >= RUN_MILLIS) {
            run = new KeyQueue.Run(epoch, now);
            queue.runs.addLast(run);
            if (queue.runs.size() == 1) {
                backlogStats.oldestMoved(BacklogStats.NONE, now);
            }
        }
        run.count++;
        int waiting = queue.backlog();
        backlogStats.resized(waiting - 1, waiting);
    }

    /** Sends an element whose key's backlog is full to the errors; the key must be current. */
    private void divert(KeyQueue<K, IN> queue, IN element, StreamRecord<IN> record) {
        String message =
                queue.diverting
                        ? "the key is still catching up after its backlog was full"
                                + " (maxBacklogPerKey "
                                + settings.maxBacklogPerKey()
                                + "); its elements go to the errors until it has caught up"
                        : "the key's backlog is full ("
                                + queue.backlog()
                                + " elements waiting, maxBacklogPerKey "
                                + settings.maxBacklogPerKey()
                                + "); its elements go to the errors until it has caught up";
        queue.diverting = true;
        ErrorRecord error =
                backlogErrors.create(
                        ErrorReason.BACKLOG_FULL,
                        message,
                        element,
                        queue.key,
                        getProcessingTimeService().getCurrentProcessingTime());
        errors.emit(
                error,
                (tag, e) ->
                        output.collect(
                                tag,
                                record.hasTimestamp()
                                        ? new StreamRecord<>(e, record.getTimestamp())
                                        : new StreamRecord<>(e)));
    }

    /** Takes the oldest element of a key's backlog out of keyed state and starts it. */
    private void startNextOf(KeyQueue<K, IN> queue) throws Exception {
        setCurrentKey(queue.key);
        long sequenceNumber = queue.head;
        Tuple4<IN, Long, String, Long> waiting = backlogState.get(sequenceNumber);
        if (waiting == null) {
            throw new IllegalStateException(
                    "keyed async: element "
                            + sequenceNumber
                            + " of the backlog of key "
                            + queue.key
                            + " is missing from keyed state");
        }
        backlogState.remove(sequenceNumber);
        queue.head++;
        KeyQueue.Run run = queue.runs.peekFirst();
        Epoch epoch = run == null ? openEpoch() : run.epoch;
        if (run != null && --run.count == 0) {
            queue.runs.pollFirst();
            KeyQueue.Run next = queue.runs.peekFirst();
            backlogStats.oldestMoved(
                    run.firstArrival, next == null ? BacklogStats.NONE : next.firstArrival);
        }
        int left = queue.backlog();
        backlogStats.resized(left + 1, left);
        long waitedMillis =
                Math.max(0, getProcessingTimeService().getCurrentProcessingTime() - waiting.f3);
        Entry<K, IN> entry =
                new Entry<>(
                        queue.key,
                        waiting.f0,
                        waiting.f1,
                        waiting.f1 != NO_TIMESTAMP,
                        waiting.f2,
                        epoch,
                        System.nanoTime() - waitedMillis * 1_000_000L);
        queue.current = entry;
        startSoon(entry);
    }

    /**
     * Starts {@code entry}, or queues it if a start is already running further up the stack: a
     * synchronous failure finishes an element and starts the next one of its key, and without this
     * a long queue of failing elements would recurse once per element.
     */
    private void startSoon(Entry<K, IN> entry) throws Exception {
        toStart.addLast(entry);
        if (starting) {
            return;
        }
        starting = true;
        try {
            Entry<K, IN> next;
            while ((next = toStart.pollFirst()) != null) {
                if (!next.done) {
                    start(next);
                }
            }
        } finally {
            starting = false;
        }
    }

    /**
     * The element's idempotency key: the user's function if given; for an envelope read from Kafka
     * its origin (topic, partition, offset), which is the same on every replay; otherwise the key
     * and the count of the key's elements so far, kept in keyed state, which is the same on replay
     * only if each key's input order is (one upstream channel per key). Default keys are prefixed
     * with the operator uid, so two operators never share one.
     */
    private String idempotencyKey(K key, IN element) throws Exception {
        if (settings.idempotencyKey() != null) {
            return settings.idempotencyKey().getKey(element);
        }
        if (element instanceof Envelope envelope && envelope.origin() != null) {
            Origin origin = envelope.origin();
            return settings.uid()
                    + ":"
                    + origin.topic()
                    + "-"
                    + origin.partition()
                    + "@"
                    + origin.offset();
        }
        Long last = sequence.value();
        long next = last == null ? 1L : last + 1;
        sequence.update(next);
        return settings.uid() + ":" + key + "/" + next;
    }

    /** Starts the next attempt of a key's head element (operator thread). */
    private void start(Entry<K, IN> entry) throws Exception {
        setCurrentKey(entry.key);
        entry.attempts++;
        long token = ++lastToken;
        entry.activeToken = token;
        running.add(entry);
        CompletionStage<Object> stage;
        try {
            context.current = entry;
            Object view = userFunction.readState(entry.element, context);
            stage =
                    userFunction.process(
                            entry.element,
                            view,
                            new AttemptContext(entry.idempotencyKey, entry.attempts));
            if (stage == null) {
                throw new NullPointerException("process(...) returned null instead of a future");
            }
        } catch (Exception e) {
            endAttempt(entry);
            failed(entry, e);
            return;
        }
        if (!settings.timeout().isZero()) {
            entry.deadline =
                    getProcessingTimeService().getCurrentProcessingTime()
                            + settings.timeout().toMillis();
            if (entry.deadline < timeoutCheckAt) {
                scheduleTimeoutCheck(entry.deadline);
            }
        }
        stage.whenComplete((result, error) -> deliver(entry, token, result, error));
    }

    /** Called on any thread when an attempt completes: hands the outcome to the mailbox. */
    private void deliver(Entry<K, IN> entry, long token, Object result, Throwable error) {
        try {
            mailbox.execute(
                    () -> completed(entry, token, result, error), "keyflow keyed async result");
        } catch (RejectedExecutionException e) {
            // The task is shutting down; the element is pending in the last checkpoint and
            // will be run again after the restore.
            LOG.debug("Dropping a late async result of a closed operator: {}", e.getMessage());
        }
    }

    private void completed(Entry<K, IN> entry, long token, Object result, Throwable error)
            throws Exception {
        if (entry.activeToken != token) {
            return; // this attempt timed out already, or a retry superseded it
        }
        endAttempt(entry);
        if (error != null) {
            failed(entry, error);
        } else {
            applyResult(entry, result);
        }
    }

    private void scheduleTimeoutCheck(long at) {
        timeoutCheckAt = at;
        getProcessingTimeService().registerTimer(at, this::checkTimeouts);
    }

    /** Times out every running attempt whose deadline has passed, oldest first. */
    private void checkTimeouts(long firedFor) throws Exception {
        if (firedFor >= timeoutCheckAt) {
            timeoutCheckAt = Long.MAX_VALUE;
        }
        long now = Math.max(firedFor, getProcessingTimeService().getCurrentProcessingTime());
        Iterator<Entry<K, IN>> oldestFirst = running.iterator();
        List<Entry<K, IN>> expired = new ArrayList<>();
        while (oldestFirst.hasNext()) {
            Entry<K, IN> entry = oldestFirst.next();
            if (entry.deadline > now) {
                break;
            }
            expired.add(entry);
        }
        for (Entry<K, IN> entry : expired) {
            if (entry.activeToken != 0) { // may have finished while an earlier one timed out
                timedOut(entry);
            }
        }
        if (!running.isEmpty()) {
            long earliest = running.iterator().next().deadline;
            if (earliest < timeoutCheckAt) {
                scheduleTimeoutCheck(earliest);
            }
        }
    }

    private void timedOut(Entry<K, IN> entry) throws Exception {
        endAttempt(entry);
        timeouts.inc();
        failed(
                entry,
                new TimeoutException("async work did not complete within " + settings.timeout()));
    }

    private void endAttempt(Entry<K, IN> entry) {
        entry.activeToken = 0;
        running.remove(entry);
    }

    /** An attempt failed: retry after the policy's delay, or finish with a failure. */
    private void failed(Entry<K, IN> entry, Throwable error) throws Exception {
        Throwable cause = AsyncFailure.unwrap(error);
        if (settings.retryPolicy().shouldRetry(entry.attempts, cause)) {
            retries.inc();
            long delay = settings.retryPolicy().delayAfter(entry.attempts, cause).toMillis();
            if (delay <= 0) {
                mailbox.execute(() -> retry(entry), "keyflow keyed async retry");
            } else {
                long at = getProcessingTimeService().getCurrentProcessingTime() + delay;
                entry.timer = getProcessingTimeService().registerTimer(at, now -> retry(entry));
            }
            return;
        }
        AsyncFailure failure = AsyncFailure.of(cause, entry.attempts);
        if (failure.reason() == ErrorReason.PROCESSING_FAILED
                && settings.exceptionPolicy() == ExceptionPolicy.FAIL_JOB) {
            throw new FlinkRuntimeException(
                    "The keyed async work of key " + entry.key + " failed", cause);
        }
        reportFailure(entry, failure);
    }

    /** Hands a final failure to the user's onFailure (protected like every user call). */
    private void reportFailure(Entry<K, IN> entry, AsyncFailure failure) throws Exception {
        setCurrentKey(entry.key);
        context.current = entry;
        try {
            userFunction.onFailure(entry.element, failure, context);
        } catch (DownstreamFailure e) {
            throw e.downstream();
        } catch (Exception e) {
            if (settings.exceptionPolicy() == ExceptionPolicy.FAIL_JOB) {
                throw e;
            }
            context.error(
                    ErrorRecord.builder(ErrorStage.PROCESSING, failure.reason())
                            .key(String.valueOf(entry.key))
                            .attempt(entry.attempts)
                            .message(failure.message() + "; onFailure threw " + e)
                            .build());
        }
        finish(entry);
    }

    private void retry(Entry<K, IN> entry) throws Exception {
        entry.timer = null;
        if (!entry.done) {
            startSoon(entry);
        }
    }

    private void applyResult(Entry<K, IN> entry, Object result) throws Exception {
        setCurrentKey(entry.key);
        context.current = entry;
        try {
            userFunction.apply(entry.element, result, context);
        } catch (DownstreamFailure e) {
            throw e.downstream();
        } catch (Exception e) {
            if (settings.exceptionPolicy() == ExceptionPolicy.FAIL_JOB) {
                throw e;
            }
            reportFailure(entry, AsyncFailure.of(e, entry.attempts));
            return;
        }
        completed.inc();
        latencyMillis.update((System.nanoTime() - entry.arrivedNanos) / 1_000_000);
        finish(entry);
    }

    /**
     * Ends a key's started element: starts the next one from its backlog, or frees the key (which
     * also ends its diverting); releases ready watermarks.
     */
    private void finish(Entry<K, IN> entry) throws Exception {
        entry.done = true;
        entry.cancelTimer();
        entry.epoch.unfinished--;
        KeyQueue<K, IN> queue = active.get(entry.key);
        if (queue == null || queue.current != entry) {
            throw new IllegalStateException(
                    "keyed async: finished an element that was not its key's started one");
        }
        if (queue.backlog() > 0) {
            startNextOf(queue);
        } else {
            active.remove(entry.key);
        }
        releaseWatermarks();
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        Epoch last = epochs.peekLast();
        if (last == null) {
            super.processWatermark(mark);
            return;
        }
        // Close the open epoch; if it is closed already (no element since), the newer watermark
        // replaces the older one, which it subsumes.
        last.closing = mark;
        releaseWatermarks();
    }

    private void releaseWatermarks() throws Exception {
        while (!epochs.isEmpty()) {
            Epoch head = epochs.peekFirst();
            if (head.unfinished > 0) {
                return;
            }
            epochs.pollFirst();
            if (head.closing != null) {
                super.processWatermark(head.closing);
            }
        }
        if (idleHeld) {
            idleHeld = false;
            output.emitWatermarkStatus(WatermarkStatus.IDLE);
        }
    }

    /**
     * Handles the watermark status of the keyed input. Downstream ignores watermarks of an idle
     * channel, so IDLE is held back while elements are pending (their watermarks are still to come)
     * and sent once everything pending is done; an ACTIVE that arrives first cancels it.
     */
    protected final void processStatus(WatermarkStatus status) throws Exception {
        if (status.isIdle()) {
            if (epochs.isEmpty()) {
                output.emitWatermarkStatus(status);
            } else {
                idleHeld = true;
            }
        } else if (idleHeld) {
            idleHeld = false; // IDLE was never sent, so ACTIVE need not be either
        } else {
            output.emitWatermarkStatus(status);
        }
    }

    /** Waits (yielding to the mailbox) until every pending element is done. */
    protected final void awaitAllPending() throws Exception {
        while (!active.isEmpty()) {
            mailbox.yield();
        }
    }

    /**
     * Writes each busy key's started element and backlog bounds to keyed state (the backlog itself
     * is there already) and clears them for keys that became idle since the last checkpoint. Runs
     * before the keyed state backend takes its snapshot; costs O(busy keys), at most capacity.
     */
    @Override
    @SuppressWarnings("unchecked")
    public void snapshotState(StateSnapshotContext snapshot) throws Exception {
        super.snapshotState(snapshot);
        Object currentKey = getKeyedStateBackend().getCurrentKey();
        for (K key : persistedKeys) {
            if (!active.containsKey(key)) {
                setCurrentKey(key);
                pendingState.clear();
                boundsState.clear();
            }
        }
        for (KeyQueue<K, IN> queue : active.values()) {
            setCurrentKey(queue.key);
            Entry<K, IN> entry = queue.current;
            // A copy: a heap backend serializes the snapshot later, while apply may still change
            // the element.
            pendingState.update(
                    List.of(
                            Tuple3.of(
                                    copier.copy(entry.element),
                                    entry.timestamp,
                                    entry.idempotencyKey)));
            if (queue.backlog() > 0 || queue.diverting) {
                boundsState.update(Tuple3.of(queue.head, queue.tail, queue.diverting));
            } else {
                boundsState.clear();
            }
        }
        persistedKeys = new HashSet<>(active.keySet());
        if (currentKey != null) {
            setCurrentKey((K) currentKey);
        }
    }

    /** Read-only broadcast state for the broadcast variant; none in this one. */
    protected <BK, BV> ReadOnlyBroadcastState<BK, BV> readOnlyBroadcastState(
            MapStateDescriptor<BK, BV> descriptor) throws Exception {
        throw new UnsupportedOperationException(
                "broadcast state exists only when the operator is connected to a broadcast stream");
    }

    /** Elements pending (started or waiting in a backlog); for tests. */
    long pendingCount() {
        return active.size() + backlogStats.total();
    }

    private record AttemptContext(String idempotencyKey, int attempt) implements AsyncContext {}

    /** The read and apply context; reused, pointing at the element being handled. */
    /**
     * An exception thrown by a downstream (chained) operator while this one emitted: it is not a
     * failure of the user function, so it must fail the task and never become an error record.
     */
    private static final class DownstreamFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        DownstreamFailure(RuntimeException downstream) {
            super(downstream);
        }

        RuntimeException downstream() {
            return (RuntimeException) getCause();
        }
    }

    private final class Context implements ApplyContext<K, OUT> {
        Entry<K, IN> current;
        private final StreamRecord<OUT> reuse = new StreamRecord<>(null);

        @Override
        public K currentKey() {
            return current.key;
        }

        @Override
        public String idempotencyKey() {
            return current.idempotencyKey;
        }

        @Override
        public int attempt() {
            return current.attempts;
        }

        @Override
        public OptionalLong timestamp() {
            return current.hasTimestamp ? OptionalLong.of(current.timestamp) : OptionalLong.empty();
        }

        @Override
        public void collect(OUT value) {
            if (current.hasTimestamp) {
                reuse.replace(value, current.timestamp);
            } else {
                reuse.replace(value);
                reuse.eraseTimestamp();
            }
            try {
                output.collect(reuse);
            } catch (RuntimeException e) {
                throw new DownstreamFailure(e);
            }
        }

        @Override
        public <X> void output(OutputTag<X> tag, X value) {
            if (KeyflowOutputs.ERRORS.equals(tag) && value instanceof ErrorRecord error) {
                error(error); // counted like every error record
            } else {
                sideOutput(tag, value);
            }
        }

        private <X> void sideOutput(OutputTag<X> tag, X value) {
            try {
                output.collect(
                        tag,
                        current.hasTimestamp
                                ? new StreamRecord<>(value, current.timestamp)
                                : new StreamRecord<>(value));
            } catch (RuntimeException e) {
                throw new DownstreamFailure(e);
            }
        }

        @Override
        public void error(ErrorRecord error) {
            errors.emit(error, this::sideOutput);
        }

        @Override
        public <BK, BV> ReadOnlyBroadcastState<BK, BV> broadcastState(
                MapStateDescriptor<BK, BV> descriptor) throws Exception {
            return readOnlyBroadcastState(descriptor);
        }
    }
}
