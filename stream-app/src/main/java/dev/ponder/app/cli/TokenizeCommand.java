package dev.ponder.app.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ponder.core.gguf.GgufFile;
import dev.ponder.core.bench.EncodeThroughput;
import dev.ponder.core.tokenizer.Tokenizer;
import java.io.BufferedReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = {"Print the token ids of a text, separated by single spaces, on one line.",
                "With --jsonl, read {\"text\": ...} lines and print one line of ids per input line."})
final class TokenizeCommand implements Callable<Integer> {
    @Mixin
    ModelOption modelOption;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--text", paramLabel = "STR", description = "The text to tokenize.")
        String text;

        @Option(names = "--file", paramLabel = "PATH", description = "Tokenize the whole content of a UTF-8 file.")
        Path file;

        @Option(names = "--jsonl", paramLabel = "PATH", description = "A JSONL file of {\"text\": ...} objects.")
        Path jsonl;
    }

    @Option(names = "--special", description = "Let control-token text (<|im_start|>, <think>, ...) in the input become control tokens (template mode).")
    boolean special;

    @Option(names = "--throughput", description = "Instead of printing ids, measure encode throughput (MB/s) on the input.")
    boolean throughput;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Tokenizer tokenizer;
        try (GgufFile file = GgufFile.open(modelOption.resolve())) {
            tokenizer = Tokenizer.fromGguf(file.metadata());
        }
        if (throughput) {
            String text = input.jsonl != null ? jsonlTexts(input.jsonl) : input.file != null
                    ? Files.readString(input.file, StandardCharsets.UTF_8) : input.text;
            out.println(EncodeThroughput.measure(tokenizer, text, 20, special));
            return 0;
        }
        if (input.jsonl != null) {
            ObjectMapper mapper = new ObjectMapper();
            try (BufferedReader reader = Files.newBufferedReader(input.jsonl, StandardCharsets.UTF_8)) {
                String line;
                int lineNumber = 0;
                while ((line = reader.readLine()) != null) {
                    lineNumber++;
                    if (line.isBlank()) {
                        continue;
                    }
                    JsonNode text = mapper.readTree(line).get("text");
                    if (text == null || !text.isTextual()) {
                        throw new IllegalArgumentException(input.jsonl + " line " + lineNumber + ": expected {\"text\": \"...\"}");
                    }
                    out.println(ids(tokenizer.encode(text.asText(), special)));
                }
            }
        } else {
            String text = input.file != null ? Files.readString(input.file, StandardCharsets.UTF_8) : input.text;
            out.println(ids(tokenizer.encode(text, special)));
        }
        out.flush();
        return 0;
    }

    private static String jsonlTexts(Path jsonl) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        StringBuilder all = new StringBuilder();
        for (String line : Files.readAllLines(jsonl, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                all.append(mapper.readTree(line).path("text").asText()).append('\n');
            }
        }
        return all.toString();
    }

    private static String ids(int[] ids) {
        return IntStream.of(ids).mapToObj(Integer::toString).collect(Collectors.joining(" "));
    }
}
