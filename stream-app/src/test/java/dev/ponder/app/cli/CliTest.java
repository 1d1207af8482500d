package dev.ponder.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import dev.ponder.app.testing.CliRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The commands as a user runs them, on the bundled model. */
class CliTest {
    static final String MODEL = Path.of(System.getProperty("ponder.models.dir", "../models"))
            .resolve("tiny-reasoner-q8_0.gguf").toString();

    @TempDir
    Path dir;

    static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void tokenizePrintsIdsSeparatedBySingleSpaces() {
        CliRun r = run("tokenize", "--model", MODEL, "--text", "What is 47 + 38?");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).isEqualTo("3838 374 220 19 22 488 220 18 23 30" + System.lineSeparator());
    }

    @Test
    void controlTokenTextIsPlainUnlessSpecialIsGiven() {
        assertThat(run("tokenize", "--model", MODEL, "--text", "<|im_start|>user").out().trim())
                .isEqualTo("27 91 318 4906 91 29 872");
        assertThat(run("tokenize", "--model", MODEL, "--special", "--text", "<|im_start|>user").out().trim())
                .isEqualTo("151644 872");
    }

    @Test
    void jsonlGivesOneLinePerInput() throws Exception {
        Path jsonl = dir.resolve("in.jsonl");
        Files.writeString(jsonl, "{\"text\": \"Hello world\"}\n{\"text\": \"\"}\n{\"text\": \"<think>\"}\n");
        CliRun r = run("tokenize", "--model", MODEL, "--special", "--jsonl", jsonl.toString());
        assertThat(r.out().split("\\R", -1)).containsExactly("9707 1879", "", "151667", "");
    }

    @Test
    void inspectShowsArchitectureHyperparametersAndTensors() {
        CliRun r = run("inspect", "--model", MODEL);
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("architecture:  qwen2")
                .containsPattern("embedding_length\\s+128")
                .containsPattern("head_count_kv\\s+2")
                .contains("151936 tokens, 151387 merges")
                .contains("chat template: present")
                .containsPattern("token_embd.weight\\s+Q8_0\\s+\\[128, 151936\\]\\s+20663296");
    }

    @Test
    void aBadFileIsOneClearLineAndExitCodeOne() throws Exception {
        Path bad = dir.resolve("bad.gguf");
        Files.write(bad, new byte[] {'N', 'O', 'P', 'E', 3, 0, 0, 0});
        CliRun r = run("inspect", bad.toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("ponder inspect:").contains("not a GGUF file").doesNotContain("Exception");
        CliRun missing = run("tokenize", "--model", dir.resolve("missing.gguf").toString(), "--text", "x");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).contains("no such file");
    }

    @Test
    void generateAnswersArithmeticProblemsAsJson() throws Exception {
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        int correct = 0;
        var problems = dev.ponder.core.bench.ArithmeticProblems.generate(10, 31337);
        for (var p : problems) {
            java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("generate", "--model", MODEL,
                    "--prompt", p.prompt(), "--temperature", "0", "--threads", "2", "--json"));
            if (p.system() != null) {
                args.addAll(java.util.List.of("--system", p.system()));
            }
            CliRun r = run(args.toArray(String[]::new));
            assertThat(r.exitCode()).as(r.err()).isZero();
            var json = mapper.readTree(r.out());
            assertThat(json.path("finish_reason").asText()).isEqualTo("stop");
            assertThat(json.path("reasoning_tokens").asInt()).isPositive();
            assertThat(json.path("completion_tokens").asInt()).isGreaterThan(json.path("reasoning_tokens").asInt());
            assertThat(json.path("reasoning").asText()).startsWith("We need");
            if (p.isCorrect(json.path("answer").asText(null))) {
                correct++;
            }
        }
        assertThat(correct).isGreaterThanOrEqualTo(9);
    }

    @Test
    void generateHoldsTheAnswerToAFormatAndRejectsAnUnsupportedOne() throws Exception {
        CliRun r = run("generate", "--model", MODEL, "--prompt", "What is 47 + 38?", "--temperature", "0", "--threads", "2",
                "--json", "--choice", "yes", "--choice", "no");
        assertThat(r.exitCode()).as(r.err()).isZero();
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.out());
        assertThat(json.path("answer").asText()).isIn("yes", "no");
        assertThat(json.path("answer_format_ok").asBoolean()).isTrue();
        CliRun ref = run("generate", "--model", MODEL, "--prompt", "What is 1 + 1?", "--threads", "2",
                "--json-schema", "{\"$ref\": \"#/a\"}");
        assertThat(ref.exitCode()).isEqualTo(1);
        assertThat(ref.err()).contains("INVALID").contains("'$ref'");
    }

    @Test
    void everyCommandHasHelp() {
        for (String command : new String[] {"inspect", "tokenize", "bench", "generate", "render"}) {
            CliRun r = run(command, "--help");
            assertThat(r.exitCode()).as(command).isZero();
            assertThat(r.out()).as(command).contains("Usage: ponder " + command);
        }
    }

    @Test
    void renderPrintsTheExactPromptOfARequest() {
        CliRun r = run("render", "--model", MODEL, "--request",
                "{\"system\": \"Be brief.\", \"prompt\": \"What is 47 + 38?\"}");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nWhat is 47 + 38?<|im_end|>\n"
                + "<|im_start|>assistant\n<think>\n");
        assertThat(r.err()).containsPattern("render: render: \\d+ prompt tokens");
    }

    @Test
    void renderWithQwqsTemplateMatchesPythonJinjaOnAToolConversation() throws Exception {
        Path chat = Path.of("../inference-core/src/test/resources/dev/ponder/core/chat");
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        var spec = json.readTree(chat.resolve("fidelity/conversations.json").toFile());
        var conversation = java.util.stream.StreamSupport.stream(spec.get("conversations").spliterator(), false)
                .filter(c -> c.get("name").asText().equals("tool-calls-then-results")).findFirst().orElseThrow();
        var request = json.createObjectNode();
        request.set("messages", conversation.get("messages"));
        request.set("tools", spec.get("tools"));
        CliRun r = run("render", "--model", MODEL, "--chat-template", chat.resolve("qwq-32b.jinja").toString(), "--json",
                "--request", request.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        var out = json.readTree(r.out());
        assertThat(out.get("prompt").asText())
                .isEqualTo(Files.readString(chat.resolve("fidelity/qwq-32b/tool-calls-then-results.txt")));
        assertThat(out.get("prompt_tokens").asInt()).isGreaterThan(100);
    }

    @Test
    void renderSaysWhyARequestWouldBeRejected() {
        CliRun r = run("render", "--model", MODEL, "--request",
                "{\"prompt\": \"Hi\", \"tools\": [{\"name\": \"f\", \"parameters\": \"{not json\"}]}");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("would be answered INVALID").contains("parameters of tool 'f'");
    }
}
