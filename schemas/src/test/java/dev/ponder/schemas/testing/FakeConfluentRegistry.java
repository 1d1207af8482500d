package dev.ponder.schemas.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.ponder.schemas.registry.CompatibilityLevel;
import dev.ponder.schemas.registry.CompatibilityResult;
import dev.ponder.schemas.registry.MockSchemaRegistry;
import dev.ponder.schemas.registry.RegisteredSchema;
import dev.ponder.schemas.registry.SchemaRegistryException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.Schema;

/**
 * A small HTTP server speaking the Confluent Schema Registry REST API with Confluent's answers
 * (404 40401/40403, 409, {@code GET /config/{s}} 404 without a subject level), backed by a
 * {@link MockSchemaRegistry} scope. Used to drive the HTTP client through faults a real registry
 * will not produce on demand: 5xx answers, slow answers, basic auth.
 */
public final class FakeConfluentRegistry implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final MockSchemaRegistry store;
    private final String scope = "fake-http-" + UUID.randomUUID();
    private final List<String> requests = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private volatile int failureStatus = 503;
    private final AtomicLong delayMillis = new AtomicLong();
    private volatile String requiredAuthorization;

    public FakeConfluentRegistry() throws IOException {
        store = MockSchemaRegistry.forScope(scope);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The registry behind the server. */
    public MockSchemaRegistry store() {
        return store;
    }

    /** "METHOD /path" of every request received, in order. */
    public List<String> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    /** The next {@code count} requests get {@code status} with a Confluent-style error body. */
    public void failNext(int count, int status) {
        failureStatus = status;
        failuresLeft.set(count);
    }

    /** Every answer waits this long first. */
    public void delay(long millis) {
        delayMillis.set(millis);
    }

    /** Demands HTTP basic auth with these credentials (401 otherwise). */
    public void requireBasicAuth(String user, String password) {
        requiredAuthorization = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
        MockSchemaRegistry.dropScope(scope);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getRawPath();
            requests.add(method + " " + path);
            long delay = delayMillis.get();
            if (delay > 0) {
                Thread.sleep(delay);
            }
            if (requiredAuthorization != null
                    && !requiredAuthorization.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                send(exchange, 401, error(401, "Unauthorized"));
                return;
            }
            if (failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                send(exchange, failureStatus, error(50001, "injected failure"));
                return;
            }
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            route(exchange, method, segments(path), body);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static List<String> segments(String rawPath) {
        List<String> parts = new ArrayList<>();
        for (String part : rawPath.split("/")) {
            if (!part.isEmpty()) {
                parts.add(URLDecoder.decode(part, StandardCharsets.UTF_8));
            }
        }
        return parts;
    }

    private void route(HttpExchange exchange, String method, List<String> p, String body) throws IOException {
        try {
            if (method.equals("GET") && p.size() == 1 && p.get(0).equals("subjects")) {
                send(exchange, 200, JSON.writeValueAsString(store.subjects()));
            } else if (method.equals("POST") && p.size() == 3 && p.get(0).equals("subjects") && p.get(2).equals("versions")) {
                int id = store.register(p.get(1), schemaOf(body));
                send(exchange, 200, JSON.createObjectNode().put("id", id).toString());
            } else if (method.equals("POST") && p.size() == 2 && p.get(0).equals("subjects")) {
                RegisteredSchema found = store.lookup(p.get(1), schemaOf(body));
                send(exchange, 200, registered(found).toString());
            } else if (method.equals("GET") && p.size() == 3 && p.get(0).equals("schemas") && p.get(1).equals("ids")) {
                Schema schema = store.getById(Integer.parseInt(p.get(2)));
                send(exchange, 200, JSON.createObjectNode().put("schema", schema.toString()).toString());
            } else if (method.equals("GET") && p.size() == 4 && p.get(0).equals("subjects") && p.get(3).equals("latest")) {
                send(exchange, 200, registered(store.latest(p.get(1))).toString());
            } else if (method.equals("POST") && p.size() == 5 && p.get(0).equals("compatibility")) {
                if (!store.subjects().contains(p.get(2))) {
                    send(exchange, 404, error(40401, "Subject '" + p.get(2) + "' not found."));
                    return;
                }
                CompatibilityResult result = store.testCompatibility(p.get(2), schemaOf(body));
                ObjectNode answer = JSON.createObjectNode().put("is_compatible", result.compatible());
                result.messages().forEach(answer.putArray("messages")::add);
                send(exchange, 200, answer.toString());
            } else if (method.equals("GET") && p.size() == 1 && p.get(0).equals("config")) {
                send(exchange, 200, JSON.createObjectNode().put("compatibilityLevel", store.globalCompatibility().name()).toString());
            } else if (method.equals("GET") && p.size() == 2 && p.get(0).equals("config")) {
                var level = store.subjectCompatibility(p.get(1));
                if (level.isEmpty()) {
                    send(exchange, 404, error(40408, "Subject '" + p.get(1) + "' does not have subject-level compatibility configured"));
                } else {
                    send(exchange, 200, JSON.createObjectNode().put("compatibilityLevel", level.get().name()).toString());
                }
            } else if (method.equals("PUT") && p.size() == 2 && p.get(0).equals("config")) {
                String level = JSON.readTree(body).get("compatibility").asText();
                store.setCompatibility(p.get(1), CompatibilityLevel.parse(level));
                send(exchange, 200, JSON.createObjectNode().put("compatibility", level).toString());
            } else {
                send(exchange, 404, error(404, "HTTP 404 Not Found"));
            }
        } catch (SchemaRegistryException e) {
            send(exchange, e.status(), error(e.errorCode(), e.getMessage()));
        } catch (RuntimeException e) {
            send(exchange, 422, error(42201, "Invalid schema: " + e.getMessage()));
        }
    }

    private static Schema schemaOf(String body) throws IOException {
        JsonNode json = JSON.readTree(body);
        return new Schema.Parser().parse(json.get("schema").asText());
    }

    private static ObjectNode registered(RegisteredSchema found) {
        return JSON.createObjectNode().put("subject", found.subject()).put("version", found.version())
                .put("id", found.id()).put("schema", found.schema().toString());
    }

    private static String error(int code, String message) {
        return JSON.createObjectNode().put("error_code", code).put("message", message).toString();
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/vnd.schemaregistry.v1+json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
