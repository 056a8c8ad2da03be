package dev.keyflow.reference;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keyflow.core.Envelope;
import dev.keyflow.core.ErrorReason;
import dev.keyflow.core.ErrorRecord;
import dev.keyflow.core.ErrorStage;
import dev.keyflow.core.async.ApplyContext;
import dev.keyflow.core.async.AsyncContext;
import dev.keyflow.core.async.AsyncFailure;
import dev.keyflow.core.async.KeyedBroadcastAsyncFunction;
import dev.keyflow.core.async.ProcessingException;
import dev.keyflow.core.async.ReadContext;
import dev.keyflow.enrichment.EnrichmentResult;
import dev.keyflow.enrichment.HttpEnricher;
import dev.keyflow.reference.orders.CommandType;
import dev.keyflow.reference.orders.Customer;
import dev.keyflow.reference.orders.Decision;
import dev.keyflow.reference.orders.EventType;
import dev.keyflow.reference.orders.OrderEvent;
import dev.keyflow.reference.orders.OrderLogic;
import dev.keyflow.reference.orders.OrderMutation;
import dev.keyflow.reference.orders.OrderState;
import dev.keyflow.reference.orders.OrderStatus;
import dev.keyflow.rules.BundleCompiler;
import dev.keyflow.rules.CompiledBundle;
import dev.keyflow.rules.RegistryUpdate;
import dev.keyflow.rules.RuleBundleState;
import dev.keyflow.rules.RuleViolation;
import dev.keyflow.rules.Severity;
import dev.keyflow.state.EventLog;
import dev.keyflow.state.Outcome;
import dev.keyflow.state.Stamped;
import dev.keyflow.state.StateAppender;
import dev.keyflow.xml.XmlFields;
import dev.keyflow.xml.XmlProcessor;
import dev.keyflow.xml.XmlResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/**
 * The keyed async stage of the reference pipeline, one order at a time, many orders at once: XSD
 * validation and field extraction (one pass), the order's state from its event log, the CEL rules
 * of the active bundle, the customer lookup (async HTTP, for placed orders only), then the
 * plain-Java {@link OrderLogic#decide}. Accepted mutations are appended to the order's event log
 * and its commands stamped, on the operator thread ({@link #apply}).
 *
 * <p>Failures: an invalid document, a rule violation or a rejected decision is a fatal error record
 * (DLQ). A failing customer service is retried inside the operator by its retry policy; after that
 * the element goes to the retry topic with {@value RetryTopic#ATTEMPT} counting its passes, and
 * once {@code retryTopicMaxAttempts} passes failed as well, to the DLQ as {@code
 * RETRIES_EXHAUSTED}.
 */
