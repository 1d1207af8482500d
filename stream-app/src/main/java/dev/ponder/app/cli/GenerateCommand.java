package dev.ponder.app.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ponder.core.constrain.AnswerConstraint;
import dev.ponder.core.engine.Engine;
import dev.ponder.core.engine.EngineConfig;
import dev.ponder.core.engine.GenerationRequest;
import dev.ponder.core.engine.GenerationResult;
import dev.ponder.core.sampling.SamplingParams;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Answer one prompt with the embedded engine and print the reasoning and the answer.",
                "Defaults follow QwQ's recommendations (temperature 0.6, top-p 0.95, top-k 40); --temperature 0 is greedy."})
final class GenerateCommand implements Callable<Integer> {
    @Mixin
    ModelOption modelOption;

    @Option(names = {"-p", "--prompt"}, required = true, paramLabel = "TEXT", description = "The user prompt.")
    String prompt;

    @Option(names = "--system", paramLabel = "TEXT", description = "An optional system prompt.")
    String system;

    @Option(names = "--temperature", defaultValue = "0.6", description = "Sampling temperature; 0 is greedy (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--top-p", defaultValue = "0.95", description = "Nucleus sampling mass (default: ${DEFAULT-VALUE}).")
    double topP;

    @Option(names = "--top-k", defaultValue = "40", description = "Sample among the k most likely tokens; 0 is off (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--min-p", defaultValue = "0", description = "Drop tokens below min-p times the top probability (default: ${DEFAULT-VALUE}).")
    double minP;

    @Option(names = "--repetition-penalty", defaultValue = "1.0", description = "Default: ${DEFAULT-VALUE} (off).")
    double repetitionPenalty;

    @Option(names = "--seed", defaultValue = "0", description = "Random seed: same seed, same output (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--max-tokens", defaultValue = "2048", description = "Limit on generated tokens, reasoning included (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--max-reasoning-tokens", defaultValue = "0", description = "Reasoning budget; 0 is none (default: ${DEFAULT-VALUE}).")
    int maxReasoningTokens;

    @Option(names = "--stop", paramLabel = "TEXT", description = "Stop string for the answer (repeatable).")
    List<String> stop;

    @Option(names = "--threads", description = "Compute threads (default: all cores).")
    Integer threads;

    @Option(names = "--n", defaultValue = "1", paramLabel = "N",
            description = "Sample N chains from the one prompt (1 to 16) and vote on their answers (default: ${DEFAULT-VALUE}).")
    int samples;

    /** At most one answer format: a JSON schema, a regex or a list of choices. */
    @CommandLine.ArgGroup(exclusive = true)
    AnswerFormat format;

    static final class AnswerFormat {
        @Option(names = "--json-schema", paramLabel = "JSON", description = "Hold the answer to this JSON schema (JSON text).")
        String jsonSchema;

        @Option(names = "--regex", paramLabel = "PATTERN", description = "Hold the answer to a whole match of this regex.")
        String regex;

        @Option(names = "--choice", paramLabel = "TEXT", description = "Hold the answer to one of these texts (repeatable).")
        List<String> choices;

        AnswerConstraint constraint() {
            return jsonSchema != null ? new AnswerConstraint.JsonSchema(jsonSchema)
                    : regex != null ? new AnswerConstraint.Regex(regex) : new AnswerConstraint.Choice(choices);
        }
    }

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        EngineConfig config = EngineConfig.defaults().withMaxRunning(Math.max(1, samples)).withKv(16, 256L << 20);
        if (threads != null) {
            config = config.withThreads(threads);
        }
        SamplingParams sampling = new SamplingParams(temperature, topK, topP, minP, repetitionPenalty, 0, 0, seed);
        GenerationRequest request = new GenerationRequest("cli", GenerationRequest.messages(system, prompt), sampling,
                maxTokens, maxReasoningTokens, stop, null, null).withResponseFormat(format == null ? null : format.constraint())
                .withSamples(samples);
        GenerationResult result;
        try (Engine engine = Engine.open(modelOption.resolve(), config)) {
            CompletableFuture<GenerationResult> future = engine.submit(request);
            long start = System.nanoTime();
            while (true) {
                try {
                    result = future.get(2, TimeUnit.SECONDS);
                    break;
                } catch (TimeoutException stillRunning) {
                    // Progress for long generations, on stderr so that stdout stays clean.
                    System.err.printf(Locale.ROOT, "generate: %d tokens, %.0f s%n", engine.stats().decodeTokens(),
                            (System.nanoTime() - start) / 1e9);
                }
            }
        }
        if (!result.ok()) {
            throw new IllegalArgumentException(result.finishReason() + ": " + result.error());
        }
        double decodeSeconds = result.timings().decodeMs() / 1000.0;
        double tokensPerSecond = decodeSeconds > 0 ? Math.max(0, result.usage().completionTokens() - 1) / decodeSeconds : 0;
        if (json) {
            ObjectNode node = new ObjectMapper().createObjectNode();
            node.put("reasoning", result.reasoning());
            if (result.answer() == null) {
                node.putNull("answer");
            } else {
                node.put("answer", result.answer());
            }
            node.put("finish_reason", result.finishReason().name().toLowerCase(Locale.ROOT));
            node.put("prompt_tokens", result.usage().promptTokens());
            node.put("completion_tokens", result.usage().completionTokens());
            node.put("reasoning_tokens", result.usage().reasoningTokens());
            node.put("tokens_per_second", Math.round(tokensPerSecond * 10) / 10.0);
            if (result.answerFormatOk() != null) {
                node.put("answer_format_ok", result.answerFormatOk());
            }
            if (result.choices() != null) {
                ArrayNode choices = node.putArray("choices");
                for (GenerationResult.Choice c : result.choices()) {
                    ObjectNode choice = choices.addObject();
                    choice.put("index", c.index());
                    choice.put("answer", c.answer());
                    choice.put("finish_reason", c.finishReason().name().toLowerCase(Locale.ROOT));
                    choice.put("reasoning_tokens", c.reasoningTokens());
                    choice.put("answer_tokens", c.answerTokens());
                }
                if (result.vote() != null) {
                    node.putObject("vote").put("answer", result.vote().answer()).put("count", result.vote().count())
                            .put("counted", result.vote().counted());
                }
            }
            out.println(node);
        } else {
            out.println("--- reasoning ---");
            out.println(result.reasoning());
            out.println("--- answer ---");
            out.println(result.answer() == null ? "(none: " + result.finishReason() + ")" : result.answer());
            if (result.answerFormatOk() != null) {
                out.println(result.answerFormatOk() ? "(matches the format)" : "(does NOT match the format)");
            }
            if (result.choices() != null) {
                out.println("--- chains ---");
                for (GenerationResult.Choice c : result.choices()) {
                    out.printf(Locale.ROOT, "%d: %s  [%s, %d reasoning tokens]%n", c.index(), c.answer(),
                            c.finishReason().name().toLowerCase(Locale.ROOT), c.reasoningTokens());
                }
                out.println(result.vote() == null ? "vote: none (no chain gave an answer that counts)"
                        : "vote: " + result.vote().answer() + " (" + result.vote().count() + " of " + result.vote().counted()
                                + ")");
            }
            out.printf(Locale.ROOT, "--- %s, %d prompt + %d generated tokens (%d reasoning), %.1f tok/s ---%n",
                    result.finishReason().name().toLowerCase(Locale.ROOT), result.usage().promptTokens(),
                    result.usage().completionTokens(), result.usage().reasoningTokens(), tokensPerSecond);
        }
        out.flush();
        return 0;
    }
}
