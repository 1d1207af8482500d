package dev.ponder.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ponder.app.service.PonderService;
import dev.ponder.app.testing.Results;
import dev.ponder.app.testing.TestKafka;
import dev.ponder.app.testing.TestSetup;
import dev.ponder.app.testing.ToolCallingModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import dev.ponder.app.testing.CliRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** submit and tail as a user runs them, against a running service. */
class ClientCommandsTest {
    @TempDir
    Path dir;

    static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void submitSendsAJsonlFileAndTailPrintsTheResults() throws Exception {
        TestSetup setup = new TestSetup("cli", 2);
        Path config = dir.resolve("ponder.yaml");
        Files.writeString(config, """
                kafka:
                  bootstrap.servers: %s
                serde:
                  schema.registry.url: %s
                topics:
                  requests: %s
                  reasoning: %s
                  answers: %s
                """.formatted(TestKafka.bootstrapServers(), setup.registryUrl, setup.requests, setup.reasoning, setup.answers));
        Path jobs = dir.resolve("jobs.jsonl");
        Files.writeString(jobs, """
                {"request_id": "cli-1", "prompt": "What is 47 + 38?", "sampling": {"temperature": 0}, "metadata": {"from": "cli"}}

                {"request_id": "cli-2", "prompt": "Compute 512 - 77.", "sampling": {"temperature": 0}}
                {"request_id": "cli-3", "system": "You are a careful arithmetic assistant. Think step by step, then give the final answer.", "prompt": "Add 5 and 9."}
                """);
        Path bad = dir.resolve("bad.jsonl");
        Files.writeString(bad, "{\"request_id\": \"x\", \"prompt\": \"ok\"}\n{\"request_id\": \"y\", \"promt\": \"typo\"}\n");

        try (PonderService service = PonderService.start(setup.config(Map.of()));
             Results results = new Results(setup)) {
            CliRun rejected = run("submit", "--config", config.toString(), bad.toString());
            assertThat(rejected.exitCode()).isEqualTo(1);
            assertThat(rejected.err()).contains("line 2").contains("promt");

            CliRun submitted = run("submit", "--config", config.toString(), jobs.toString());
            assertThat(submitted.exitCode()).as(submitted.err()).isZero();
            assertThat(submitted.out()).contains("submitted 3 jobs to " + setup.requests);

            Path out = dir.resolve("answers.jsonl");
            CliRun tail = run("tail", "-b", TestKafka.bootstrapServers(), "-r", setup.registryUrl, "-t", setup.answers,
                    "--from-beginning", "--max", "3", "--idle-timeout", "120", "--output", out.toString());
            assertThat(tail.exitCode()).as(tail.err()).isZero();
            List<JsonNode> answers = new ArrayList<>();
            ObjectMapper json = new ObjectMapper();
            for (String line : Files.readAllLines(out)) {
                answers.add(json.readTree(line));
            }
            assertThat(answers).extracting(a -> a.get("request_id").asText()).containsExactlyInAnyOrder("cli-1", "cli-2", "cli-3");
            JsonNode first = answers.stream().filter(a -> a.get("request_id").asText().equals("cli-1")).findFirst().orElseThrow();
            assertThat(first.get("status").asText()).isEqualTo("OK");
            assertThat(first.get("answer").asText()).isEqualTo("The answer is 85.");
            assertThat(first.get("metadata").get("from").asText()).isEqualTo("cli");

            CliRun both = run("tail", "--config", config.toString(), "--what", "both", "--from-beginning", "--max", "6",
                    "--idle-timeout", "60");
            assertThat(both.exitCode()).as(both.err()).isZero();
            List<String> lines = both.out().lines().toList();
            assertThat(lines).hasSize(6);
            assertThat(lines.stream().filter(l -> l.contains("\"record\":\"reasoning\""))).hasSize(3);
            assertThat(lines.stream().filter(l -> l.contains("\"record\":\"answer\""))).hasSize(3);
            assertThat(results.awaitAnswers(3, Duration.ofSeconds(30))).isTrue();
        }
    }

    @Test
    void aToolCallingJobGoesInWithSubmitAndItsCallsComeOutWithTail() throws Exception {
        TestSetup setup = new TestSetup("cli-tools", 1);
        Path jobs = dir.resolve("tool-jobs.jsonl");
        Files.writeString(jobs, """
                {"request_id": "weather-1", "messages": [{"role": "user", "content": "What is the weather in Zürich?"}], "tools": [{"name": "get_weather", "description": "Current weather for a city.", "parameters": "{\\"type\\": \\"object\\", \\"properties\\": {\\"city\\": {\\"type\\": \\"string\\"}}, \\"required\\": [\\"city\\"]}"}], "max_tokens": 32}
                """);
        try (PonderService service = PonderService.start(setup.config(Map.of()),
                engine -> new ToolCallingModel(engine, Map.of("weather-1", ToolCallingModel.WEATHER_CALL)))) {
            CliRun submitted = run("submit", "-b", TestKafka.bootstrapServers(), "-r", setup.registryUrl, "-t", setup.requests,
                    jobs.toString());
            assertThat(submitted.exitCode()).as(submitted.err()).isZero();

            CliRun tail = run("tail", "-b", TestKafka.bootstrapServers(), "-r", setup.registryUrl, "-t", setup.answers,
                    "--from-beginning", "--max", "1", "--idle-timeout", "120");
            assertThat(tail.exitCode()).as(tail.err()).isZero();
            JsonNode answer = new ObjectMapper().readTree(tail.out());
            assertThat(answer.get("status").asText()).isEqualTo("OK");
            assertThat(answer.get("finish_reason").asText()).isEqualTo("tool_calls");
            JsonNode call = answer.get("tool_calls").get(0);
            assertThat(call.get("id").asText()).isEqualTo("weather-1-call-1");
            assertThat(call.get("name").asText()).isEqualTo("get_weather");
            assertThat(call.get("arguments").asText()).isEqualTo("{\"city\": \"Zürich\"}");
        }
    }
}
