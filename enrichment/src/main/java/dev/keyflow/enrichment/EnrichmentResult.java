package dev.keyflow.enrichment;

import java.io.Serializable;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * The answer of an enrichment call that reached the service and was understood: the data found, or
 * the fact that there is none. Failures are not results: they fail the call's future with a {@link
 * HttpCallException}.
 *
 * @param status {@link Status#OK} with a body, or {@link Status#NOT_FOUND}
 * @param httpStatus the HTTP status code of the response
 * @param elapsed from sending the request to having read the response
 * @param body the JSON object of a 2xx response (empty for {@code NOT_FOUND} or an empty body)
 * @param cached true if the answer came from the keyed cache of {@link EnrichingFunction} (no call
 *     was made; {@code elapsed} is zero)
 */
public record EnrichmentResult(
        Status status, int httpStatus, Duration elapsed, Map<String, Object> body, boolean cached)
        implements Serializable {

    /** Whether the service knew the element. */
    public enum Status {
        /** A 2xx response; the body holds the data. */
        OK,
        /** A 404 response: the service does not know the element. */
        NOT_FOUND
    }

    public EnrichmentResult {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(elapsed, "elapsed");
        body = body == null ? Map.of() : java.util.Collections.unmodifiableMap(body);
    }

    /** True for {@link Status#OK}. */
    public boolean found() {
        return status == Status.OK;
    }
}
