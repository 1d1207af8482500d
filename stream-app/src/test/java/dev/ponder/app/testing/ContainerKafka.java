package dev.ponder.app.testing;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

/** Kafka in a container (Testcontainers), for machines with Docker. */
public final class ContainerKafka {
    private static KafkaContainer container;

    private ContainerKafka() {
    }

    /** Whether a Docker engine answers; any failure of the probe counts as no. */
    public static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable e) {
            return false;
        }
    }

    static synchronized String start() {
        if (container == null) {
            if (!dockerAvailable()) {
                throw new IllegalStateException("-Dponder.test.kafka=testcontainers needs a Docker engine, and none answers");
            }
            container = new KafkaContainer("apache/kafka:" + System.getProperty("ponder.kafka.version", "4.1.1"));
            container.start();
            Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "kafka-container-stop"));
        }
        return container.getBootstrapServers();
    }
}
