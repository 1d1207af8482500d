package dev.ponder.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.ponder.schemas.avro.AnswerRecord;
import dev.ponder.schemas.avro.ReasoningRecord;
import dev.ponder.schemas.testing.FakeConfluentRegistry;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.apache.avro.Schema;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP client's failover, retries, timeouts, auth, caching and TLS, against a fault-injecting server. */
class HttpSchemaRegistryClientTest {
    private FakeConfluentRegistry server;

    @BeforeEach
    void start() throws Exception {
        server = new FakeConfluentRegistry();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpSchemaRegistryClient client(Map<String, Object> extra) {
        Map<String, Object> configs = new HashMap<>();
        configs.put("schema.registry.url", server.url());
        configs.put("retries.wait.ms", 5);
        configs.put("retries.max.wait.ms", 20);
        configs.putAll(extra);
        return new HttpSchemaRegistryClient(RegistryClientConfig.fromConfigs(configs));
    }

    private static int closedPort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Test
    void retriesServerErrorsWithBackoffThenSucceeds() {
        try (HttpSchemaRegistryClient client = client(Map.of())) {
            server.failNext(2, 503);
            int id = client.register("s-value", ReasoningRecord.getClassSchema());
            assertThat(id).isEqualTo(1);
            assertThat(server.requests()).hasSize(3).allMatch(r -> r.equals("POST /subjects/s-value/versions"));
        }
    }

    @Test
    void givesUpAfterMaxRetriesNamingUrlSubjectAndStatus() {
        try (HttpSchemaRegistryClient client = client(Map.of("max.retries", 2))) {
            server.failNext(100, 500);
            assertThatThrownBy(() -> client.register("s-value", ReasoningRecord.getClassSchema()))
                    .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                        assertThat(e.status()).isEqualTo(500);
                        assertThat(e.subject()).isEqualTo("s-value");
                        assertThat(e.url()).isEqualTo(server.url());
                        assertThat(e.getMessage()).contains(server.url()).contains("'s-value'").contains("HTTP 500")
                                .contains("3 attempt(s)").contains("injected failure");
                    });
            assertThat(server.requests()).hasSize(3);
        }
    }

    @Test
    void clientErrorsAreNotRetried() {
        try (HttpSchemaRegistryClient client = client(Map.of())) {
            assertThatThrownBy(() -> client.lookup("nothing-value", ReasoningRecord.getClassSchema()))
                    .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                        assertThat(e.isNotFound()).isTrue();
                        assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.SUBJECT_NOT_FOUND);
                        assertThat(e.getMessage()).contains("HTTP 404").contains("40401").contains("'nothing-value'")
                                .contains(server.url());
                    });
            assertThat(server.requests()).hasSize(1);
        }
    }

    @Test
    void failsOverToTheNextUrlAndStaysThere() throws Exception {
        String dead = "http://127.0.0.1:" + closedPort();
        try (HttpSchemaRegistryClient client = client(Map.of("schema.registry.url", dead + " , " + server.url()))) {
            assertThat(client.config().urls()).containsExactly(dead, server.url());
            int id = client.register("f-value", AnswerRecord.getClassSchema());
            assertThat(client.latest("f-value").id()).isEqualTo(id);
            assertThat(server.requests()).hasSize(2);
        }
        try (HttpSchemaRegistryClient client = client(Map.of("schema.registry.url", dead, "max.retries", 1))) {
            assertThatThrownBy(() -> client.getById(1))
                    .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                        assertThat(e.status()).isEqualTo(-1);
                        assertThat(e.getMessage()).contains(dead).contains("without an HTTP answer").contains("2 attempt(s)");
                    });
        }
    }

    @Test
    void slowAnswersTimeOut() {
        try (HttpSchemaRegistryClient client = client(Map.of("http.read.timeout.ms", 150, "max.retries", 0))) {
            server.delay(1500);
            long start = System.nanoTime();
            assertThatThrownBy(() -> client.getById(1))
                    .isInstanceOfSatisfying(SchemaRegistryException.class,
                            e -> assertThat(e.getMessage()).contains("timed out").contains(server.url()));
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(1400);
        }
    }

    @Test
    void basicAuthFromUserInfoOrFromTheUrl() {
        server.requireBasicAuth("alice", "s3cr:et");
        try (HttpSchemaRegistryClient anonymous = client(Map.of())) {
            assertThatThrownBy(() -> anonymous.register("a-value", ReasoningRecord.getClassSchema()))
                    .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                        assertThat(e.status()).isEqualTo(401);
                        assertThat(e.getMessage()).contains("HTTP 401").contains("basic.auth.user.info");
                    });
        }
        try (HttpSchemaRegistryClient withUserInfo = client(Map.of(
                "basic.auth.credentials.source", "USER_INFO", "basic.auth.user.info", "alice:s3cr:et"))) {
            assertThat(withUserInfo.register("a-value", ReasoningRecord.getClassSchema())).isPositive();
        }
        String withCredentials = server.url().replace("http://", "http://alice:s3cr%3Aet@");
        try (HttpSchemaRegistryClient fromUrl = client(Map.of("schema.registry.url", withCredentials))) {
            assertThat(fromUrl.config().urls()).containsExactly(server.url());
            assertThat(fromUrl.lookup("a-value", ReasoningRecord.getClassSchema()).version()).isEqualTo(1);
        }
        try (HttpSchemaRegistryClient wrong = client(Map.of(
                "basic.auth.credentials.source", "USER_INFO", "basic.auth.user.info", "alice:wrong"))) {
            assertThatThrownBy(() -> wrong.getById(1)).isInstanceOf(SchemaRegistryException.class).hasMessageContaining("401");
        }
    }

    @Test
    void idsAreCachedAndLatestHonoursItsTtl() {
        try (HttpSchemaRegistryClient client = client(Map.of());
             HttpSchemaRegistryClient uncached = client(Map.of("latest.cache.ttl.sec", 0))) {
            int id = client.register("c-value", ReasoningRecord.getClassSchema());
            client.register("c-value", ReasoningRecord.getClassSchema());
            client.getById(id);
            client.latest("c-value");
            client.latest("c-value");
            assertThat(server.requests()).containsExactly("POST /subjects/c-value/versions", "GET /subjects/c-value/versions/latest");
            assertThat(uncached.getById(id)).isEqualTo(PublishedSchemas.of(ReasoningRecord.getClassSchema()));
            assertThat(uncached.getById(id)).isEqualTo(PublishedSchemas.of(ReasoningRecord.getClassSchema()));
            uncached.latest("c-value");
            uncached.latest("c-value");
            assertThat(server.requests()).hasSize(2 + 1 + 2);
        }
    }

    @Test
    void subjectLevelConfigFallsBackToTheGlobalLevelOnConfluents404() {
        try (HttpSchemaRegistryClient client = client(Map.of())) {
            client.register("g-value", ReasoningRecord.getClassSchema());
            assertThat(client.compatibility("g-value")).isEqualTo(CompatibilityLevel.BACKWARD);
            assertThat(server.requests()).endsWith("GET /config/g-value", "GET /config");
            client.setCompatibility("g-value", CompatibilityLevel.NONE);
            assertThat(client.compatibility("g-value")).isEqualTo(CompatibilityLevel.NONE);
            // Confluent answers 404 to a compatibility check on a subject without versions: nothing to break
            CompatibilityResult fresh = client.testCompatibility("fresh-value", ReasoningRecord.getClassSchema());
            assertThat(fresh.compatible()).isTrue();
            assertThat(fresh.messages()).singleElement().asString().contains("no versions");
        }
    }

    @Test
    void subjectsAreUrlEncoded() {
        try (HttpSchemaRegistryClient client = client(Map.of())) {
            String subject = "odd topic/ä+b-value";
            int id = client.register(subject, ReasoningRecord.getClassSchema());
            assertThat(client.lookup(subject, ReasoningRecord.getClassSchema()).id()).isEqualTo(id);
            assertThat(client.subjects()).containsExactly(subject);
            assertThat(server.requests().getFirst()).isEqualTo("POST /subjects/odd%20topic%2F%C3%A4%2Bb-value/versions");
        }
    }

    @Test
    void configurationErrorsAreExplicit() {
        assertThatThrownBy(() -> RegistryClientConfig.fromConfigs(Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("schema.registry.url");
        assertThatThrownBy(() -> RegistryClientConfig.fromConfigs(Map.of("schema.registry.url", "ftp://x")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("ftp://x");
        assertThatThrownBy(() -> RegistryClientConfig.fromConfigs(Map.of("schema.registry.url", "http://x",
                "basic.auth.credentials.source", "USER_INFO")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("basic.auth.user.info");
        assertThatThrownBy(() -> RegistryClientConfig.fromConfigs(Map.of("schema.registry.url", "http://x",
                "basic.auth.credentials.source", "SASL_INHERIT")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("SASL_INHERIT");
        assertThatThrownBy(() -> RegistryClientConfig.fromConfigs(Map.of("schema.registry.url", "http://x", "max.retries", "lots")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("max.retries");
        assertThatThrownBy(() -> SchemaRegistryClients.fromConfigs(Map.of("schema.registry.url", "mock://a,http://b")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("mock://");
        assertThatThrownBy(() -> SchemaRegistryClients.fromConfigs(Map.of("schema.registry.url", "mock://")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("scope");
        RegistryClientConfig list = RegistryClientConfig.fromConfigs(Map.of("schema.registry.url",
                List.of("https://a.example:8081/", "http://b.example/registry/")));
        assertThat(list.urls()).containsExactly("https://a.example:8081", "http://b.example/registry");
    }

    @Test
    void trustsAServerCertificateFromTheConfiguredTrustStore(@TempDir Path dir) throws Exception {
        Path store = dir.resolve("registry.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "registry", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                "-ext", "SAN=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", store.toString(), "-storepass", "changeit")
                .redirectErrorStream(true).start();
        String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(keytool.waitFor()).as(output).isZero();

        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keys.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, "changeit".toCharArray());
        SSLContext serverContext = SSLContext.getInstance("TLS");
        serverContext.init(kmf.getKeyManagers(), null, null);
        HttpsServer https = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        https.setHttpsConfigurator(new HttpsConfigurator(serverContext));
        https.createContext("/schemas/ids/7", exchange -> {
            byte[] body = "{\"schema\":\"\\\"string\\\"\"}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        https.start();
        try {
            String url = "https://127.0.0.1:" + https.getAddress().getPort();
            try (HttpSchemaRegistryClient trusting = new HttpSchemaRegistryClient(RegistryClientConfig.fromConfigs(Map.of(
                    "schema.registry.url", url,
                    "schema.registry.ssl.truststore.location", store.toString(),
                    "schema.registry.ssl.truststore.password", "changeit")))) {
                assertThat(trusting.getById(7)).isEqualTo(Schema.create(Schema.Type.STRING));
            }
            try (HttpSchemaRegistryClient untrusting = new HttpSchemaRegistryClient(RegistryClientConfig.fromConfigs(Map.of(
                    "schema.registry.url", url, "max.retries", 0)))) {
                assertThatThrownBy(() -> untrusting.getById(7))
                        .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                            assertThat(e.getMessage()).contains(url).contains("without an HTTP answer");
                            assertThat(e.getMessage()).contains("SSLHandshakeException");
                        });
            }
        } finally {
            https.stop(0);
        }
    }
}
