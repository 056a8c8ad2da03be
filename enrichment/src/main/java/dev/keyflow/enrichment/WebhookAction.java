package dev.keyflow.enrichment;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keyflow.core.Checks;
import dev.keyflow.core.Envelope;
import dev.keyflow.core.ErrorReason;
import dev.keyflow.core.ErrorRecord;
import dev.keyflow.core.ErrorStage;
import dev.keyflow.core.async.ApplyContext;
import dev.keyflow.core.async.AsyncContext;
import dev.keyflow.core.async.AsyncFailure;
import dev.keyflow.core.async.KeyedAsyncFunction;
import dev.keyflow.core.async.ProcessingException;
import dev.keyflow.enrichment.internal.AddressGuard;
import dev.keyflow.enrichment.internal.HttpClients;
import dev.keyflow.enrichment.internal.UrlTemplate;
import dev.keyflow.enrichment.internal.WebhookResponseHandler;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import javax.annotation.Nullable;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.util.function.SerializableFunction;

/**
 * Delivers each element of a keyed stream to a webhook: a POST of a JSON body made from the
 * element, run by the keyed async operator ({@code KeyedAsync}), so its per-attempt timeout, {@code
 * RetryPolicy}, per-key order and checkpointing of pending elements apply.
 *
 * <pre>{@code
 * SingleOutputStreamOperator<Order> delivered = KeyedAsync.builder(
 *                 WebhookAction.<String, Order>builder()
 *                         .url("https://hooks.partner.example/orders")
 *                         .body(order -> Map.of("id", order.id(), "total", order.total()))
 *                         .header("Authorization", "Bearer " + token)
 *                         .callTimeout(Duration.ofSeconds(2))
 *                         .allowedHosts("hooks.partner.example")
 *                         .build())
 *         .outputType(TypeInformation.of(Order.class))
 *         .uid("order-webhook")
 *         .timeout(Duration.ofSeconds(5))
 *         .retry(RetryPolicy.exponentialBackoff(5, Duration.ofMillis(200), Duration.ofSeconds(10)))
 *         .build()
 *         .applyTo(orders.keyBy(Order::customerId));
 * }</pre>
 *
 * <p><b>Delivery is at least once.</b> Every request carries an {@value
 * HttpEnricher#IDEMPOTENCY_KEY_HEADER} header, the operator's idempotency key of the element: the
 * same on every retry and after a restore from a checkpoint, when requests that were in flight are
 * sent again. The receiver must use it to drop duplicates.
 *
 * <p>Outcomes: 2xx is delivered and the element is emitted downstream; 429, 5xx and connection
 * errors fail the attempt with {@link ErrorReason#SERVICE_UNAVAILABLE}, the call timeout with
 * {@link ErrorReason#TIMEOUT} (both transient, so retried by the operator's {@code RetryPolicy});
 * other 3xx/4xx fail it with {@link ErrorReason#SERVICE_REJECTED} (not retried); with {@link
 * Builder#rateLimit}, an attempt beyond the limit fails at once with {@link
 * ErrorReason#RATE_LIMITED} (transient), making no request; a body that Jackson cannot serialise
 * fails it with {@link ErrorReason#FIELD_INVALID}. An element whose delivery finally fails becomes
 * an {@link ErrorRecord} at stage {@link ErrorStage#ACTION} on the error side output: never dropped
 * silently, never a task failure.
 *
 * <p>The HTTP client has the same hardening as {@link HttpEnricher}'s (one per parallel task,
 * created in {@link #open}; redirects never followed; no silent OkHttp retries; call timeout; host
 * allow-list; idle connections closed after {@link Builder#idleConnectionTimeout}, and a request
 * that meets a pooled connection the receiver has closed sent once more on another connection,
 * which its idempotency key makes safe). Set the call timeout at or below the operator's attempt
 * timeout.
 *
 * @param <K> key type
 * @param <IN> element type
 */
public final class WebhookAction<K, IN> extends KeyedAsyncFunction<K, IN, Void, Integer, IN> {

    private static final long serialVersionUID = 1L;

    private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");

    private final String url;
    private final SerializableFunction<IN, ?> body;
    private final Map<String, String> headers;
    private final Duration callTimeout;
    private final int maxConcurrentRequests;
    private final Duration idleConnectionTimeout;
    private final Set<String> allowedHosts;
    private final int ratePermits;
    @Nullable private final Duration ratePeriod;

    @Nullable private transient OkHttpClient client;
    @Nullable private transient RateLimiter limiter;
    @Nullable private transient HttpUrl target;
    @Nullable private transient ObjectMapper mapper;

