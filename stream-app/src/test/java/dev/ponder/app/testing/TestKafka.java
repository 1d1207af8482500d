package dev.ponder.app.testing;

import dev.ponder.app.demo.EmbeddedKafka;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * The real Kafka broker the tests run against: one KRaft node (controller and broker in one) started inside
 * the test JVM from the Kafka artifacts on Maven Central, once per JVM and shared by every test class (each
 * test uses its own topics and application id). With {@code -Dponder.test.kafka=testcontainers} a Kafka
 * container is used instead (needs Docker).
 */
public final class TestKafka {
    private static String bootstrap;
    private static String override;

    private TestKafka() {
    }

    public static synchronized String bootstrapServers() {
        if (override != null) {
            return override;
        }
        if (bootstrap == null) {
            bootstrap = "testcontainers".equals(System.getProperty("ponder.test.kafka")) ? ContainerKafka.start() : startEmbedded();
        }
        return bootstrap;
    }

    private static String startEmbedded() {
        try {
            EmbeddedKafka kafka = EmbeddedKafka.start(Map.of("group.min.session.timeout.ms", "1000"));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    kafka.close();
                } catch (Exception e) {
                    System.err.println("stopping the test broker failed: " + e);
                }
            }, "test-kafka-stop"));
            return kafka.bootstrapServers();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the in-JVM KRaft broker: " + e, e);
        }
    }

    /** Points the tests at a Kafka container until {@link #useDefault()} (for the Testcontainers variant). */
    public static synchronized void useContainer() {
        override = ContainerKafka.start();
    }

    public static synchronized void useDefault() {
        override = null;
    }

    public static Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()));
    }

    public static void createTopics(int partitions, String... names) {
        try (Admin admin = admin()) {
            List<NewTopic> topics = java.util.Arrays.stream(names)
                    .map(n -> new NewTopic(n, Optional.of(partitions), Optional.empty())).toList();
            admin.createTopics(topics).all().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot create topics " + List.of(names) + ": " + e, e);
        }
    }
}
