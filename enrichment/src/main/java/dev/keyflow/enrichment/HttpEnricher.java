package dev.keyflow.enrichment;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keyflow.core.Checks;
import dev.keyflow.core.ErrorReason;
import dev.keyflow.core.async.ProcessingException;
import dev.keyflow.enrichment.internal.AddressGuard;
import dev.keyflow.enrichment.internal.HttpClients;
import dev.keyflow.enrichment.internal.ResponseHandler;
import dev.keyflow.enrichment.internal.UrlTemplate;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import java.io.Serializable;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
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
import okhttp3.OkHttpClient;
import okhttp3.Request;
import org.apache.flink.util.function.SerializableFunction;

/**
 * Looks an element up in an HTTP service: a GET of a URL filled from the element, its JSON answer
 * parsed into a map.
 *
 * <pre>{@code
 * HttpEnricher<Order> customers = HttpEnricher.<Order>builder()
 *         .url("https://customers.internal/v1/customers/{id}")
 *         .variables(order -> Map.of("id", order.customerId()))
 *         .header("Accept", "application/json")
 *         .callTimeout(Duration.ofSeconds(2))
 *         .maxBodyBytes(64 * 1024)
 *         .allowedHosts("customers.internal")
 *         .build();
 * }</pre>
 *
 * <p>The enricher is an immutable, serializable spec plus one transient resource: {@link #open()}
 * creates its OkHttp client (one per parallel task, shared by all its calls) and {@link #close()}
 * releases it. In a job, use it through {@link EnrichingFunction}, which opens and closes it with
 * the task and lets the keyed async operator's timeout and {@code RetryPolicy} apply.
 *
 * <p>Outcomes of {@link #call}: 2xx is {@link EnrichmentResult.Status#OK} with the body (which must
 * be a JSON object, or empty); 404 is {@link EnrichmentResult.Status#NOT_FOUND}; everything else
 * fails the future with a {@link HttpCallException}: 429, 5xx and connection errors as {@link
 * ErrorReason#SERVICE_UNAVAILABLE} (with the {@code Retry-After} delay, if sent), the call timeout
 * as {@link ErrorReason#TIMEOUT}, other 3xx/4xx as {@link ErrorReason#SERVICE_REJECTED}. Redirects
 * are never followed (a redirect could leave the allowed hosts) and OkHttp's silent retry on
 * connection failure is off: retries are keyflow's {@code RetryPolicy}'s to decide, with the same
 * {@code Idempotency-Key} header on every attempt.
 *
 * <p><b>Idle connections.</b> Connections are pooled and closed by the client after {@link
 * Builder#idleConnectionTimeout} (default 4 s), below common server idle timeouts. If a server
 * closed a pooled connection anyway, the call that finds it dead is sent once more on another
 * connection, within the same attempt (a lookup is a GET with an idempotency key, so this is safe):
 * a quiet period never costs an attempt.
 *
 * <p><b>Circuit breaker and rate limiter</b> (both off by default, both per enricher and parallel
 * task, both Resilience4j, created in {@link #open()}). With {@link Builder#circuitBreaker(int,
 * Duration)}, {@code n} transient failures in a row (429, 5xx, connection errors, timeouts) open
 * the breaker: calls then fail at once with {@link ErrorReason#CIRCUIT_OPEN}, making no request,
 * until the wait has passed; the next call is then a probe, whose success closes the breaker and
 * whose failure opens it again. Answers that show the service is up (2xx, 404, other 4xx, bodies we
 * reject) count as successes. With {@link Builder#rateLimit(int, Duration)}, a call that finds no
 * permit left in the current period fails at once with {@link ErrorReason#RATE_LIMITED}, making no
 * request. Both reasons are transient, so the keyed async operator's {@code RetryPolicy} retries
 * them; neither ever blocks the caller.
 *
 * @param <IN> the element type
 */
