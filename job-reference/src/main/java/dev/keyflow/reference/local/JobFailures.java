package dev.keyflow.reference.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.JobID;

/**
 * The failures (each one a restart) of a job, from the exception history of the MiniCluster's REST
 * API: the launcher's log hides Flink's INFO lines, where restarts are reported, and a restart
 * explains many a surprise (a transaction left open holds back {@code read_committed} readers).
 */
final class JobFailures {

    private static final ObjectMapper JSON = new ObjectMapper();

    private JobFailures() {}

    /** One line per failure (time, task, exception, first line of its message); empty if none. */
    static List<String> read(int restPort, JobID job) {
        HttpRequest request =
                HttpRequest.newBuilder(
                                URI.create(
                                        "http://localhost:"
                                                + restPort
                                                + "/jobs/"
                                                + job
                                                + "/exceptions?maxExceptions=10"))
                        .timeout(Duration.ofSeconds(10))
                        .build();
        List<String> failures = new ArrayList<>();
        try {
            HttpResponse<String> response =
                    HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
            JsonNode entries =
                    JSON.readTree(response.body()).path("exceptionHistory").path("entries");
            for (JsonNode entry : entries) {
                String trace = entry.path("stacktrace").asText("");
                int nl = trace.indexOf('\n');
                failures.add(
                        entry.path("taskName").asText("?")
                                + ": "
                                + (nl < 0 ? trace : trace.substring(0, nl)));
            }
        } catch (IOException e) {
            failures.add("(could not read the job's exception history: " + e + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failures.add("(interrupted while reading the job's exception history)");
        }
        return failures;
    }
}