public final class OrderProcessor
        extends KeyedBroadcastAsyncFunction<
                String,
                Envelope,
                byte[],
                OrderProcessor.View,
                Outcome<OrderMutation, OrderCommand>,
                Stamped<OrderCommand>> {

    private static final long serialVersionUID = 1L;

    /** What the operator thread read for an element before its async work starts. */
    public record View(CompiledBundle bundle, OrderState state) {}

    private final BundleCompiler compiler;
    private final XmlBundlePart xmlPart;
    private final HttpEnricher<String> customers;
    private final EventLog<OrderState, OrderMutation> log;
    private final int retryTopicMaxAttempts;
    private final Duration retryTopicDelay;

    private transient RuleBundleState bundles;
    private transient StateAppender<OrderState, OrderMutation> appender;
    private transient ObjectMapper json;
    private transient Map<CommandType, Counter> commandCounters;
    private transient Counter accepted;
    private transient Counter rejected;

    public OrderProcessor(
            BundleCompiler compiler,
            XmlBundlePart xmlPart,
            HttpEnricher<String> customers,
            EventLog<OrderState, OrderMutation> log,
            int retryTopicMaxAttempts,
            Duration retryTopicDelay) {
        this.compiler = Objects.requireNonNull(compiler, "compiler");
        this.xmlPart = Objects.requireNonNull(xmlPart, "xmlPart");
        this.customers = Objects.requireNonNull(customers, "customers");
        this.log = Objects.requireNonNull(log, "log");
        this.retryTopicMaxAttempts = retryTopicMaxAttempts;
        this.retryTopicDelay = Objects.requireNonNull(retryTopicDelay, "retryTopicDelay");
    }

    @Override
    public void open(OpenContext openContext) {
        bundles = new RuleBundleState(compiler);
        appender = StateAppender.open(log, getRuntimeContext());
        json = new ObjectMapper();
        MetricGroup metrics = getRuntimeContext().getMetricGroup().addGroup("keyflow", "orders");
        accepted = metrics.counter("accepted");
        rejected = metrics.counter("rejected");
        commandCounters = new EnumMap<>(CommandType.class);
        for (CommandType type : CommandType.values()) {
            commandCounters.put(type, metrics.addGroup("command", type.name()).counter("count"));
        }
        customers.open();
    }

    @Override
    public void close() {
        if (customers != null) {
            customers.close();
        }
    }

    @Override
    public void processBroadcast(byte[] document, BroadcastContext ctx) throws Exception {
        RegistryUpdate update =
                bundles.offer(document, ctx.broadcastState(RuleBundleState.DESCRIPTOR));
        if (update.status() == RegistryUpdate.Status.REJECTED
                && getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 0) {
            ctx.error(update.error().orElseThrow());
        }
    }

    @Override
    public View readState(Envelope element, ReadContext<String> ctx) throws Exception {
        CompiledBundle bundle =
                bundles.active(ctx.broadcastState(RuleBundleState.DESCRIPTOR))
                        .orElseThrow(
                                () ->
                                        new ProcessingException(
                                                ErrorReason.BUNDLE_MISSING,
                                                "no rule bundle '"
                                                        + bundles.bundleName()
                                                        + "' is active yet"));
        return new View(bundle, appender.log().load());
    }

    @Override
    public CompletionStage<Outcome<OrderMutation, OrderCommand>> process(
            Envelope element, View view, AsyncContext ctx) throws Exception {
        CompiledBundle bundle = view.bundle();
        XmlProcessor xml = bundle.part(xmlPart);
        XmlResult result = xml.process(element.payload());
        if (!result.isSuccess()) {
            return done(
                    failed(
                            element,
                            bundle,
                            result.stage(),
                            result.reason(),
                            result.message(),
                            ctx.attempt()));
        }
        XmlFields fields = result.fields();
        List<ErrorRecord> violations = new ArrayList<>();
        for (RuleViolation violation :
                bundle.validate(fields.asMap(), view.state().asRuleInput(), Map.of())) {
            // An ERROR rule that is false rejects the event; so does any rule that cannot be
            // evaluated (fail-safe). INFO and WARNING rules only count.
            if (violation.severity() == Severity.ERROR || violation.isError()) {
                violations.add(
                        error(
                                        element,
                                        bundle,
                                        ErrorStage.RULES,
                                        violation.reason(),
                                        violation.ruleId() + ": " + violation.message(),
                                        ctx.attempt())
                                .build());
            }
        }
        if (!violations.isEmpty()) {
            return done(Outcome.failed(violations));
        }
        OrderEvent event = event(fields);
        if (event.type() == EventType.PLACED && view.state().status() == OrderStatus.NEW) {
            return customers
                    .call(event.customerId(), ctx.idempotencyKey())
                    .thenApply(
                            found ->
                                    decide(
                                            element,
                                            bundle,
                                            view.state(),
                                            event,
                                            customer(found),
                                            ctx.attempt()));
        }
        return done(decide(element, bundle, view.state(), event, Optional.empty(), ctx.attempt()));
    }

    @Override
    public void apply(
            Envelope element,
            Outcome<OrderMutation, OrderCommand> outcome,
            ApplyContext<String, Stamped<OrderCommand>> ctx)
            throws Exception {
        appender.appendAndEmit(ctx, outcome);
        if (outcome.errors().isEmpty()) {
            accepted.inc();
        } else {
            rejected.inc();
        }
        for (OrderCommand command : outcome.commands()) {
            commandCounters.get(command.type()).inc();
        }
    }

    /**
     * A failure the operator's retries did not cure: transient ones go to the retry topic until the
     * element has come back {@code retryTopicMaxAttempts} times, then to the DLQ.
     */
    @Override
    public void onFailure(
            Envelope element,
            AsyncFailure failure,
            ApplyContext<String, Stamped<OrderCommand>> ctx) {
        ErrorStage stage =
                failure.reason() == ErrorReason.BUNDLE_MISSING
                        ? ErrorStage.RULE_BUNDLE
                        : failure.cause() instanceof dev.keyflow.enrichment.HttpCallException
                                ? ErrorStage.ENRICHMENT
                                : ErrorStage.PROCESSING;
        int passes = RetryTopic.passes(element);
        boolean exhausted = failure.isTransient() && passes >= retryTopicMaxAttempts;
        ErrorRecord.Builder error =
                ErrorRecord.builder(
                                stage, exhausted ? ErrorReason.RETRIES_EXHAUSTED : failure.reason())
                        .message(
                                exhausted
                                        ? failure.reason()
                                                + " after "
                                                + passes
                                                + " passes through the retry topic: "
                                                + failure.message()
                                        : failure.message())
                        .attempt(failure.attempts())
                        .fromEnvelope(element);
        if (failure.isTransient() && !exhausted) {
            error.headers(
                    RetryTopic.nextPass(
                            element,
                            passes + 1,
                            System.currentTimeMillis() + retryTopicDelay.toMillis()));
        }
        ctx.error(error.build());
    }

    private Outcome<OrderMutation, OrderCommand> decide(
            Envelope element,
            CompiledBundle bundle,
            OrderState state,
            OrderEvent event,
            Optional<Customer> customer,
            int attempt) {
        Decision decision = OrderLogic.decide(state, event, customer);
        if (decision.rejected()) {
            return failed(
                    element,
                    bundle,
                    ErrorStage.PROCESSING,
                    decision.rejection(),
                    decision.message(),
                    attempt);
        }
        List<OrderCommand> commands = new ArrayList<>(decision.commands().size());
        for (Decision.Command command : decision.commands()) {
            commands.add(
                    new OrderCommand(
                            command.type(),
                            toJson(command.payload()),
                            event.eventId(),
                            element.eventTime(),
                            element.origin(),
                            bundle.label()));
        }
        return Outcome.of(decision.mutations(), commands);
    }

    private Outcome<OrderMutation, OrderCommand> failed(
            Envelope element,
            CompiledBundle bundle,
            ErrorStage stage,
            ErrorReason reason,
            String message,
            int attempt) {
        return Outcome.failed(
                List.of(error(element, bundle, stage, reason, message, attempt).build()));
    }

    private static ErrorRecord.Builder error(
            Envelope element,
            CompiledBundle bundle,
            ErrorStage stage,
            ErrorReason reason,
            String message,
            int attempt) {
        return ErrorRecord.builder(stage, reason)
                .message(message)
                .attempt(attempt)
                .ruleVersion(bundle.label())
                .fromEnvelope(element);
    }

    private Optional<Customer> customer(EnrichmentResult result) {
        if (!result.found()) {
            return Optional.empty();
        }
        Map<String, Object> body = result.body();
        return Optional.of(
                new Customer(
                        String.valueOf(body.get("id")),
                        String.valueOf(body.getOrDefault("tier", "STANDARD")),
                        String.valueOf(body.getOrDefault("email", "")),
                        Boolean.TRUE.equals(body.get("blocked"))));
    }

    private static OrderEvent event(XmlFields fields) {
        return new OrderEvent(
                fields.string("orderId"),
                fields.string("eventId"),
                EventType.valueOf(fields.string("eventType")),
                fields.timestamp("occurredAt"),
                fields.string("customerId"),
                fields.string("sku"),
                fields.longValue("quantity"),
                fields.decimal("price"),
                fields.decimal("amount"),
                fields.string("currency"),
                fields.string("carrier"),
                fields.string("reason"));
    }

    private String toJson(Map<String, String> payload) {
        try {
            return json.writeValueAsString(payload);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a command payload", e);
        }
    }

    private static <T> CompletionStage<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }
}
