package dev.ponder.app.cli;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ponder.app.demo.Demo;
import dev.ponder.app.demo.DemoSummary;
import dev.ponder.app.demo.EmbeddedKafka;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Run the whole system in this process: an embedded KRaft broker, an in-process schema registry,",
                "the service with the bundled tiny reasoner, sample arithmetic jobs (with and without a shared",
                "system prompt); print each job's reasoning and answer as it arrives, then a summary."})
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--jobs", defaultValue = "40", description = "Number of jobs (default: ${DEFAULT-VALUE}).")
    int jobs;

    @Option(names = "--seed", defaultValue = "2026", description = "Seed of the generated problems (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = {"-m", "--model"}, paramLabel = "FILE", description = "GGUF model (default: the bundled tiny reasoner).")
    String model;

    @Option(names = "--threads", description = "Compute threads (default: all cores).")
    Integer threads;

    @Option(names = "--bad-records", defaultValue = "0",
            description = "Also send this many undeserializable records, to see them dead-lettered (default: ${DEFAULT-VALUE}).")
    int badRecords;

    @Option(names = "--timeout", defaultValue = "600", description = "Seconds to wait for all answers (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Option(names = "--quiet", description = "Do not print each job, only the summary.")
    boolean quiet;

    @Option(names = "--json", description = "End with the summary as one JSON line (the last line of stdout).")
    boolean json;

    @Option(names = "--keep-broker", description = "Keep the broker running after the summary (for kcat or `ponder submit`/`tail`) until Ctrl-C.")
    boolean keepBroker;

    @Option(names = "--verbose", description = "Also print the embedded broker's and Kafka Streams' log lines.")
    boolean verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private static void level(String logger, Level level) {
        // Logback's own Logger (SLF4J's, imported here, has no levels to set), so named in full.
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(logger)).setLevel(level);
    }

    @Override
    public Integer call() throws Exception {
        if (jobs < 1) {
            throw new IllegalArgumentException("--jobs must be at least 1");
        }
        PrintWriter out = spec.commandLine().getOut();
        if (System.getenv("PONDER_LOG_LEVEL") == null && !verbose) {
            // The demo talks through its own lines; the broker's and Kafka Streams' logs would drown them (their
            // warnings are about the embedded broker's and the demo's own settings). Errors still show.
            level(Logger.ROOT_LOGGER_NAME, Level.WARN);
            for (String thirdParty : new String[] {"org.apache.kafka", "kafka", "state.change.logger", "org.apache.zookeeper"}) {
                level(thirdParty, Level.ERROR);
            }
        }
        System.err.println("demo: starting an embedded Kafka broker...");
        DemoSummary summary;
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            System.err.println("demo: broker at " + kafka.bootstrapServers());
            Demo demo = new Demo(new Demo.Options(jobs, seed, model, threads, badRecords, Duration.ofSeconds(timeoutSeconds), !quiet),
                    out, message -> System.err.println("demo: " + message));
            summary = demo.run(kafka.bootstrapServers());
            printSummary(out, summary);
            if (keepBroker) {
                System.err.println("demo: broker kept at " + kafka.bootstrapServers()
                        + " (topics ponder.requests, ponder.reasoning, ponder.answers); Ctrl-C to stop");
                CountDownLatch stop = new CountDownLatch(1);
                Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
                stop.await();
            }
        }
        return summary.answered() == summary.jobs() && summary.duplicates() == 0 ? 0 : 1;
    }

    private void printSummary(PrintWriter out, DemoSummary s) {
        out.printf(Locale.ROOT, "%nsummary: %d jobs, %d answered, %d correct, %d duplicates, %d dead-lettered, in %.1f s%n",
                s.jobs(), s.answered(), s.correct(), s.duplicates(), s.deadLettered(), s.seconds());
        out.printf(Locale.ROOT, "engine: %.1f decode tok/s (over step time), prefix-cache hit rate %.2f; latency p50 %.0f ms, p95 %.0f ms%n",
                s.decodeTokensPerSecond(), s.prefixCacheHitRate(), s.p50Ms(), s.p95Ms());
        if (json) {
            ObjectNode n = new ObjectMapper().createObjectNode();
            n.put("jobs", s.jobs());
            n.put("answered", s.answered());
            n.put("correct", s.correct());
            n.put("duplicates", s.duplicates());
            n.put("dead_lettered", s.deadLettered());
            n.put("decode_tokens_per_s", Math.round(s.decodeTokensPerSecond() * 10) / 10.0);
            n.put("prefix_cache_hit_rate", Math.round(s.prefixCacheHitRate() * 1000) / 1000.0);
            n.put("prompt_tokens", s.promptTokens());
            n.put("cached_prompt_tokens", s.cachedPromptTokens());
            n.put("p50_ms", Math.round(s.p50Ms()));
            n.put("p95_ms", Math.round(s.p95Ms()));
            n.put("seconds", Math.round(s.seconds() * 10) / 10.0);
            out.println(n);
        }
        out.flush();
    }
}
