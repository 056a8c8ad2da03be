package dev.keyflow.enrichment.internal;

import dev.keyflow.core.ErrorReason;
import dev.keyflow.enrichment.HttpCallException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import javax.annotation.Nullable;
import okhttp3.Call;
import okhttp3.Response;

/**
 * How every keyflow HTTP call (enrichment lookups, webhook POSTs) classifies a failure: one place,
 * so that both read 429, 5xx, timeouts, {@code Retry-After} and redirects the same way.
 */
final class HttpFailures {

    private HttpFailures() {}

    /**
     * No response: OkHttp reports its call timeout as an {@link InterruptedIOException} (socket
     * timeouts are a subclass), which is {@code TIMEOUT}; anything else (refused, reset) is {@code
     * SERVICE_UNAVAILABLE}. Both are transient.
     */
    static HttpCallException noResponse(Call call, IOException e) {
        ErrorReason reason =
                e instanceof InterruptedIOException
                        ? ErrorReason.TIMEOUT
                        : ErrorReason.SERVICE_UNAVAILABLE;
        return new HttpCallException(
                reason,
                call.request().url().redact() + ": " + e,
                HttpCallException.NO_RESPONSE,
                null,
                e);
    }

    /**
     * A response the caller does not accept: 429 and 5xx are transient {@code SERVICE_UNAVAILABLE}
     * with the service's {@code Retry-After}; anything else (other 4xx, a redirect, which is never
     * followed) is {@code SERVICE_REJECTED}.
     */
    static HttpCallException rejected(Call call, Response response) {
        int code = response.code();
        String where = where(call, code);
        if (code == 429 || code >= 500) {
            Duration retryAfter = retryAfter(response.header("Retry-After"));
            return new HttpCallException(
                    ErrorReason.SERVICE_UNAVAILABLE,
                    where + (retryAfter == null ? "" : ", retry after " + retryAfter),
                    code,
                    retryAfter,
                    null);
        }
        String location = response.header("Location");
        return new HttpCallException(
                ErrorReason.SERVICE_REJECTED,
                where + (location == null ? "" : " (redirect to " + location + " not followed)"),
                code,
                null,
                null);
    }

    /** {@code <redacted url>: HTTP <code>}, the start of every message about a response. */
    static String where(Call call, int code) {
        return call.request().url().redact() + ": HTTP " + code;
    }

    /** Seconds or an HTTP date (RFC 9110 10.2.3); null if absent or unreadable. */
    @Nullable
    static Duration retryAfter(@Nullable String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        String value = header.trim();
        try {
            long seconds = Long.parseLong(value);
            return seconds < 0 ? null : Duration.ofSeconds(seconds);
        } catch (NumberFormatException notSeconds) {
            try {
                ZonedDateTime at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME);
                Duration wait = Duration.between(ZonedDateTime.now(at.getZone()), at);
                return wait.isNegative() ? Duration.ZERO : wait;
            } catch (DateTimeParseException notADate) {
                return null;
            }
        }
    }
}
