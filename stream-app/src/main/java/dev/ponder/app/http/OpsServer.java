package dev.ponder.app.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operations endpoint: {@code /health} (liveness: 200 unless the service has failed), {@code /ready}
 * (200 once the model is loaded and Kafka Streams is RUNNING, 503 before and while shutting down) and
 * {@code /metrics} (Prometheus text format). Plain JDK HTTP server, one small thread pool.
 */
public final class OpsServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OpsServer.class);

    /** A check's outcome: whether it passes and a one-line JSON body. */
    public record Status(boolean ok, String json) {
    }

    private final HttpServer server;
    private final ExecutorService executor;

    private OpsServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    public static OpsServer start(String host, int port, Supplier<Status> health, Supplier<Status> ready,
                                  Supplier<String> metrics) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 16);
        server.createContext("/health", ex -> respond(ex, health.get()));
        server.createContext("/ready", ex -> respond(ex, ready.get()));
        server.createContext("/metrics", ex -> send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.get()));
        server.createContext("/", ex -> send(ex, 404, "text/plain; charset=utf-8", "try /health, /ready or /metrics\n"));
        ExecutorService executor = Executors.newFixedThreadPool(2, Thread.ofPlatform().name("ponder-http-", 0).daemon().factory());
        server.setExecutor(executor);
        server.start();
        LOG.info("HTTP endpoint on {}:{} (/health, /ready, /metrics)", host, server.getAddress().getPort());
        return new OpsServer(server, executor);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static void respond(HttpExchange exchange, Status status) throws IOException {
        send(exchange, status.ok() ? 200 : 503, "application/json", status.json() + "\n");
    }

    private static void send(HttpExchange exchange, int code, String type, String body) throws IOException {
        try (exchange) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", type);
            if ("HEAD".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(code, -1);
                return;
            }
            exchange.sendResponseHeaders(code, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        } catch (RuntimeException e) {
            LOG.warn("HTTP {} failed", exchange.getRequestURI(), e);
            throw e;
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
