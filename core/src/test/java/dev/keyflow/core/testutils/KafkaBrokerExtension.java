package dev.keyflow.core.testutils;

import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 extension that runs one real {@link KafkaBroker} for a test class.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
 *
 * @Test
 * void roundTrip() {
 *     String topic = KAFKA.newTopic("orders", 2);
 *     KAFKA.client().produce(...);
 *     assertThat(KAFKA.client().readCommitted(topic)).hasSize(...);
 * }
 * }</pre>
 *
 * <p>Register it as a static field so that the broker starts once before all tests and stops after
 * them. Each test should use its own topics ({@link #newTopic} makes unique names).
 */
public final class KafkaBrokerExtension implements BeforeAllCallback, AfterAllCallback {

    private final Map<String, String> overrides;
    private final AtomicInteger topicCounter = new AtomicInteger();
    private KafkaBroker broker;
    private KafkaTestClient client;

    public KafkaBrokerExtension() {
        this(Map.of());
    }

    /** A broker with these properties replacing or adding to the single-node defaults. */
    public KafkaBrokerExtension(Map<String, String> brokerOverrides) {
        this.overrides = Map.copyOf(brokerOverrides);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        broker = KafkaBroker.start(overrides);
        client = new KafkaTestClient(broker.bootstrapServers());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        try {
            if (client != null) {
                client.close();
            }
        } finally {
            if (broker != null) {
                broker.close();
            }
        }
    }

    public KafkaBroker broker() {
        return requireStarted(broker);
    }

    public String bootstrapServers() {
        return broker().bootstrapServers();
    }

    /** A client for topics, producing and reading; shared by the tests of the class. */
    public KafkaTestClient client() {
        return requireStarted(client);
    }

    /** Creates a topic named {@code <prefix>-<n>} that no other test of the class uses. */
    public String newTopic(String prefix, int partitions) {
        String topic = prefix + "-" + topicCounter.incrementAndGet();
        client().createTopic(topic, partitions);
        return topic;
    }

    private static <T> T requireStarted(T value) {
        if (value == null) {
            throw new IllegalStateException(
                    "the Kafka broker is not running: register KafkaBrokerExtension as a static"
                            + " field with @RegisterExtension");
        }
        return value;
    }
}
