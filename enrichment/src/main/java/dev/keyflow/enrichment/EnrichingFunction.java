package dev.keyflow.enrichment;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keyflow.core.Checks;
import dev.keyflow.core.Envelope;
import dev.keyflow.core.ErrorRecord;
import dev.keyflow.core.ErrorStage;
import dev.keyflow.core.async.ApplyContext;
import dev.keyflow.core.async.AsyncContext;
import dev.keyflow.core.async.AsyncFailure;
import dev.keyflow.core.async.KeyedAsync;
import dev.keyflow.core.async.KeyedAsyncFunction;
import dev.keyflow.core.async.ReadContext;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import javax.annotation.Nullable;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;

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
 * it. Per key, elements are enriched one at a time in input order (the operator's guarantee). Set
 * the enricher's call timeout at or below the operator's attempt timeout: the operator does not
 * cancel a call it timed out.
 *
 * <p><b>Cache.</b> Answers are kept in keyed state, per stream key and looked-up URL: found ones
 * for {@link Builder#cacheTtl} (default 10 min), {@code NOT_FOUND} ones for {@link
 * Builder#notFoundTtl} (default 1 min); a zero TTL turns that part off. The cache is read before
 * the call (in {@code readState}, on the operator thread), so a hit makes no HTTP call and its
 * result says {@link EnrichmentResult#cached()}. Expiry is Flink's state TTL (processing time, from
 * the write), so expired answers are never returned and are cleaned up in full snapshots and
 * incrementally. The cache is part of checkpoints; each entry holds up to the enricher's body cap.
 * Failures are never cached.
 *
 * @param <K> key type
 * @param <IN> element type
 * @param <OUT> output type
 */
public final class EnrichingFunction<K, IN, OUT>
        extends KeyedAsyncFunction<K, IN, EnrichmentResult, EnrichmentResult, OUT> {

    private static final long serialVersionUID = 1L;

    public static final Duration DEFAULT_CACHE_TTL = Duration.ofMinutes(10);
    public static final Duration DEFAULT_NOT_FOUND_TTL = Duration.ofMinutes(1);

    private final HttpEnricher<IN> enricher;
    private final ResultCombiner<IN, OUT> combiner;
    private final Duration cacheTtl;
    private final Duration notFoundTtl;

    /** Found answers: URL -> (HTTP status, JSON body). */
    @Nullable private transient MapState<String, Tuple2<Integer, String>> found;

    /** Not-found answers: URL -> HTTP status. */
    @Nullable private transient MapState<String, Integer> notFound;

    @Nullable private transient ObjectMapper mapper;

    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};

    EnrichingFunction(Builder<K, IN, OUT> builder) {
        this.enricher = builder.enricher;
        this.combiner = builder.combiner;
        this.cacheTtl = builder.cacheTtl;
        this.notFoundTtl = builder.notFoundTtl;
    }

    /** Starts a builder. */
    public static <K, IN, OUT> Builder<K, IN, OUT> builder() {
        return new Builder<>();
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        super.open(openContext);
        mapper = new ObjectMapper();
        if (!cacheTtl.isZero()) {
            MapStateDescriptor<String, Tuple2<Integer, String>> descriptor =
                    new MapStateDescriptor<>(
                            "enrichment-cache-found",
                            Types.STRING,
                            Types.TUPLE(Types.INT, Types.STRING));
            descriptor.enableTimeToLive(ttl(cacheTtl));
            found = getRuntimeContext().getMapState(descriptor);
        }
        if (!notFoundTtl.isZero()) {
            MapStateDescriptor<String, Integer> descriptor =
                    new MapStateDescriptor<>("enrichment-cache-not-found", Types.STRING, Types.INT);
            descriptor.enableTimeToLive(ttl(notFoundTtl));
            notFound = getRuntimeContext().getMapState(descriptor);
        }
        enricher.open();
    }

    private static StateTtlConfig ttl(Duration ttl) {
        return StateTtlConfig.newBuilder(ttl)
                .updateTtlOnCreateAndWrite()
                .neverReturnExpired()
                .cleanupFullSnapshot()
                .cleanupIncrementally(10, false)
                .build();
    }

    /** The cached answer for the element's URL, if any. */
    @Override
    @Nullable
    public EnrichmentResult readState(IN element, ReadContext<K> ctx) throws Exception {
        if (found == null && notFound == null) {
            return null;
        }
        String url = enricher.cacheKey(element);
        if (url == null) {
            return null;
        }
        if (found != null) {
            var hit = found.get(url);
            if (hit != null) {
                Map<String, Object> body = mapper.readValue(hit.f1, MAP);
                return new EnrichmentResult(
                        EnrichmentResult.Status.OK, hit.f0, Duration.ZERO, body, true);
            }
        }
        if (notFound != null) {
            Integer status = notFound.get(url);
            if (status != null) {
                return new EnrichmentResult(
                        EnrichmentResult.Status.NOT_FOUND, status, Duration.ZERO, null, true);
            }
        }
        return null;
    }

    @Override
    public void close() throws Exception {
        enricher.close();
        super.close();
    }

    @Override
    public CompletionStage<EnrichmentResult> process(
            IN element, @Nullable EnrichmentResult cached, AsyncContext ctx) {
        if (cached != null) {
            return CompletableFuture.completedFuture(cached);
        }
        return enricher.call(element, ctx.idempotencyKey());
    }

    @Override
    public void apply(IN element, EnrichmentResult result, ApplyContext<K, OUT> ctx)
            throws Exception {
        if (!result.cached()) {
            remember(element, result);
        }
        ctx.collect(combiner.combine(element, result));
    }

    private void remember(IN element, EnrichmentResult result) throws Exception {
        MapState<?, ?> cache = result.found() ? found : notFound;
        String url = cache == null ? null : enricher.cacheKey(element);
        if (url == null) {
            return;
        }
        if (result.found()) {
            found.put(
                    url, Tuple2.of(result.httpStatus(), mapper.writeValueAsString(result.body())));
        } else {
            notFound.put(url, result.httpStatus());
        }
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
        private Duration cacheTtl = DEFAULT_CACHE_TTL;
        private Duration notFoundTtl = DEFAULT_NOT_FOUND_TTL;

        private Builder() {}

        /** How long a found answer is cached; default 10 min; {@link Duration#ZERO} for never. */
        public Builder<K, IN, OUT> cacheTtl(Duration cacheTtl) {
            this.cacheTtl = requireTtl(cacheTtl, "cacheTtl");
            return this;
        }

        /** How long a 404 answer is cached; default 1 min; {@link Duration#ZERO} for never. */
        public Builder<K, IN, OUT> notFoundTtl(Duration notFoundTtl) {
            this.notFoundTtl = requireTtl(notFoundTtl, "notFoundTtl");
            return this;
        }

        private static Duration requireTtl(Duration ttl, String name) {
            Checks.requireNotNegative(ttl, name);
            return ttl.isZero() ? ttl : Checks.requirePositive(ttl, name);
        }

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
