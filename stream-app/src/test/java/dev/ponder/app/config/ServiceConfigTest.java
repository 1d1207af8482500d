package dev.ponder.app.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ponder.core.engine.EngineConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServiceConfigTest {
    @TempDir
    Path dir;

    @Test
    void defaultsThenFileThenEnvironmentThenOverrides() throws Exception {
        Path yaml = dir.resolve("ponder.yaml");
        Files.writeString(yaml, """
                kafka:
                  bootstrap.servers: broker-1:9092,broker-2:9092
                  producer:
                    linger.ms: 5
                engine:
                  max.running: 8
                  kv.budget.bytes: 256m
                  kv.precision: f16
                topics.requests: jobs
                """);
        ServiceConfig c = ServiceConfig.of(ConfigFile.read(yaml),
                Map.of("PONDER_ENGINE_MAX_RUNNING", "16", "PONDER_JAVA_OPTS", "-Xmx1g", "PATH", "/bin",
                        "PONDER_KAFKA_SASL_MECHANISM", "PLAIN"),
                Map.of("topics.answers", "results"));
        assertThat(c.string("kafka.bootstrap.servers")).isEqualTo("broker-1:9092,broker-2:9092");
        assertThat(c.integer("engine.max.running")).isEqualTo(16);
        assertThat(c.bytes("engine.kv.budget.bytes")).isEqualTo(256L << 20);
        assertThat(c.string("topics.requests")).isEqualTo("jobs");
        assertThat(c.string("topics.answers")).isEqualTo("results");
        assertThat(c.string("topics.reasoning")).isEqualTo("ponder.reasoning");
        assertThat(c.string("kafka.processing.guarantee")).isEqualTo("exactly_once_v2");
        assertThat(c.section("kafka.", Set.of())).containsEntry("producer.linger.ms", "5").containsEntry("sasl.mechanism", "PLAIN");
        EngineConfig engine = EngineSettings.from(c).engine();
        assertThat(engine.maxRunning()).isEqualTo(16);
        assertThat(engine.kvBudgetBytes()).isEqualTo(256L << 20);
        assertThat(engine.kvPrecision()).isEqualTo(dev.ponder.core.model.KvCache.Precision.F16);
        assertThat(JobSettings.from(c, EngineSettings.from(c)).maxInFlight()).as("defaults to engine.max.queued").isEqualTo(256);
    }

    @Test
    void propertiesFilesWorkToo() throws Exception {
        Path props = dir.resolve("ponder.properties");
        Files.writeString(props, "kafka.bootstrap.servers=k:9092\njobs.max.in.flight = 12\n");
        ServiceConfig c = ServiceConfig.load(props, Map.of());
        assertThat(c.string("kafka.bootstrap.servers")).isEqualTo("k:9092");
        assertThat(c.integer("jobs.max.in.flight")).isEqualTo(12);
    }

    @Test
    void aTypoInAPonderSectionIsAnErrorThatListsTheKeys() {
        assertThatThrownBy(() -> ServiceConfig.of(Map.of("engine.max.runing", "8"), Map.of(), Map.of()))
                .hasMessageContaining("unknown setting 'engine.max.runing'").hasMessageContaining("engine.max.running");
        assertThatThrownBy(() -> ServiceConfig.of(Map.of("enigne.threads", "8"), Map.of(), Map.of()))
                .hasMessageContaining("sections are kafka.*, serde.*");
        ServiceConfig bad = ServiceConfig.of(Map.of("engine.max.running", "many"), Map.of(), Map.of());
        assertThatThrownBy(() -> EngineSettings.from(bad)).hasMessageContaining("engine.max.running must be a whole number");
    }

    @Test
    void secretsNeverReachTheLog() {
        ServiceConfig c = ServiceConfig.of(Map.of(
                "kafka.sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required password=\"hunter2\";",
                "kafka.ssl.keystore.password", "hunter2",
                "serde.basic.auth.user.info", "user:hunter2",
                "serde.schema.registry.url", "https://user:hunter2@registry:8081"), Map.of(), Map.of());
        String logged = c.describe().toString();
        assertThat(logged).doesNotContain("hunter2").contains("https://[hidden]@registry:8081");
        assertThat(c.describe()).containsEntry("defaults.max.tokens", "4096").containsEntry("engine.repetition.min.tokens", "96");
    }

    @Test
    void yamlListsBecomeCommaSeparatedValues() {
        assertThat(ConfigFile.readYaml("kafka:\n  bootstrap.servers: [a:1, b:2]\n", "test"))
                .containsEntry("kafka.bootstrap.servers", "a:1,b:2");
    }
}
