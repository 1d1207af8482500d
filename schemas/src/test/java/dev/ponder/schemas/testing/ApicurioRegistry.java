package dev.ponder.schemas.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The Apicurio Registry application (unpacked from Maven Central by the build into
 * {@code target/apicurio}) run as a child process on loopback ports, with in-memory storage and a
 * global BACKWARD rule like Confluent's default. One instance per test JVM, started on first use and
 * stopped when the JVM exits.
 */
public final class ApicurioRegistry {
    private static ApicurioRegistry shared;

    private final Process process;
    private final String baseUrl;
    private final Path log;

    private ApicurioRegistry(Process process, String baseUrl, Path log) {
        this.process = process;
        this.baseUrl = baseUrl;
        this.log = log;
    }

    /** The running registry, started on the first call. */
    public static synchronized ApicurioRegistry shared() {
        if (shared == null) {
            shared = start();
            ApicurioRegistry registry = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(registry::stop, "apicurio-stop"));
        }
        return shared;
    }

    /** The Confluent-compatible API's base URL, e.g. {@code http://127.0.0.1:PORT/apis/ccompat/v7}. */
    public String url() {
        return baseUrl;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static ApicurioRegistry start() {
        String dir = System.getProperty("ponder.apicurio.dir", "target/apicurio");
        Path jar = Path.of(dir, "quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("Apicurio Registry is not unpacked at " + jar.toAbsolutePath()
                    + "; run the tests through Maven (./mvnw -pl schemas test), whose process-test-resources phase unpacks "
                    + "io.apicurio:apicurio-registry-app:tar.gz:all there");
        }
        try {
            int port = freePort();
            int managementPort = freePort();
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            Path log = Files.createTempFile("apicurio-registry-", ".log");
            List<String> command = new ArrayList<>(List.of(java.toString(),
                    "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                    "-Dquarkus.http.host=127.0.0.1",
                    "-Dquarkus.http.port=" + port,
                    "-Dquarkus.management.host=127.0.0.1",
                    "-Dquarkus.management.port=" + managementPort,
                    "-Dquarkus.log.level=WARN",
                    "-Dapicurio.rules.global.compatibility=BACKWARD",
                    "-jar", jar.getFileName().toString()));
            Process process = new ProcessBuilder(command)
                    .directory(jar.getParent().toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            String url = "http://127.0.0.1:" + port + "/apis/ccompat/v7";
            ApicurioRegistry registry = new ApicurioRegistry(process, url, log);
            registry.awaitReady(Duration.ofSeconds(120));
            return registry;
        } catch (IOException e) {
            throw new IllegalStateException("Cannot start Apicurio Registry from " + jar + ": " + e, e);
        }
    }

    private void awaitReady(Duration timeout) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Apicurio Registry exited with status " + process.exitValue()
                        + " before it was ready; its log: " + tail());
            }
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/subjects"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stop();
                throw new IllegalStateException("interrupted while waiting for Apicurio Registry", e);
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stop();
                throw new IllegalStateException("interrupted while waiting for Apicurio Registry", e);
            }
        }
        stop();
        throw new IllegalStateException("Apicurio Registry was not ready at " + baseUrl + " within " + timeout + "; its log: " + tail());
    }

    private String tail() {
        try {
            String text = Files.readString(log);
            return text.length() > 4000 ? text.substring(text.length() - 4000) : text;
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    private void stop() {
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
