package dev.keyflow.enrichment.internal;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keyflow.core.ErrorReason;
import dev.keyflow.enrichment.EnrichmentResult;
import dev.keyflow.enrichment.HttpCallException;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.BufferedSource;

/**
 * Turns the outcome of one HTTP call into an {@link EnrichmentResult} or a typed {@link
 * HttpCallException}; runs on OkHttp's threads.
 */
public final class ResponseHandler implements Callback {

    private static final com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>> MAP =
            new com.fasterxml.jackson.core.type.TypeReference<>() {};

    private final CompletableFuture<EnrichmentResult> result;
    private final ObjectMapper mapper;
    private final long maxBodyBytes;
    private final long startNanos;

    public ResponseHandler(
            CompletableFuture<EnrichmentResult> result,
            ObjectMapper mapper,
            long maxBodyBytes,
            long startNanos) {
        this.result = result;
        this.mapper = mapper;
        this.maxBodyBytes = maxBodyBytes;
        this.startNanos = startNanos;
    }

    @Override
    public void onFailure(Call call, IOException e) {
        result.completeExceptionally(HttpFailures.noResponse(call, e));
    }

    @Override
    public void onResponse(Call call, Response response) {
        try (response) {
            result.complete(map(call, response));
        } catch (HttpCallException e) {
            result.completeExceptionally(e);
        } catch (IOException e) {
            onFailure(call, e);
        } catch (RuntimeException e) {
            // Never leave the future pending: the element would wait for its operator timeout.
            result.completeExceptionally(e);
        }
    }

    private EnrichmentResult map(Call call, Response response)
            throws IOException, HttpCallException {
        int code = response.code();
        String where = HttpFailures.where(call, code);
        if (code >= 200 && code < 300) {
            Map<String, Object> body = parse(where, code, response.body());
            return new EnrichmentResult(EnrichmentResult.Status.OK, code, elapsed(), body, false);
        }
        if (code == 404) {
            return new EnrichmentResult(
                    EnrichmentResult.Status.NOT_FOUND, code, elapsed(), null, false);
        }
        throw HttpFailures.rejected(call, response);
    }

    private Map<String, Object> parse(String where, int code, ResponseBody body)
            throws IOException, HttpCallException {
        if (body.contentLength() > maxBodyBytes) {
            throw tooLarge(where, code, body.contentLength() + " bytes");
        }
        BufferedSource source = body.source();
        if (source.request(maxBodyBytes + 1)) {
            throw tooLarge(where, code, "more than " + maxBodyBytes + " bytes");
        }
        byte[] bytes = source.getBuffer().readByteArray();
        if (bytes.length == 0) {
            return Map.of();
        }
        try {
            JsonNode tree = mapper.readTree(bytes);
            if (tree == null || !tree.isObject()) {
                throw new HttpCallException(
                        ErrorReason.MALFORMED_JSON,
                        where + ": body is not a JSON object",
                        code,
                        null,
                        null);
            }
            return mapper.convertValue(tree, MAP);
        } catch (JacksonException e) {
            throw new HttpCallException(
                    ErrorReason.MALFORMED_JSON,
                    where + ": body is not JSON: " + e.getOriginalMessage(),
                    code,
                    null,
                    e);
        }
    }

    private HttpCallException tooLarge(String where, int code, String size) {
        return new HttpCallException(
                ErrorReason.LIMIT_EXCEEDED,
                where + ": body of " + size + " exceeds the cap of " + maxBodyBytes + " bytes",
                code,
                null,
                null);
    }

    private Duration elapsed() {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }
}
