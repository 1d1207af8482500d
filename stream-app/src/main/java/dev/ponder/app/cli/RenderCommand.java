package dev.ponder.app.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ponder.app.config.EngineSettings;
import dev.ponder.app.config.JobSettings;
import dev.ponder.app.config.ServiceConfig;
import dev.ponder.app.stream.RequestMapper;
import dev.ponder.core.chat.ChatTemplate;
import dev.ponder.core.chat.RenderedPrompt;
import dev.ponder.core.engine.GenerationRequest;
import dev.ponder.core.engine.PromptEncoder;
import dev.ponder.core.gguf.GgufFile;
import dev.ponder.core.tokenizer.Tokenizer;
import dev.ponder.schemas.avro.ReasoningRequest;
import dev.ponder.schemas.json.RecordJson;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "render", mixinStandardHelpOptions = true,
        description = {"Print the exact prompt a request becomes: the model's chat template applied to its system "
                + "prompt, messages and tools, with the generation prompt, as the service renders it.",
                "Requests are the plain JSON of schemas/README.md (what submit sends), one per line; the prompt is "
                        + "printed as it is (no newline added); stderr says how many tokens it is."})
final class RenderCommand implements Callable<Integer> {
    @Mixin
    ModelOption modelOption;

    @Option(names = "--chat-template", paramLabel = "FILE",
            description = "A Jinja chat template to use instead of the model's own (as engine.chat.template).")
    Path chatTemplate;

    @Option(names = {"-r", "--request"}, paramLabel = "JSON", description = "One request as JSON, instead of FILE.")
    String request;

    @Parameters(arity = "0..1", paramLabel = "FILE", description = "A JSONL file of requests; - reads stdin.")
    String file;

    @Option(names = "--json", description = "One JSON object per request: request_id, prompt, prompt_tokens.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        List<String> lines = requestLines();
        ServiceConfig defaults = ServiceConfig.of(Map.of(), Map.of(), Map.of());
        RequestMapper mapper = new RequestMapper(JobSettings.from(defaults, EngineSettings.from(defaults)));
        PromptEncoder encoder;
        try (GgufFile gguf = GgufFile.open(modelOption.resolve())) {
            ChatTemplate template = chatTemplate == null ? ChatTemplate.fromGguf(gguf)
                    : ChatTemplate.fromGguf(gguf, Files.readString(chatTemplate), "chat template " + chatTemplate);
            encoder = new PromptEncoder(template, Tokenizer.fromGguf(gguf.metadata()));
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ObjectMapper mapperJson = new ObjectMapper();
        for (int i = 0; i < lines.size(); i++) {
            String where = lines.size() == 1 ? "the request" : "request " + (i + 1);
            ReasoningRequest r;
            try {
                // A request_id is only needed on the topic: render does without one.
                com.fasterxml.jackson.databind.JsonNode node = mapperJson.readTree(lines.get(i));
                if (node instanceof ObjectNode object && !object.has("request_id")) {
                    object.put("request_id", "render");
                }
                r = RecordJson.fromJson(node.toString(), ReasoningRequest.class);
            } catch (RuntimeException | com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalArgumentException(where + " is not a valid request: " + e.getMessage(), e);
            }
            GenerationRequest g = switch (mapper.map(r, Instant.now())) {
                case RequestMapper.Ready ready -> ready.request();
                case RequestMapper.Rejected rejected -> throw new IllegalArgumentException(where + " would be answered "
                        + rejected.status() + ": " + rejected.message());
            };
            RenderedPrompt prompt = encoder.render(g.messages(), g.listedTools());
            int tokens = encoder.encode(g.messages(), g.listedTools()).ids().length;
            if (json) {
                ObjectNode node = mapperJson.createObjectNode();
                node.put("request_id", g.id());
                node.put("prompt", prompt.text());
                node.put("prompt_tokens", tokens);
                out.println(node);
            } else {
                out.print(prompt.text());
                err.printf("render: %s: %d prompt tokens (%s)%n", g.id(), tokens, encoder.template().name());
            }
        }
        out.flush();
        err.flush();
        return 0;
    }

    private List<String> requestLines() throws Exception {
        if ((request == null) == (file == null)) {
            throw new IllegalArgumentException("give one request with --request JSON, or a FILE of requests (- for stdin)");
        }
        if (request != null) {
            return List.of(request);
        }
        List<String> lines = new ArrayList<>();
        try (BufferedReader in = file.equals("-")
                ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                : Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8)) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (!line.isBlank()) {
                    lines.add(line);
                }
            }
        }
        if (lines.isEmpty()) {
            throw new IllegalArgumentException(file + " has no requests");
        }
        return lines;
    }
}
