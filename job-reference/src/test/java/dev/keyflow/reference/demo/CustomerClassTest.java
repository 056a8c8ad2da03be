package dev.keyflow.reference.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CustomerClassTest {

    @Test
    void theIndexthCustomerOfAClassIsOfThatClass() {
        for (CustomerClass c : CustomerClass.values()) {
            int previous = -1;
            for (int i = 0; i < 500; i++) {
                int n = c.number(i);
                assertThat(CustomerClass.of(n)).isEqualTo(c);
                assertThat(n).isGreaterThan(previous);
                previous = n;
                assertThat(CustomerClass.of(c.customerId(i))).isEqualTo(c);
            }
        }
    }

    @Test
    void classesHaveTheirDocumentedShareOfNumbers() {
        Map<CustomerClass, Integer> counts = new EnumMap<>(CustomerClass.class);
        for (int n = 0; n < 1000; n++) {
            counts.merge(CustomerClass.of(n), 1, Integer::sum);
        }
        assertThat(counts)
                .containsEntry(CustomerClass.NORMAL, 800)
                .containsEntry(CustomerClass.FLAKY, 100)
                .containsEntry(CustomerClass.UNKNOWN, 40)
                .containsEntry(CustomerClass.BLOCKED, 40)
                .containsEntry(CustomerClass.DOWN, 20);
    }

    @Test
    void idsThatAreNotCustomerNumbersAreUnknown() {
        assertThat(CustomerClass.of("alice")).isEqualTo(CustomerClass.UNKNOWN);
        assertThat(CustomerClass.of("cust-")).isEqualTo(CustomerClass.UNKNOWN);
        assertThat(CustomerClass.of("cust-020")).isEqualTo(CustomerClass.UNKNOWN);
        assertThat(CustomerClass.of("cust-20")).isEqualTo(CustomerClass.NORMAL);
    }

    @Test
    void tiersAndEmailsAreFunctionsOfTheId() {
        assertThat(CustomerClass.email("cust-20")).isEqualTo("cust-20@example.com");
        assertThat(CustomerClass.tier("cust-20")).isEqualTo(CustomerClass.tier(20));
        assertThat(
                        java.util.stream.IntStream.range(20, 60)
                                .mapToObj(CustomerClass::tier)
                                .distinct())
                .containsExactlyInAnyOrder("GOLD", "SILVER", "STANDARD");
    }
}
