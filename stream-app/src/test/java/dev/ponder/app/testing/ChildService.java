package dev.ponder.app.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The service as an operator runs it, {@code ponder run --config FILE}, in a child JVM with the test's
 * classpath: it can be killed for real (SIGKILL, no chance to commit or close) or stopped with SIGTERM.
 */
public final class ChildService implements AutoCloseable {
    private static final Pattern WITH_ENGINE = Pattern.compile("\"with_engine\":(\\d+)");

    private final Process process;
    private final Path log;
    private final int httpPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    private ChildService(Process process, Path log, int httpPort) {
        this.process = process;
        this.log = log;
        this.httpPort = httpPort;
    }

    public static ChildService start(Map<String, String> settings) throws IOException {
        int port = Registry.freePort();
        Properties props = new Properties();
        props.putAll(settings);
        props.put("http.port", Integer.toString(port));
        Path config = Files.createTempFile("ponder-child-", ".properties");
        try (var out = Files.newBufferedWriter(config)) {
            props.store(out, "child service of a test");
        }
        Path log = Files.createTempFile("ponder-child-", ".log");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx768m",
                "-cp", System.getProperty("java.class.path"), "dev.ponder.app.cli.PonderCli", "run", "--config", config.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new ChildService(process, log, port);
    }

    /** Waits until /ready answers 200. */
    public void awaitReady(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the child service exited with " + process.exitValue() + ":\n" + logTail());
            }
            if (ready() != null) {
                return;
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("the child service was not ready within " + timeout + ":\n" + logTail());
    }

    /** The /ready body when it answers 200, else null. */
    public String ready() throws InterruptedException {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/ready"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? r.body() : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Jobs the child has handed to its engine and not yet answered (from /ready), or -1 when it does not answer. */
    public int withEngine() throws InterruptedException {
        String body = ready();
        if (body == null) {
            return -1;
        }
        Matcher m = WITH_ENGINE.matcher(body);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    /** SIGKILL: the JVM ends at once, nothing is committed or closed. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM, then waits for the exit; returns the exit code. */
    public int terminate(Duration timeout) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("the child service did not exit within " + timeout + " of SIGTERM:\n" + logTail());
        }
        return process.exitValue();
    }

    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    public String logTail() {
        String text = log();
        return text.length() > 6000 ? text.substring(text.length() - 6000) : text;
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
