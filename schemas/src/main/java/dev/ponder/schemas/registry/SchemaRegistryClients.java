package dev.ponder.schemas.registry;

import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;

/** Creates the registry client that a serde configuration asks for. */
public final class SchemaRegistryClients {
    private SchemaRegistryClients() {
    }

    /**
     * The client for {@code schema.registry.url} in {@code configs}: the shared in-process
     * {@link MockSchemaRegistry} of its scope for a {@code mock://scope} URL, else an
     * {@link HttpSchemaRegistryClient} over all the (comma-separated) URLs.
     *
     * @throws ConfigException when the URL is missing or invalid, or mixes mock:// with http(s)://
     */
    public static SchemaRegistryClient fromConfigs(Map<String, ?> configs) {
        List<String> urls = RegistryClientConfig.urlList(configs);
        long mocks = urls.stream().filter(u -> u.startsWith(MockSchemaRegistry.MOCK_URL_PREFIX)).count();
        if (mocks == 0) {
            return new HttpSchemaRegistryClient(RegistryClientConfig.fromConfigs(configs));
        }
        if (mocks != urls.size() || urls.size() > 1) {
            throw new ConfigException(RegistryClientConfig.URL, String.join(",", urls),
                    "a mock:// URL must be the only schema registry URL");
        }
        try {
            return MockSchemaRegistry.forScope(MockSchemaRegistry.scopeOf(urls.getFirst()));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(RegistryClientConfig.URL, urls.getFirst(), e.getMessage());
        }
    }
}