    WebhookAction(Builder<K, IN> b) {
        this.url = b.url;
        this.body = b.body;
        this.headers = Collections.unmodifiableMap(new LinkedHashMap<>(b.headers));
        this.callTimeout = b.callTimeout;
        this.maxConcurrentRequests = b.maxConcurrentRequests;
        this.idleConnectionTimeout = b.idleConnectionTimeout;
        this.allowedHosts = Collections.unmodifiableSet(new LinkedHashSet<>(b.allowedHosts));
        this.ratePermits = b.ratePermits;
        this.ratePeriod = b.ratePeriod;
    }

    /** Starts a builder. */
    public static <K, IN> Builder<K, IN> builder() {
        return new Builder<>();
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        super.open(openContext);
        target = HttpUrl.get(url);
        mapper = new ObjectMapper();
        client =
                HttpClients.hardened(callTimeout, maxConcurrentRequests, idleConnectionTimeout)
                        .newBuilder()
                        .dns(new AddressGuard(Set.of()))
                        .build();
        if (ratePeriod != null) {
            limiter =
                    RateLimiter.of(
                            "keyflow-webhook " + url,
                            RateLimiterConfig.custom()
                                    .limitForPeriod(ratePermits)
                                    .limitRefreshPeriod(ratePeriod)
                                    .timeoutDuration(Duration.ZERO)
                                    .build());
        }
    }

    @Override
    public void close() throws Exception {
        OkHttpClient open = client;
        client = null;
        limiter = null;
        if (open != null) {
            HttpClients.release(open);
        }
        super.close();
    }

    /** POSTs the element's JSON with its idempotency key; completes with the 2xx status. */
    @Override
    public CompletionStage<Integer> process(IN element, @Nullable Void state, AsyncContext ctx)
            throws ProcessingException {
        OkHttpClient http = client;
        if (http == null) {
            throw new IllegalStateException("WebhookAction is not open");
        }
        byte[] json;
        try {
            json = mapper.writeValueAsBytes(body.apply(element));
        } catch (JsonProcessingException e) {
            throw new ProcessingException(
                    ErrorReason.FIELD_INVALID,
                    "webhook body is not serialisable to JSON: " + e.getOriginalMessage(),
                    e);
        }
        RateLimiter rate = limiter;
        if (rate != null && !rate.acquirePermission()) {
            throw new ProcessingException(
                    ErrorReason.RATE_LIMITED,
                    "rate limit of "
                            + ratePermits
                            + " requests per "
                            + ratePeriod
                            + " reached for "
                            + url);
        }
        Request.Builder request =
                new Request.Builder().url(target).post(RequestBody.create(json, JSON));
        headers.forEach(request::header);
        request.header(HttpEnricher.IDEMPOTENCY_KEY_HEADER, ctx.idempotencyKey());
        CompletableFuture<Integer> result = new CompletableFuture<>();
        http.newCall(request.build()).enqueue(new WebhookResponseHandler(result));
        return result;
    }

    /** Emits the delivered element. */
    @Override
    public void apply(IN element, Integer status, ApplyContext<K, IN> ctx) {
        ctx.collect(element);
    }

    /** Emits an error record at stage {@link ErrorStage#ACTION}. */
    @Override
    public void onFailure(IN element, AsyncFailure failure, ApplyContext<K, IN> ctx) {
        ErrorRecord.Builder error =
                ErrorRecord.builder(ErrorStage.ACTION, failure.reason())
                        .message(failure.message())
                        .attempt(failure.attempts())
                        .key(String.valueOf(ctx.currentKey()));
        if (element instanceof Envelope envelope) {
            error.fromEnvelope(envelope);
        }
        ctx.error(error.build());
    }

    public String url() {
        return url;
    }

    public Map<String, String> headers() {
        return headers;
    }

    public Duration callTimeout() {
        return callTimeout;
    }

    /** The hosts the URL may name; empty if any host is allowed. */
    public Set<String> allowedHosts() {
        return allowedHosts;
    }

    /**
     * Builds a {@link WebhookAction}; every setter checks its argument at once, {@link #build()}
     * checks the rules that span several.
     *
     * <pre>{@code
     * WebhookAction.<String, Order>builder()
     *         .url("https://hooks.partner.example/orders")
     *         .body(order -> Map.of("id", order.id()))
     *         .build();
     * }</pre>
     *
     * @param <K> key type
     * @param <IN> element type
     */
    public static final class Builder<K, IN> {

