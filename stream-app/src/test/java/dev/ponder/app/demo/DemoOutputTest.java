package dev.ponder.app.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What a user sees from {@code ponder demo}, in a JVM of its own (as the launcher runs it, so that everything
 * the broker, Kafka Streams or the JVM print is seen, with the launcher's JVM options): the demo's lines and
 * ponder's own log lines (loggers {@code d.p.*}: e.g. the dead letter the demo provokes), no third-party line.
 */
class DemoOutputTest {
    /** The marks of a third-party line: Kafka's loggers and packages, its formatter's output, log levels. */
    private static final Pattern THIRD_PARTY = Pattern.compile(
            "org\\.apache|\\bo\\.a\\.k\\.|\\bkafka\\.[a-z]|Bootstrap metadata|Formatting metadata|\\bWARN\\b|\\bERROR\\b|i\\.m\\.p\\.");

    @Test
    void theDemoPrintsOnlyItsOwnLines() throws Exception {
        String model = Path.of(System.getProperty("ponder.models.dir", "../models")).resolve("tiny-reasoner-q8_0.gguf").toString();
        Path output = Files.createTempFile("ponder-demo-", ".out");
        Process demo = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow", "-Xmx1g",
                "-cp", System.getProperty("java.class.path"), "dev.ponder.app.cli.PonderCli",
                "demo", "--jobs", "4", "--bad-records", "1", "--threads", "2", "--model", model)
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        boolean ended = demo.waitFor(3, TimeUnit.MINUTES);
        if (!ended) {
            demo.destroyForcibly();
        }
        List<String> lines = Files.readAllLines(output);
        assertThat(ended).as(String.join("\n", lines)).isTrue();
        assertThat(demo.exitValue()).as(String.join("\n", lines)).isZero();
        assertThat(lines).anyMatch(l -> l.startsWith("demo: service up")).anyMatch(l -> l.startsWith("summary: 4 jobs"));
        // the tool-calling job went through the service and was answered (in text: the tiny model calls no tools)
        assertThat(lines).anyMatch(l -> l.startsWith("[tool job] demo-tool"))
                .anyMatch(l -> l.startsWith("    => The answer is 75.  [OK, finish reason eos, 0 tool calls]"));
        // the structured job: five chains from one prompt, each answer held to the regex, and their vote
        assertThat(lines).anyMatch(l -> l.startsWith("[structured job] demo-structured: What is 318 + 407?"));
        assertThat(lines.stream().filter(l -> l.matches("    chain [0-4]: The answer is -?[0-9]+\\.  \\[OK, [0-9]+ reasoning"
                + " tokens, format ok]"))).hasSize(5);
        assertThat(lines).anyMatch(l -> l.matches("    => vote: The answer is 725\\.  \\([3-5] of 5 chains\\)"));
        assertThat(lines).as("third-party lines").noneMatch(l -> THIRD_PARTY.matcher(l).find() && !l.contains(" d.p."));
    }
}
