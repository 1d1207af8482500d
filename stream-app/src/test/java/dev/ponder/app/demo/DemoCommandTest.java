package dev.ponder.app.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ponder.app.testing.CliRun;
import java.nio.file.Path;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** The README's "run" command, end to end in this JVM: embedded broker, registry, service, jobs, summary. */
class DemoCommandTest {
    @Test
    void theDemoAnswersEveryJobOnceAndEndsWithAJsonSummary() throws Exception {
        String model = Path.of(System.getProperty("ponder.models.dir", "../models")).resolve("tiny-reasoner-q8_0.gguf").toString();
        CliRun run = CliRun.of("demo", "--jobs", "12", "--bad-records", "1", "--threads", "2", "--model", model, "--json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        String[] lines = run.out().strip().split("\\R");
        JsonNode summary = new ObjectMapper().readTree(lines[lines.length - 1]);
        System.out.println("demo summary: " + summary);
        assertThat(summary.path("jobs").asInt()).isEqualTo(12);
        assertThat(summary.path("answered").asInt()).isEqualTo(12);
        assertThat(summary.path("duplicates").asInt()).isZero();
        assertThat(summary.path("dead_lettered").asInt()).isEqualTo(1);
        assertThat(summary.path("correct").asInt()).isGreaterThanOrEqualTo(11);
        assertThat(summary.path("decode_tokens_per_s").asDouble()).isPositive();
        assertThat(summary.path("p95_ms").asDouble()).isGreaterThanOrEqualTo(summary.path("p50_ms").asDouble());
        // The engine's hit rate counts each request once, so it is the answers' cached share of their prompt tokens.
        long promptTokens = summary.path("prompt_tokens").asLong();
        long cachedPromptTokens = summary.path("cached_prompt_tokens").asLong();
        assertThat(promptTokens).isGreaterThan(12 * 10);
        // How many prompt tokens the cache serves depends on how the jobs' arrival spreads over steps (jobs admitted
        // in one step find nothing cached yet), so only the agreement of the two counts is asserted.
        assertThat(cachedPromptTokens).isBetween(0L, promptTokens);
        assertThat(summary.path("prefix_cache_hit_rate").asDouble())
                .isCloseTo((double) cachedPromptTokens / promptTokens, Offset.offset(0.0006));
        // each job was printed with its reasoning and its answer
        assertThat(run.out()).contains("[12/12]").contains("    | We need").contains("=> The answer is");
    }
}
