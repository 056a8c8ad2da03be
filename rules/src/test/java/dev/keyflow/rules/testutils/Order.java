package dev.keyflow.rules.testutils;

import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * A minimal keyed event for rules tests: an order with an amount.
 *
 * @param id the key
 * @param seq the order's position within its key (to check order and completeness)
 * @param amount the field the test bundles' rule and filter read
 */
public record Order(String id, long seq, double amount) {

    public static final TypeInformation<Order> TYPE = TypeInformation.of(Order.class);
}
