package dev.keyflow.reference.cluster;

import dev.keyflow.reference.demo.CustomerService;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * The demo customer service as a process of its own: {@code CustomerServiceMain <port>
 * <latency-ms>}. It runs until the process is stopped and then prints how many requests it answered
 * with which status.
 */
public final class CustomerServiceMain {

    private CustomerServiceMain() {}

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 2) {
            System.err.println("usage: CustomerServiceMain <port> <latency-ms>");
            System.exit(2);
        }
        CustomerService service =
                CustomerService.start(
                        Integer.parseInt(args[0]), Duration.ofMillis(Long.parseLong(args[1])));
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    System.out.println(
                                            "customer service: "
                                                    + service.requests()
                                                    + " requests by status "
                                                    + service.requestsByStatus());
                                    service.close();
                                }));
        System.out.println("customer service at " + service.urlTemplate());
        new CountDownLatch(1).await();
    }
}
