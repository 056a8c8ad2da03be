package dev.keyflow.reference.config;

import static dev.keyflow.reference.config.ConfigCheck.atLeast;
import static dev.keyflow.reference.config.ConfigCheck.fail;
import static dev.keyflow.reference.config.ConfigCheck.notNull;
import static dev.keyflow.reference.config.ConfigCheck.orDefault;
import static dev.keyflow.reference.config.ConfigCheck.positive;
import static dev.keyflow.reference.config.ConfigCheck.required;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.keyflow.enrichment.HttpEnricher;
import java.io.Serializable;
import java.time.Duration;
import java.util.List;
import javax.annotation.Nullable;

/**
 * The {@code enrichment} section: the HTTP customer lookup.
 *
 * @param url the lookup URL, {@code {id}} replaced by the customer id; required, http or https
 * @param callTimeout how long one HTTP call may take; default 2s
 * @param allowedHosts the hosts the enricher may call; empty means no restriction
 * @param maxConcurrentRequests HTTP requests in flight per subtask, at least 1; default 64
 * @param idleConnectionTimeout how long an idle HTTP connection is kept for the next call; keep it
 *     below the service's idle timeout; default 4s
 * @param circuitBreaker {@code enrichment.circuit-breaker}; off by default
 * @param rateLimit {@code enrichment.rate-limit}; off by default
 */
public record EnrichmentConfig(
        String url,
        Duration callTimeout,
        List<String> allowedHosts,
        int maxConcurrentRequests,
        Duration idleConnectionTimeout,
        CircuitBreakerConfig circuitBreaker,
        RateLimitConfig rateLimit)
        implements Serializable {

    public EnrichmentConfig {
        required(url, "enrichment.url", "http://localhost:8089/customers/{id}");
        positive(callTimeout, "enrichment.call-timeout");
        notNull(allowedHosts, "enrichment.allowed-hosts");
        for (int i = 0; i < allowedHosts.size(); i++) {
            String host = allowedHosts.get(i);
            if (host == null || host.isBlank()) {
                throw fail("enrichment.allowed-hosts[" + i + "]", "must be a host name");
            }
        }
        allowedHosts = List.copyOf(allowedHosts);
        try {
            HttpEnricher.checkUrl(url, allowedHosts);
        } catch (IllegalArgumentException e) {
            throw fail(
                    "enrichment.url",
                    e.getMessage().replace("the allowed hosts", "enrichment.allowed-hosts"));
        }
        atLeast(maxConcurrentRequests, 1, "enrichment.max-concurrent-requests");
        positive(idleConnectionTimeout, "enrichment.idle-connection-timeout");
        notNull(circuitBreaker, "enrichment.circuit-breaker");
        notNull(rateLimit, "enrichment.rate-limit");
    }

    @JsonCreator
    static EnrichmentConfig fromYaml(
            @JsonProperty("url") @Nullable String url,
            @JsonProperty("call-timeout") @Nullable Duration callTimeout,
            @JsonProperty("allowed-hosts") @Nullable List<String> allowedHosts,
            @JsonProperty("max-concurrent-requests") @Nullable Integer maxConcurrentRequests,
            @JsonProperty("idle-connection-timeout") @Nullable Duration idleConnectionTimeout,
            @JsonProperty("circuit-breaker") @Nullable CircuitBreakerConfig circuitBreaker,
            @JsonProperty("rate-limit") @Nullable RateLimitConfig rateLimit) {
        return new EnrichmentConfig(
                url,
                orDefault(callTimeout, Duration.ofSeconds(2)),
                orDefault(allowedHosts, List.of()),
                orDefault(maxConcurrentRequests, 64),
                orDefault(idleConnectionTimeout, Duration.ofSeconds(4)),
                orDefault(circuitBreaker, CircuitBreakerConfig.defaults()),
                orDefault(rateLimit, RateLimitConfig.defaults()));
    }

    /**
     * {@code enrichment.circuit-breaker}: stops calling the service after consecutive failures.
     *
     * @param failures consecutive failures that open the breaker; 0 (the default) turns it off
     * @param openWait how long the breaker stays open before it lets a trial call through; default
     *     30s
     */
    public record CircuitBreakerConfig(int failures, Duration openWait) implements Serializable {

        public CircuitBreakerConfig {
            atLeast(failures, 0, "enrichment.circuit-breaker.failures");
            positive(openWait, "enrichment.circuit-breaker.open-wait");
        }

        @JsonCreator
        static CircuitBreakerConfig fromYaml(
                @JsonProperty("failures") @Nullable Integer failures,
                @JsonProperty("open-wait") @Nullable Duration openWait) {
            return new CircuitBreakerConfig(
                    orDefault(failures, 0), orDefault(openWait, Duration.ofSeconds(30)));
        }

        public static CircuitBreakerConfig defaults() {
            return fromYaml(null, null);
        }

        public boolean enabled() {
            return failures > 0;
        }
    }

    /**
     * {@code enrichment.rate-limit}: at most {@code permits} calls per {@code period} and subtask.
     *
     * @param permits calls per period; 0 (the default) turns the limit off
     * @param period the period; default 1s
     */
    public record RateLimitConfig(int permits, Duration period) implements Serializable {

        public RateLimitConfig {
            atLeast(permits, 0, "enrichment.rate-limit.permits");
            positive(period, "enrichment.rate-limit.period");
        }

        @JsonCreator
        static RateLimitConfig fromYaml(
                @JsonProperty("permits") @Nullable Integer permits,
                @JsonProperty("period") @Nullable Duration period) {
            return new RateLimitConfig(
                    orDefault(permits, 0), orDefault(period, Duration.ofSeconds(1)));
        }

        public static RateLimitConfig defaults() {
            return fromYaml(null, null);
        }

        public boolean enabled() {
            return permits > 0;
        }
    }
}
