package dev.ponder.schemas.registry;

import java.util.UUID;
import org.junit.jupiter.api.AfterEach;

/** The registry contract against the in-process {@code mock://} registry. */
class MockRegistryContractTest extends RegistryContractTest {
    private final String scope = "contract-" + UUID.randomUUID();

    @Override
    protected String registryUrl() {
        return "mock://" + scope;
    }

    @AfterEach
    void dropScope() {
        MockSchemaRegistry.dropScope(scope);
    }
}