public final class HttpEnricher<IN> implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The header that carries the idempotency key of each call. */
    public static final String IDEMPOTENCY_KEY_HEADER = "Idempotency-Key";

    public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(10);
    public static final long DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
    public static final int DEFAULT_MAX_CONCURRENT_REQUESTS = 64;

    /**
     * How long an idle pooled connection is kept: below the idle timeouts servers and load
     * balancers commonly use (Node.js and Apache httpd 5 s, Tomcat 20 s, Jetty and the JDK's
     * HttpServer 30 s, cloud load balancers 60 s and more), so a quiet period does not leave the
     * client holding connections the server has closed.
     */
    public static final Duration DEFAULT_IDLE_CONNECTION_TIMEOUT = Duration.ofSeconds(4);

    private final UrlTemplate url;
    private final SerializableFunction<IN, Map<String, String>> variables;
    private final Map<String, String> headers;
    private final Duration callTimeout;
    private final long maxBodyBytes;
    private final int maxConcurrentRequests;
    private final Duration idleConnectionTimeout;
    private final Set<String> allowedHosts;
    private final int breakerFailures;
    @Nullable private final Duration breakerWait;
    private final int ratePermits;
    @Nullable private final Duration ratePeriod;

    @Nullable private transient OkHttpClient client;
    @Nullable private transient ObjectMapper mapper;
    @Nullable private transient CircuitBreaker breaker;
    @Nullable private transient RateLimiter limiter;

    /** The breaker's clock, for tests; null for the system clock. */
    @Nullable private transient Clock breakerClock;

    HttpEnricher(Builder<IN> b) {
        this.url = b.url;
        this.variables = b.variables;
        this.headers = Collections.unmodifiableMap(new LinkedHashMap<>(b.headers));
        this.callTimeout = b.callTimeout;
        this.maxBodyBytes = b.maxBodyBytes;
        this.maxConcurrentRequests = b.maxConcurrentRequests;
        this.idleConnectionTimeout = b.idleConnectionTimeout;
        this.allowedHosts = Collections.unmodifiableSet(new LinkedHashSet<>(b.allowedHosts));
        this.breakerFailures = b.breakerFailures;
        this.breakerWait = b.breakerWait;
        this.ratePermits = b.ratePermits;
        this.ratePeriod = b.ratePeriod;
    }

    /** Starts a builder. */
    public static <IN> Builder<IN> builder() {
        return new Builder<>();
    }

    /** Creates the HTTP client; call once per task before {@link #call}. */
    public synchronized void open() {
        if (client != null) {
            throw new IllegalStateException("HttpEnricher is already open");
        }
        client =
                HttpClients.hardened(callTimeout, maxConcurrentRequests, idleConnectionTimeout)
                        .newBuilder()
                        .dns(new AddressGuard(allowedHosts))
                        .build();
        mapper = new ObjectMapper();
        if (breakerWait != null) {
            CircuitBreakerConfig.Builder config =
                    CircuitBreakerConfig.custom()
                            .slidingWindow(
                                    breakerFailures,
                                    breakerFailures,
                                    CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                            .failureRateThreshold(100f)
                            .waitDurationInOpenState(breakerWait)
                            .permittedNumberOfCallsInHalfOpenState(1)
                            // No timer thread: the breaker turns half-open on the next call.
                            .automaticTransitionFromOpenToHalfOpenEnabled(false);
            if (breakerClock != null) {
                config.clock(breakerClock);
            }
            breaker = CircuitBreaker.of("keyflow-enrichment " + url, config.build());
        }
        if (ratePeriod != null) {
            limiter =
                    RateLimiter.of(
                            "keyflow-enrichment " + url,
                            RateLimiterConfig.custom()
                                    .limitForPeriod(ratePermits)
                                    .limitRefreshPeriod(ratePeriod)
                                    .timeoutDuration(Duration.ZERO)
                                    .build());
        }
    }

    /** Uses {@code clock} for the circuit breaker's wait; for tests, before {@link #open()}. */
    void breakerClock(Clock clock) {
        this.breakerClock = Objects.requireNonNull(clock, "clock");
    }

    /** The circuit breaker's state, for tests; null without a breaker or before {@link #open()}. */
    @Nullable
    CircuitBreaker.State breakerState() {
        CircuitBreaker open = breaker;
        return open == null ? null : open.getState();
    }

    /** Cancels calls still running and releases the client's threads and connections. */
    public synchronized void close() {
        OkHttpClient open = client;
        client = null;
        breaker = null;
        limiter = null;
        if (open != null) {
            HttpClients.release(open);
        }
    }

    /**
     * Looks {@code element} up, sending {@code idempotencyKey} as the {@value
     * #IDEMPOTENCY_KEY_HEADER} header. Never blocks; never throws for a failed call: the returned
     * future fails instead (see the class comment for the reasons).
     *
     * @throws IllegalStateException if the enricher is not open
     */
    public CompletionStage<EnrichmentResult> call(IN element, String idempotencyKey) {
        OkHttpClient http = client;
        if (http == null) {
            throw new IllegalStateException("HttpEnricher is not open: call open() first");
        }
        Objects.requireNonNull(idempotencyKey, "idempotencyKey");
        CompletableFuture<EnrichmentResult> result = new CompletableFuture<>();
        HttpUrl target;
        try {
            target = resolve(element);
        } catch (ProcessingException e) {
            result.completeExceptionally(e);
            return result;
        }
        CircuitBreaker circuit = breaker;
        if (circuit != null && !circuit.tryAcquirePermission()) {
            result.completeExceptionally(
                    refused(ErrorReason.CIRCUIT_OPEN, "circuit breaker open for " + url));
            return result;
        }
        RateLimiter rate = limiter;
        if (rate != null && !rate.acquirePermission()) {
            if (circuit != null) {
                circuit.releasePermission();
            }
            result.completeExceptionally(
                    refused(
                            ErrorReason.RATE_LIMITED,
                            "rate limit of "
                                    + ratePermits
                                    + " calls per "
                                    + ratePeriod
                                    + " reached for "
                                    + url));
            return result;
        }
        Request.Builder request = new Request.Builder().url(target).get();
        headers.forEach(request::header);
        request.header(IDEMPOTENCY_KEY_HEADER, idempotencyKey);
        http.newCall(request.build())
                .enqueue(new ResponseHandler(result, mapper, maxBodyBytes, System.nanoTime()));
        return circuit == null ? result : recorded(circuit, result);
    }

    private static HttpCallException refused(ErrorReason reason, String message) {
        return new HttpCallException(reason, message, HttpCallException.NO_RESPONSE, null, null);
    }

    /**
     * {@code call} once the breaker has recorded its outcome, so a caller that sees the outcome
     * also sees the breaker's new state.
     */
    private static CompletionStage<EnrichmentResult> recorded(
            CircuitBreaker circuit, CompletableFuture<EnrichmentResult> call) {
        long start = circuit.getCurrentTimestamp();
        CompletableFuture<EnrichmentResult> recorded = new CompletableFuture<>();
        call.whenComplete(
                (answer, failure) -> {
                    long elapsed = circuit.getCurrentTimestamp() - start;
                    if (failure != null && isServiceFailure(failure)) {
                        circuit.onError(elapsed, circuit.getTimestampUnit(), failure);
                    } else {
                        circuit.onSuccess(elapsed, circuit.getTimestampUnit());
                    }
                    if (failure != null) {
                        recorded.completeExceptionally(failure);
                    } else {
                        recorded.complete(answer);
                    }
                });
        return recorded;
    }

    /**
     * A failure that says the service is down or overloaded, as opposed to a request it refused.
     */
    private static boolean isServiceFailure(Throwable failure) {
        return failure instanceof ProcessingException p
                && (p.reason() == ErrorReason.SERVICE_UNAVAILABLE
                        || p.reason() == ErrorReason.TIMEOUT);
    }

    /**
     * The URL {@code element} is looked up at, the key of cached answers; null if the element
     * cannot be looked up (the call reports why).
     */
    @Nullable
    String cacheKey(IN element) {
        try {
            return resolve(element).toString();
        } catch (ProcessingException e) {
            return null;
        }
    }

    private HttpUrl resolve(IN element) throws ProcessingException {
        Map<String, String> values =
                url.variables().isEmpty() ? Map.of() : variables.apply(element);
        if (values == null) {
            throw new ProcessingException(ErrorReason.FIELD_INVALID, "no URL variables");
        }
        String filled = url.fill(values);
        HttpUrl parsed = HttpUrl.parse(filled);
        if (parsed == null) {
            throw new ProcessingException(
                    ErrorReason.FIELD_INVALID, "not a valid http(s) URL: " + filled);
        }
        if (!allowedHosts.isEmpty() && !allowedHosts.contains(parsed.host())) {
            throw new ProcessingException(
                    ErrorReason.FIELD_INVALID,
                    "host " + parsed.host() + " is not in the allowed hosts " + allowedHosts);
        }
        return parsed;
    }

    /**
     * Checks an enricher's URL as {@link Builder#url} and {@link Builder#build} do, for callers
     * that want to refuse a configuration before building anything (a job's config loader).
     *
     * @param urlTemplate the URL, with {@code {name}} placeholders in the path or query only
     * @param allowedHosts the allowed hosts (case-insensitive); empty allows any host that is not
     *     link-local or a cloud metadata address
     * @throws IllegalArgumentException naming the problem
     */
    public static void checkUrl(String urlTemplate, Collection<String> allowedHosts) {
        Set<String> hosts = new LinkedHashSet<>();
        for (String host : allowedHosts) {
            hosts.add(host.toLowerCase(Locale.ROOT));
        }
        checkUrl(UrlTemplate.parse(urlTemplate), hosts);
    }

    private static void checkUrl(UrlTemplate url, Set<String> allowedHosts) {
        String host = url.host();
        if (!allowedHosts.isEmpty() && !allowedHosts.contains(host)) {
            throw new IllegalArgumentException(
                    "host " + host + " is not in the allowed hosts " + allowedHosts);
        }
        if (!allowedHosts.contains(host) && AddressGuard.isGuardedLiteral(host)) {
            throw new IllegalArgumentException(
                    "host "
                            + host
                            + " is a link-local or cloud metadata address; name it in the allowed"
                            + " hosts to call it");
        }
    }

    public String url() {
        return url.toString();
    }

    public Map<String, String> headers() {
        return headers;
    }

    public Duration callTimeout() {
        return callTimeout;
    }

    public long maxBodyBytes() {
        return maxBodyBytes;
    }

    public Duration idleConnectionTimeout() {
        return idleConnectionTimeout;
    }

    /** The hosts calls may go to; empty if any host is allowed. */
    public Set<String> allowedHosts() {
        return allowedHosts;
    }

    /**
     * Builds an {@link HttpEnricher}; every setter checks its argument at once, {@link #build()}
     * checks the rules that span several.
     *
     * <pre>{@code
     * HttpEnricher.<Order>builder()
     *         .url("https://customers.internal/v1/customers/{id}")
     *         .variables(order -> Map.of("id", order.customerId()))
     *         .build();
     * }</pre>
     *
     * @param <IN> the element type
     */
    public static final class Builder<IN> {

        @Nullable private UrlTemplate url;
        @Nullable private SerializableFunction<IN, Map<String, String>> variables;
        private final Map<String, String> headers = new LinkedHashMap<>();
        private Duration callTimeout = DEFAULT_CALL_TIMEOUT;
        private long maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
        private int maxConcurrentRequests = DEFAULT_MAX_CONCURRENT_REQUESTS;
        private Duration idleConnectionTimeout = DEFAULT_IDLE_CONNECTION_TIMEOUT;
        private final Set<String> allowedHosts = new LinkedHashSet<>();
        private int breakerFailures;
        @Nullable private Duration breakerWait;
        private int ratePermits;
        @Nullable private Duration ratePeriod;

        private Builder() {}

        /**
         * Turns the circuit breaker on (it is off by default): it opens after {@code
         * consecutiveFailures} transient failures in a row, then fails calls at once with {@link
         * ErrorReason#CIRCUIT_OPEN} until {@code openWait} has passed, when one probe call may
         * close it again. Per parallel task.
         */
        public Builder<IN> circuitBreaker(int consecutiveFailures, Duration openWait) {
            this.breakerFailures =
                    Checks.requireAtLeastOne(consecutiveFailures, "consecutiveFailures");
            this.breakerWait = Checks.requirePositive(openWait, "openWait");
            return this;
        }

        /**
         * Turns the rate limiter on (it is off by default): at most {@code permits} calls start per
         * {@code period}; a call beyond them fails at once with {@link ErrorReason#RATE_LIMITED}.
         * Per parallel task, so the job's limit is this times the operator's parallelism.
         */
        public Builder<IN> rateLimit(int permits, Duration period) {
            this.ratePermits = Checks.requireAtLeastOne(permits, "permits");
            this.ratePeriod = Checks.requirePositive(period, "period");
            return this;
        }

        /**
         * The URL, with {@code {name}} placeholders filled from {@link #variables} (values are
         * URL-encoded); must start with {@code http://} or {@code https://}. Required.
         */
        public Builder<IN> url(String urlTemplate) {
            this.url = UrlTemplate.parse(Checks.requireText(urlTemplate, "urlTemplate"));
            return this;
        }

        /** The values of the URL's placeholders for an element; required if the URL has any. */
        public Builder<IN> variables(SerializableFunction<IN, Map<String, String>> variables) {
            this.variables = Objects.requireNonNull(variables, "variables");
            return this;
        }

        /** A header sent with every call ({@value #IDEMPOTENCY_KEY_HEADER} is set by the call). */
        public Builder<IN> header(String name, String value) {
            Checks.requireText(name, "name");
            Objects.requireNonNull(value, "value");
            if (name.equalsIgnoreCase(IDEMPOTENCY_KEY_HEADER)) {
                throw new IllegalArgumentException(
                        "name must not be " + IDEMPOTENCY_KEY_HEADER + ": each call sets it");
            }
            headers.put(name, value);
            return this;
        }

        /** The whole call, from connecting to reading the body; default 10 s. */
        public Builder<IN> callTimeout(Duration callTimeout) {
            this.callTimeout = Checks.requirePositive(callTimeout, "callTimeout");
            return this;
        }

        /** The largest response body read; a larger one fails the call; default 1 MiB. */
        public Builder<IN> maxBodyBytes(long maxBodyBytes) {
            if (maxBodyBytes < 1) {
                throw new IllegalArgumentException(
                        "maxBodyBytes must be at least 1, was " + maxBodyBytes);
            }
            this.maxBodyBytes = maxBodyBytes;
            return this;
        }

        /** Calls running at once per task (further calls queue in the client); default 64. */
        public Builder<IN> maxConcurrentRequests(int maxConcurrentRequests) {
            this.maxConcurrentRequests =
                    Checks.requireAtLeastOne(maxConcurrentRequests, "maxConcurrentRequests");
            return this;
        }

        /**
         * How long an idle connection is kept for the next call; default {@link
         * #DEFAULT_IDLE_CONNECTION_TIMEOUT} (4 s). Keep it below the service's idle timeout (and
         * any load balancer's in between).
         */
        public Builder<IN> idleConnectionTimeout(Duration idleConnectionTimeout) {
            this.idleConnectionTimeout =
                    Checks.requirePositive(idleConnectionTimeout, "idleConnectionTimeout");
            return this;
        }

        /** The only hosts calls may go to (case-insensitive); by default any host. */
        public Builder<IN> allowedHosts(String... hosts) {
            Objects.requireNonNull(hosts, "hosts");
            for (String host : hosts) {
                allowedHosts.add(Checks.requireText(host, "host").toLowerCase(Locale.ROOT));
            }
            return this;
        }

        /**
         * Builds the enricher.
         *
         * @throws IllegalStateException if the URL is missing, has placeholders but no variables
         *     were given, or names a host outside the allowed hosts
         */
        public HttpEnricher<IN> build() {
            if (url == null) {
                throw new IllegalStateException("url is required");
            }
            if (!url.variables().isEmpty() && variables == null) {
                throw new IllegalStateException(
                        "url has placeholders " + url.variables() + " but no variables were set");
            }
            try {
                checkUrl(url, allowedHosts);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
            return new HttpEnricher<>(this);
        }
    }
}
