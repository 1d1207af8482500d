package dev.ponder.app.cli;

import dev.ponder.app.config.ServiceConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import picocli.CommandLine.Option;

/**
 * Where submit and tail find the cluster, the registry and the topics: the service's own config file (so one
 * file serves all three commands), then these options.
 */
final class ClientOptions {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "The service's config file: kafka.*, serde.* and topics.* are used.")
    Path config;

    @Option(names = {"-b", "--bootstrap-servers"}, paramLabel = "HOSTS", description = "Kafka brokers (default: kafka.bootstrap.servers, localhost:9092).")
    String bootstrapServers;

    @Option(names = {"-r", "--registry-url"}, paramLabel = "URL", description = "Schema registry URL (default: serde.schema.registry.url).")
    String registryUrl;

    @Option(names = {"-t", "--topic"}, paramLabel = "TOPIC", description = "Topic (default: from topics.* in the config).")
    String topic;

    @Option(names = "-X", paramLabel = "KEY=VALUE", description = "Extra Kafka client or serde setting, e.g. -X security.protocol=SASL_SSL (repeatable).")
    Map<String, String> extra = new LinkedHashMap<>();

    ServiceConfig settings() throws IOException {
        Map<String, String> overrides = new LinkedHashMap<>();
        if (bootstrapServers != null) {
            overrides.put("kafka.bootstrap.servers", bootstrapServers);
        }
        if (registryUrl != null) {
            overrides.put("serde.schema.registry.url", registryUrl);
        }
        return ServiceConfig.load(config, overrides);
    }

    /**
     * Settings for a plain producer or consumer from the service's kafka.* section: the keys that client knows
     * ({@code known}), then those under Kafka Streams' {@code prefix} ("producer." / "consumer."), then -X.
     * Streams-only keys are left out, so the client does not warn about them.
     */
    Map<String, Object> kafka(ServiceConfig settings, Set<String> known, String prefix) {
        Map<String, String> all = settings.section("kafka.", Set.of());
        Map<String, Object> out = new TreeMap<>();
        all.forEach((k, v) -> {
            if (known.contains(k)) {
                out.put(k, v);
            }
        });
        all.forEach((k, v) -> {
            if (k.startsWith(prefix) && known.contains(k.substring(prefix.length()))) {
                out.put(k.substring(prefix.length()), v);
            }
        });
        out.putAll(extra);
        return out;
    }

    /** Serde settings: kafka.*, serde.* (without serde.class), then -X. */
    Map<String, Object> serde(ServiceConfig settings) {
        Map<String, Object> out = new TreeMap<>(settings.section("kafka.", Set.of()));
        out.putAll(settings.section("serde.", Set.of("serde.class")));
        out.putAll(extra);
        if (!out.containsKey("schema.registry.url") || out.get("schema.registry.url").toString().isBlank()) {
            throw new IllegalArgumentException("no schema registry: give --registry-url URL or serde.schema.registry.url in --config");
        }
        return out;
    }

    String topicOr(String fromConfig) {
        return topic != null ? topic : fromConfig;
    }
}