        @Nullable private String url;
        @Nullable private SerializableFunction<IN, ?> body;
        private final Map<String, String> headers = new LinkedHashMap<>();
        private Duration callTimeout = HttpEnricher.DEFAULT_CALL_TIMEOUT;
        private int maxConcurrentRequests = HttpEnricher.DEFAULT_MAX_CONCURRENT_REQUESTS;
        private Duration idleConnectionTimeout = HttpEnricher.DEFAULT_IDLE_CONNECTION_TIMEOUT;
        private final Set<String> allowedHosts = new LinkedHashSet<>();
        private int ratePermits;
        @Nullable private Duration ratePeriod;

        private Builder() {}

        /**
         * Turns the rate limiter on (it is off by default): at most {@code permits} requests start
         * per {@code period}; an attempt beyond them fails at once with {@link
         * ErrorReason#RATE_LIMITED} (transient, so retried), making no request. Per parallel task,
         * so the job's limit is this times the operator's parallelism.
         */
        public Builder<K, IN> rateLimit(int permits, Duration period) {
            this.ratePermits = Checks.requireAtLeastOne(permits, "permits");
            this.ratePeriod = Checks.requirePositive(period, "period");
            return this;
        }

        /**
         * The webhook's URL, {@code http://} or {@code https://}, without placeholders. Required.
         */
        public Builder<K, IN> url(String url) {
            Checks.requireText(url, "url");
            UrlTemplate template = UrlTemplate.parse(url);
            if (!template.variables().isEmpty() || HttpUrl.parse(url) == null) {
                throw new IllegalArgumentException("url must be a plain http(s) URL, was " + url);
            }
            if (AddressGuard.isGuardedLiteral(template.host())) {
                throw new IllegalArgumentException(
                        "url host " + template.host() + " is a link-local or metadata address");
            }
            this.url = url;
            return this;
        }

        /** Makes the value Jackson serialises as the request's JSON body; required. */
        public Builder<K, IN> body(SerializableFunction<IN, ?> body) {
            this.body = Objects.requireNonNull(body, "body");
            return this;
        }

        /** A header sent with every request ({@code Idempotency-Key} is set per element). */
        public Builder<K, IN> header(String name, String value) {
            Checks.requireText(name, "name");
            Objects.requireNonNull(value, "value");
            if (name.equalsIgnoreCase(HttpEnricher.IDEMPOTENCY_KEY_HEADER)) {
                throw new IllegalArgumentException(
                        "name must not be "
                                + HttpEnricher.IDEMPOTENCY_KEY_HEADER
                                + ": each request sets it");
            }
            headers.put(name, value);
            return this;
        }

        /** The whole call, from connecting to the response; default 10 s. */
        public Builder<K, IN> callTimeout(Duration callTimeout) {
            this.callTimeout = Checks.requirePositive(callTimeout, "callTimeout");
            return this;
        }

        /** Requests running at once per task (further ones queue in the client); default 64. */
        public Builder<K, IN> maxConcurrentRequests(int maxConcurrentRequests) {
            this.maxConcurrentRequests =
                    Checks.requireAtLeastOne(maxConcurrentRequests, "maxConcurrentRequests");
            return this;
        }

        /**
         * How long an idle connection is kept for the next request; default {@link
         * HttpEnricher#DEFAULT_IDLE_CONNECTION_TIMEOUT} (4 s). Keep it below the receiver's idle
         * timeout (and any load balancer's in between).
         */
        public Builder<K, IN> idleConnectionTimeout(Duration idleConnectionTimeout) {
            this.idleConnectionTimeout =
                    Checks.requirePositive(idleConnectionTimeout, "idleConnectionTimeout");
            return this;
        }

        /** The only hosts the URL may name (case-insensitive); by default any host. */
        public Builder<K, IN> allowedHosts(String... hosts) {
            Objects.requireNonNull(hosts, "hosts");
            for (String host : hosts) {
                allowedHosts.add(Checks.requireText(host, "host").toLowerCase(Locale.ROOT));
            }
            return this;
        }

        /**
         * Builds the action.
         *
         * @throws IllegalStateException if the URL or body is missing, or the URL's host is not
         *     allowed
         */
        public WebhookAction<K, IN> build() {
            if (url == null) {
                throw new IllegalStateException("url is required");
            }
            if (body == null) {
                throw new IllegalStateException("body is required");
            }
            String host = HttpUrl.get(url).host();
            if (!allowedHosts.isEmpty() && !allowedHosts.contains(host)) {
                throw new IllegalStateException(
                        "url host " + host + " is not in the allowed hosts " + allowedHosts);
            }
            return new WebhookAction<>(this);
        }
    }
}
