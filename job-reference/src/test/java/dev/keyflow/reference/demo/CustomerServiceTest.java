package dev.keyflow.reference.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CustomerServiceTest {

    private final HttpClient http = HttpClient.newHttpClient();
    private CustomerService service;

    @BeforeEach
    void start() {
        service = CustomerService.start(0);
    }

    @AfterEach
    void stop() {
        service.close();
    }

    @Test
    void answersANormalCustomerWithItsData() throws Exception {
        String id = CustomerClass.NORMAL.customerId(3);

        HttpResponse<String> response = get("/customers/" + id, null);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(response.body())
                .isEqualTo(
                        "{\"id\":\""
                                + id
                                + "\",\"tier\":\""
                                + CustomerClass.tier(id)
                                + "\",\"email\":\""
                                + id
                                + "@example.com\",\"blocked\":false}");
    }

    @Test
    void answersABlockedCustomerAsBlocked() throws Exception {
        HttpResponse<String> response =
                get("/customers/" + CustomerClass.BLOCKED.customerId(0), null);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"blocked\":true");
    }

    @Test
    void doesNotKnowUnknownCustomersOrOtherIds() throws Exception {
        assertThat(get("/customers/" + CustomerClass.UNKNOWN.customerId(7), null).statusCode())
                .isEqualTo(404);
        assertThat(get("/customers/alice", null).statusCode()).isEqualTo(404);
        assertThat(get("/customers/", null).statusCode()).isEqualTo(404);
        HttpResponse<String> other = get("/orders/1", null);
        assertThat(other.statusCode()).isEqualTo(404);
        assertThat(other.body()).isEmpty();
    }

    @Test
    void isAlwaysDownForDownCustomers() throws Exception {
        String id = CustomerClass.DOWN.customerId(1);

        for (int i = 0; i < 3; i++) {
            assertThat(get("/customers/" + id, "same-key").statusCode()).isEqualTo(503);
        }
    }

    @Test
    void failsTheFirstRequestOfEachIdempotencyKeyForFlakyCustomers() throws Exception {
        String id = CustomerClass.FLAKY.customerId(5);

        assertThat(get("/customers/" + id, "k1").statusCode()).isEqualTo(500);
        assertThat(get("/customers/" + id, "k1").statusCode()).isEqualTo(200);
        assertThat(get("/customers/" + id, "k1").statusCode()).isEqualTo(200);
        assertThat(get("/customers/" + id, "k2").statusCode()).isEqualTo(500);
        assertThat(get("/customers/" + id, "k2").statusCode()).isEqualTo(200);
        assertThat(get("/customers/" + id, null).statusCode()).isEqualTo(500);
        assertThat(get("/customers/" + id, null).statusCode()).isEqualTo(500);
    }

    @Test
    void refusesOtherMethods() throws Exception {
        HttpRequest post =
                HttpRequest.newBuilder(URI.create(service.baseUrl() + "/customers/cust-50"))
                        .POST(HttpRequest.BodyPublishers.ofString("{}"))
                        .build();

        HttpResponse<String> response = http.send(post, HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(405);
        assertThat(response.body()).isEmpty();
    }

    @Test
    void countsRequestsByStatus() throws Exception {
        get("/customers/" + CustomerClass.NORMAL.customerId(0), null);
        get("/customers/" + CustomerClass.NORMAL.customerId(1), null);
        get("/customers/" + CustomerClass.UNKNOWN.customerId(0), null);
        get("/customers/" + CustomerClass.DOWN.customerId(0), null);

        assertThat(service.requests()).isEqualTo(4);
        assertThat(service.requests(200)).isEqualTo(2);
        assertThat(service.requestsByStatus()).containsEntry(404, 1L).containsEntry(503, 1L);
    }

    @Test
    void delaysAnswersWithoutHoldingAThreadPerRequest() throws Exception {
        service.close();
        service = CustomerService.start(0, Duration.ofMillis(200));
        String url = service.baseUrl() + "/customers/" + CustomerClass.NORMAL.customerId(0);
        // 40 answers held 200 ms each by the 4 handler threads would take 2 s.
        int parallel = 40;
        long started = System.nanoTime();
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < parallel; i++) {
            answers.add(
                    http.sendAsync(
                            HttpRequest.newBuilder(URI.create(url)).build(),
                            HttpResponse.BodyHandlers.ofString()));
        }
        for (CompletableFuture<HttpResponse<String>> answer : answers) {
            assertThat(answer.get().statusCode()).isEqualTo(200);
        }
        long elapsedMs = (System.nanoTime() - started) / 1_000_000;

        assertThat(elapsedMs).isGreaterThanOrEqualTo(200).isLessThan(1500);
        assertThat(service.requests(200)).isEqualTo(parallel);
    }

    @Test
    void listensOnLoopbackOnTheGivenPort() {
        assertThat(service.port()).isPositive();
        assertThat(service.baseUrl()).isEqualTo("http://127.0.0.1:" + service.port());
        assertThat(service.urlTemplate()).endsWith("/customers/{id}");
    }

    private HttpResponse<String> get(String path, String idempotencyKey)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(service.baseUrl() + path));
        if (idempotencyKey != null) {
            request.header(CustomerService.IDEMPOTENCY_KEY_HEADER, idempotencyKey);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
