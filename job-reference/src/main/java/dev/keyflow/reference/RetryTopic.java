package dev.keyflow.reference;

import dev.keyflow.core.Envelope;
import dev.keyflow.core.ErrorDetails;
import dev.keyflow.core.ErrorOutput;
import dev.keyflow.core.ErrorReason;
import dev.keyflow.core.ErrorRecord;
import dev.keyflow.core.ErrorStage;
import dev.keyflow.core.Header;
import dev.keyflow.core.KeyflowTypes;
import dev.keyflow.core.Origin;
import dev.keyflow.core.RawRecord;
import dev.keyflow.core.kafka.ErrorHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Non-blocking retries through a Kafka topic. The processor sends an element whose transient
 * failure outlasted the operator's own retries to the retry topic (by the error sink, in the same
 * transaction as the outputs), with three headers: {@value #ATTEMPT} (how many times it has been
 * through the topic), {@value #NOT_BEFORE} (when it may run again, epoch ms) and {@value
 * #EVENT_TIME}. The job reads the topic back ({@link #envelopes}), waits per element until its time
 * has come without blocking anything ({@link #delay}, processing-time timers in keyed state) and
 * feeds it to the processor again, keyed by the same order id.
 *
 * <p>An element that comes back runs after the later events of its key that did not fail: the retry
 * topic trades per-key order for not blocking the key.
 */
public final class RetryTopic {

    /** How many times the element has been through the retry topic. */
    public static final String ATTEMPT = "keyflow.retry.attempt";

    /** Epoch milliseconds before which the element must not run again. */
    public static final String NOT_BEFORE = "keyflow.retry.not-before";

    /** The element's event time, epoch milliseconds. */
    public static final String EVENT_TIME = "keyflow.retry.event-time";

    private RetryTopic() {}

    /** How many times {@code element} has been through the retry topic (0 for a fresh input). */
    public static int passes(Envelope element) {
        return header(element.headers(), ATTEMPT).map(Integer::parseInt).orElse(0);
    }

    /** The headers of an error record that sends {@code element} through the topic again. */
    static List<Header> nextPass(Envelope element, int pass, long notBefore) {
        List<Header> headers = withoutRetryHeaders(element.headers());
        headers.add(Header.ofString(ATTEMPT, Integer.toString(pass)));
        headers.add(Header.ofString(NOT_BEFORE, Long.toString(notBefore)));
        headers.add(Header.ofString(EVENT_TIME, Long.toString(element.eventTime())));
        return headers;
    }

    /**
     * Describes an element that the keyed async processor sent to the errors because its order's
     * backlog was full ({@code BACKLOG_FULL}, transient): payload, headers and origin as for any
     * failure, and the headers of its next pass through the retry topic, {@code delay} from now, as
     * {@code OrderProcessor.onFailure} gives a transient failure.
     */
    static ErrorDetails<Envelope> backlogFull(Duration delay) {
        long delayMillis = delay.toMillis();
        return (element, error) ->
                error.fromEnvelope(element)
                        .headers(
                                nextPass(
                                        element,
                                        passes(element) + 1,
                                        System.currentTimeMillis() + delayMillis));
    }

    /**
     * Turns records of the retry topic back into envelopes (key, event time and origin from the
     * headers the error sink wrote); a record without them is a {@code MALFORMED_INPUT} error.
     */
    public static SingleOutputStreamOperator<Envelope> envelopes(DataStream<RawRecord> records) {
        return records.process(new ToEnvelope(), KeyflowTypes.ENVELOPE)
                .uid("retry-envelopes")
                .name("retry topic -> envelopes");
    }

    /**
     * Holds each element until its {@value #NOT_BEFORE} time, keyed by the order id, but never
     * longer than {@code maxWait} after it arrived (a header cannot park an element for ever).
     */
    public static SingleOutputStreamOperator<Envelope> delay(
            DataStream<Envelope> envelopes, java.time.Duration maxWait) {
        long maxWaitMillis = maxWait.toMillis();
        return envelopes
                .keyBy(Envelope::key)
                .process(new Delay(maxWaitMillis), KeyflowTypes.ENVELOPE)
                .uid("retry-delay")
                .name("retry delay");
    }

    private static List<Header> withoutRetryHeaders(List<Header> headers) {
        List<Header> kept = new ArrayList<>(headers.size() + 3);
        for (Header header : headers) {
            if (!header.name().startsWith("keyflow.retry.")) {
                kept.add(header);
            }
        }
        return kept;
    }

    private static Envelope withHeader(Envelope element, String name, long value) {
        List<Header> headers = new ArrayList<>(element.headers().size());
        for (Header header : element.headers()) {
            if (!header.name().equals(name)) {
                headers.add(header);
            }
        }
        headers.add(Header.ofString(name, Long.toString(value)));
        return new Envelope(
                element.key(), element.eventTime(), element.payload(), headers, element.origin());
    }

    private static Optional<String> header(List<Header> headers, String name) {
        String value = null;
        for (Header header : headers) {
            if (header.name().equals(name) && header.value() != null) {
                value = new String(header.value(), StandardCharsets.UTF_8);
            }
        }
        return Optional.ofNullable(value);
    }

    static final class ToEnvelope extends ProcessFunction<RawRecord, Envelope> {
        private static final long serialVersionUID = 1L;

        private transient ErrorOutput errors;

        @Override
        public void open(OpenContext openContext) {
            errors = ErrorOutput.create(getRuntimeContext().getMetricGroup());
        }

        @Override
        public void processElement(RawRecord record, Context ctx, Collector<Envelope> out) {
            List<Header> headers = record.headers();
            Optional<String> key = header(headers, ErrorHeaders.KEY);
            Optional<String> topic = header(headers, ErrorHeaders.ORIGIN_TOPIC);
            try {
                if (key.isEmpty() || topic.isEmpty() || record.value() == null) {
                    throw new IllegalArgumentException(
                            "a retry record needs a value and the headers "
                                    + ErrorHeaders.KEY
                                    + " and "
                                    + ErrorHeaders.ORIGIN_TOPIC);
                }
                Origin origin =
                        new Origin(
                                topic.get(),
                                Integer.parseInt(
                                        header(headers, ErrorHeaders.ORIGIN_PARTITION).orElse("0")),
                                Long.parseLong(
                                        header(headers, ErrorHeaders.ORIGIN_OFFSET).orElse("0")),
                                Long.parseLong(
                                        header(headers, ErrorHeaders.ORIGIN_TIMESTAMP)
                                                .orElse("0")));
                long eventTime =
                        header(headers, EVENT_TIME).map(Long::parseLong).orElse(origin.timestamp());
                List<Header> kept = new ArrayList<>(headers.size());
                for (Header header : headers) {
                    if (!header.name().startsWith("keyflow.error.")
                            && !header.name().startsWith("keyflow.origin.")) {
                        kept.add(header);
                    }
                }
                out.collect(new Envelope(key.get(), eventTime, record.value(), kept, origin));
            } catch (IllegalArgumentException e) {
                errors.emit(
                        ErrorRecord.builder(ErrorStage.SOURCE, ErrorReason.MALFORMED_INPUT)
                                .message("unreadable retry record: " + e.getMessage())
                                .fromRaw(record)
                                .build(),
                        ctx::output);
            }
        }
    }

    private static final class Delay extends KeyedProcessFunction<String, Envelope, Envelope> {
        private static final long serialVersionUID = 1L;

        private final long maxWaitMillis;

        Delay(long maxWaitMillis) {
            this.maxWaitMillis = maxWaitMillis;
        }

        private transient ListState<Envelope> waiting;
        private transient ValueState<Long> timer;

        @Override
        public void open(OpenContext openContext) {
            waiting =
                    getRuntimeContext()
                            .getListState(
                                    new ListStateDescriptor<>(
                                            "retry-waiting", KeyflowTypes.ENVELOPE));
            timer =
                    getRuntimeContext()
                            .getState(new ValueStateDescriptor<>("retry-timer", Types.LONG));
        }

        @Override
        public void processElement(Envelope element, Context ctx, Collector<Envelope> out)
                throws Exception {
            long now = ctx.timerService().currentProcessingTime();
            long due =
                    Math.min(
                            header(element.headers(), NOT_BEFORE).map(Long::parseLong).orElse(0L),
                            now + maxWaitMillis);
            element = withHeader(element, NOT_BEFORE, due);
            if (due <= now && timer.value() == null) {
                out.collect(element);
                return;
            }
            waiting.add(element);
            schedule(ctx.timerService(), Math.max(due, now));
        }

        @Override
        public void onTimer(long timestamp, OnTimerContext ctx, Collector<Envelope> out)
                throws Exception {
            timer.clear();
            long now = ctx.timerService().currentProcessingTime();
            List<Envelope> later = new ArrayList<>();
            long next = Long.MAX_VALUE;
            for (Envelope element : waiting.get()) {
                long due = header(element.headers(), NOT_BEFORE).map(Long::parseLong).orElse(0L);
                if (due <= now) {
                    out.collect(element);
                } else {
                    later.add(element);
                    next = Math.min(next, due);
                }
            }
            waiting.update(later);
            if (!later.isEmpty()) {
                schedule(ctx.timerService(), next);
            }
        }

        private void schedule(org.apache.flink.streaming.api.TimerService timers, long at)
                throws Exception {
            Long current = timer.value();
            if (current == null || at < current) {
                if (current != null) {
                    timers.deleteProcessingTimeTimer(current);
                }
                timers.registerProcessingTimeTimer(at);
                timer.update(at);
            }
        }
    }
}
