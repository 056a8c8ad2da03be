package dev.keyflow.enrichment;

import dev.keyflow.core.Envelope;
import dev.keyflow.core.ErrorRecord;
import dev.keyflow.core.ErrorStage;
import dev.keyflow.core.async.ApplyContext;
import dev.keyflow.core.async.AsyncContext;
import dev.keyflow.core.async.AsyncFailure;
import dev.keyflow.core.async.KeyedAsync;
import dev.keyflow.core.async.KeyedAsyncFunction;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import javax.annotation.Nullable;
import org.apache.flink.api.common.functions.OpenContext;

/**
 * Enriches each element of a keyed stream with an {@link HttpEnricher} call, run by the keyed async
 * operator ({@link KeyedAsync}), so its per-attempt timeout and {@code RetryPolicy} apply:
 * transient failures (429, 5xx, connection errors, timeouts) are retried with the same {@code
 * Idempotency-Key}, and an element that finally fails becomes an error record at stage {@link
 * ErrorStage#ENRICHMENT}.
 *
 * <pre>{@code
 * SingleOutputStreamOperator<EnrichedOrder> enriched = KeyedAsync.builder(
 *                 EnrichingFunction.<String, Order, EnrichedOrder>builder()
 *                         .enricher(customers)
 *                         .combiner((order, result) -> new EnrichedOrder(order, result.body()))
 *                         .build())
 *         .outputType(TypeInformation.of(EnrichedOrder.class))
 *         .uid("enrich-customers")
 *         .timeout(Duration.ofSeconds(5))
 *         .retry(RetryPolicy.exponentialBackoff(4, Duration.ofMillis(200), Duration.ofSeconds(5)))
 *         .build()
 *         .applyTo(orders.keyBy(Order::customerId));
 * }</pre>
 *
 * <p>The enricher is opened when the task opens (one HTTP client per parallel task) and closed with
 * it. Per key, elements are enriched one at a time in input order (the operator's guarantee).
 *
 * @param <K> key type
 * @param <IN> element type
 * @param <OUT> output type
 */
public final class EnrichingFunction<K, IN, OUT>
        extends KeyedAsyncFunction<K, IN, EnrichmentResult, EnrichmentResult, OUT> {

    private static final long serialVersionUID = 1L;

    private final HttpEnricher<IN> enricher;
    private final ResultCombiner<IN, OUT> combiner;

    EnrichingFunction(Builder<K, IN, OUT> builder) {
        this.enricher = builder.enricher;
        this.combiner = builder.combiner;
    }

    /** Starts a builder. */
    public static <K, IN, OUT> Builder<K, IN, OUT> builder() {
        return new Builder<>();
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        super.open(openContext);
        enricher.open();
    }

    @Override
    public void close() throws Exception {
        enricher.close();
        super.close();
    }

    @Override
    public CompletionStage<EnrichmentResult> process(
            IN element, @Nullable EnrichmentResult cached, AsyncContext ctx) {
        return enricher.call(element, ctx.idempotencyKey());
    }

    @Override
    public void apply(IN element, EnrichmentResult result, ApplyContext<K, OUT> ctx)
            throws Exception {
        ctx.collect(combiner.combine(element, result));
    }

    /** Emits an error record at stage {@link ErrorStage#ENRICHMENT}. */
    @Override
    public void onFailure(IN element, AsyncFailure failure, ApplyContext<K, OUT> ctx) {
        ErrorRecord.Builder error =
                ErrorRecord.builder(ErrorStage.ENRICHMENT, failure.reason())
                        .message(failure.message())
                        .attempt(failure.attempts())
                        .key(String.valueOf(ctx.currentKey()));
        if (element instanceof Envelope envelope) {
            error.fromEnvelope(envelope);
        }
        ctx.error(error.build());
    }

    /**
     * Builds an {@link EnrichingFunction}.
     *
     * @param <K> key type
     * @param <IN> element type
     * @param <OUT> output type
     */
    public static final class Builder<K, IN, OUT> {

        @Nullable private HttpEnricher<IN> enricher;
        @Nullable private ResultCombiner<IN, OUT> combiner;

        private Builder() {}

        /** The service call; required. */
        public Builder<K, IN, OUT> enricher(HttpEnricher<IN> enricher) {
            this.enricher = Objects.requireNonNull(enricher, "enricher");
            return this;
        }

        /** Makes the output from the element and the answer; required. */
        public Builder<K, IN, OUT> combiner(ResultCombiner<IN, OUT> combiner) {
            this.combiner = Objects.requireNonNull(combiner, "combiner");
            return this;
        }

        /**
         * Builds the function.
         *
         * @throws IllegalStateException if the enricher or the combiner is missing
         */
        public EnrichingFunction<K, IN, OUT> build() {
            if (enricher == null) {
                throw new IllegalStateException("enricher is required");
            }
            if (combiner == null) {
                throw new IllegalStateException("combiner is required");
            }
            return new EnrichingFunction<>(this);
        }
    }
}
