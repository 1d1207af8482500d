package dev.ponder.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.schemas.avro.ReasoningRecord;
import dev.ponder.schemas.testing.ApicurioRegistry;
import org.junit.jupiter.api.Test;

/**
 * The registry contract against a real Apicurio Registry (its Confluent-compatible API), run as a
 * child process of the test JVM.
 */
class ApicurioRegistryContractTest extends RegistryContractTest {
    @Override
    protected String registryUrl() {
        return ApicurioRegistry.shared().url();
    }

    @Test
    void failsOverFromADeadUrlToTheLiveOne() {
        String dead = "http://127.0.0.1:1/apis/ccompat/v7";
        try (HttpSchemaRegistryClient twoUrls = HttpSchemaRegistryClient.forUrls(dead + "," + registryUrl())) {
            int id = twoUrls.register(topic + "-value", ReasoningRecord.getClassSchema());
            assertThat(twoUrls.getById(id)).isEqualTo(ReasoningRecord.getClassSchema());
        }
    }
}
