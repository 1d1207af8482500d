package dev.ponder.schemas.registry;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.condition.EnabledIf;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.kafka.ConfluentKafkaContainer;

/**
 * The registry contract against Confluent's own Schema Registry image (with a Kafka broker for its
 * storage), through Testcontainers. Skipped, not failed, where no Docker engine answers.
 */
@EnabledIf(value = "dev.ponder.schemas.testing.Docker#available",
        disabledReason = "no Docker engine answers: the tests against Confluent's schema registry image are skipped")
class ConfluentRegistryContractTest extends RegistryContractTest {
    private static final String CONFLUENT_VERSION = "7.9.0";
    private static Network network;
    private static ConfluentKafkaContainer kafka;
    private static GenericContainer<?> registry;

    @BeforeAll
    static void startRegistry() {
        network = Network.newNetwork();
        kafka = new ConfluentKafkaContainer("confluentinc/cp-kafka:" + CONFLUENT_VERSION)
                .withNetwork(network)
                .withNetworkAliases("kafka")
                .withListener("kafka:19092");
        kafka.start();
        registry = new GenericContainer<>("confluentinc/cp-schema-registry:" + CONFLUENT_VERSION)
                .withNetwork(network)
                .withEnv("SCHEMA_REGISTRY_HOST_NAME", "schema-registry")
                .withEnv("SCHEMA_REGISTRY_LISTENERS", "http://0.0.0.0:8081")
                .withEnv("SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS", "PLAINTEXT://kafka:19092")
                .withExposedPorts(8081)
                .dependsOn(kafka)
                .waitingFor(Wait.forHttp("/subjects").forStatusCode(200));
        registry.start();
    }

    @AfterAll
    static void stopRegistry() {
        if (registry != null) {
            registry.stop();
        }
        if (kafka != null) {
            kafka.stop();
        }
        if (network != null) {
            network.close();
        }
    }

    @Override
    protected String registryUrl() {
        return "http://" + registry.getHost() + ":" + registry.getMappedPort(8081);
    }
}
