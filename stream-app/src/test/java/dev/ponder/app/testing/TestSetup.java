package dev.ponder.app.testing;

import dev.ponder.app.config.ServiceConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/** A fresh, isolated setup for one test: its own topics, application id, registry scope and state directory. */
public final class TestSetup {
    public static final Path MODEL = Path.of(System.getProperty("ponder.models.dir", "../models")).resolve("tiny-reasoner-q8_0.gguf");

    public final String name;
    public final String requests;
    public final String reasoning;
    public final String answers;
    public final String deadLetter;
    public final String registryUrl;
    public final int partitions;

    public TestSetup(String name, int partitions) {
        this(name, partitions, null);
    }

    /** With {@code registryUrl} null, a mock:// registry of the test's own. */
    public TestSetup(String name, int partitions, String registryUrl) {
        this.name = name + "-" + UUID.randomUUID().toString().substring(0, 8);
        this.requests = this.name + ".requests";
        this.reasoning = this.name + ".reasoning";
        this.answers = this.name + ".answers";
        this.deadLetter = this.name + ".dlq";
        this.registryUrl = registryUrl != null ? registryUrl : "mock://" + this.name;
        this.partitions = partitions;
        TestKafka.createTopics(partitions, requests, reasoning, answers, deadLetter);
    }

    /** Settings of one service instance; {@code overrides} win. Each instance gets its own state directory. */
    public ServiceConfig config(Map<String, String> overrides) {
        return ServiceConfig.of(settings(overrides), Map.of(), Map.of());
    }

    public Map<String, String> settings(Map<String, String> overrides) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("kafka.bootstrap.servers", TestKafka.bootstrapServers());
        s.put("kafka.application.id", name);
        try {
            s.put("kafka.state.dir", Files.createTempDirectory("ponder-state-").toString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        // A crashed member is noticed in seconds instead of the default 45 s.
        s.put("kafka.session.timeout.ms", "3000");
        s.put("kafka.heartbeat.interval.ms", "500");
        s.put("serde.schema.registry.url", registryUrl);
        s.put("topics.requests", requests);
        s.put("topics.reasoning", reasoning);
        s.put("topics.answers", answers);
        s.put("topics.dead.letter", deadLetter);
        s.put("engine.model", MODEL.toString());
        s.put("engine.threads", "2");
        s.put("engine.kv.budget.bytes", "64m");
        s.put("http.host", "127.0.0.1");
        s.put("http.port", "0");
        s.put("shutdown.grace.ms", "0");
        s.putAll(overrides);
        return s;
    }
}
