package dev.keyflow.reference.orders;

import java.util.Objects;

/** What the customer service knows about a customer (the enrichment of a placed order). */
public record Customer(String id, String tier, String email, boolean blocked) {

    public Customer {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(tier, "tier");
        Objects.requireNonNull(email, "email");
    }
}
