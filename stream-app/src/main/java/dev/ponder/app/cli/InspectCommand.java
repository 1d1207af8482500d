package dev.ponder.app.cli;

import dev.ponder.core.gguf.GgufFile;
import dev.ponder.core.gguf.GgufMetadata;
import dev.ponder.core.gguf.GgufTensorInfo;
import dev.ponder.core.gguf.GgufValue;
import dev.ponder.core.gguf.GgufValueType;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Print a GGUF file's architecture, hyperparameters, tokenizer, chat template and tensor table.")
final class InspectCommand implements Callable<Integer> {
    @Mixin
    ModelOption modelOption;

    @Parameters(arity = "0..1", paramLabel = "FILE", description = "GGUF file (same as --model).")
    Path positional;

    @Option(names = "--no-tensors", description = "Leave out the tensor table.")
    boolean noTensors;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Path file = positional != null ? positional : modelOption.resolve();
        PrintWriter out = spec.commandLine().getOut();
        try (GgufFile gguf = GgufFile.open(file)) {
            GgufMetadata m = gguf.metadata();
            String arch = m.findString("general.architecture").orElse("(none)");
            out.printf("file:          %s%n", file);
            out.printf("format:        GGUF v%d, %s, alignment %d, %d metadata keys, %d tensors%n", gguf.version(),
                    bytes(gguf.fileSize()), gguf.alignment(), m.keys().size(), gguf.tensors().size());
            out.printf("architecture:  %s%n", arch);
            m.findString("general.name").ifPresent(n -> out.printf("name:          %s%n", n));
            out.println();
            out.println("hyperparameters:");
            for (String key : m.keys()) {
                if (key.startsWith(arch + ".")) {
                    out.printf("  %-42s %s%n", key.substring(arch.length() + 1), brief(m.get(key)));
                }
            }
            out.println();
            printTokenizer(out, m);
            out.println();
            String template = m.findString("tokenizer.chat_template").orElse(null);
            out.printf("chat template: %s%n", template == null ? "absent (ChatML will be used)"
                    : "present (" + template.length() + " characters" + (template.contains("<think>") ? ", opens <think>" : "") + ")");
            if (!noTensors) {
                out.println();
                printTensors(out, gguf);
            }
        }
        return 0;
    }

    private static void printTokenizer(PrintWriter out, GgufMetadata m) {
        out.println("tokenizer:");
        out.printf("  model %s, pre-tokenizer %s%n", m.findString("tokenizer.ggml.model").orElse("(none)"),
                m.findString("tokenizer.ggml.pre").orElse("(none)"));
        if (m.contains("tokenizer.ggml.tokens")) {
            String[] tokens = m.getStringArray("tokenizer.ggml.tokens");
            int merges = m.contains("tokenizer.ggml.merges") ? m.getStringArray("tokenizer.ggml.merges").length : 0;
            out.printf("  %d tokens, %d merges%n", tokens.length, merges);
            if (m.contains("tokenizer.ggml.token_type")) {
                int[] types = m.getIntArray("tokenizer.ggml.token_type");
                int[] counts = new int[8];
                for (int t : types) {
                    counts[Math.max(0, Math.min(7, t))]++;
                }
                out.printf("  token types: %d normal, %d control, %d user-defined, %d unused, %d byte%n",
                        counts[1], counts[3], counts[4], counts[5], counts[6]);
            }
            for (String role : new String[] {"bos", "eos", "padding", "unknown"}) {
                m.findLong("tokenizer.ggml." + role + "_token_id").ifPresent(id -> out.printf("  %s: %d %s%n",
                        role, id, id >= 0 && id < tokens.length ? tokens[id.intValue()] : "(out of range)"));
            }
        }
    }

    private static void printTensors(PrintWriter out, GgufFile gguf) {
        out.printf("%-32s %-6s %-20s %12s%n", "tensor", "type", "shape", "bytes");
        long total = 0;
        for (GgufTensorInfo t : gguf.tensors()) {
            out.printf("%-32s %-6s %-20s %12d%n", t.name(), t.type(), t.shapeString(), t.byteSize());
            total += t.byteSize();
        }
        out.printf("%-32s %-6s %-20s %12d (%s)%n", "total", "", "", total, bytes(total));
    }

    /** A value, shortened when it is an array. */
    private static String brief(GgufValue value) {
        if (value.type() == GgufValueType.ARRAY) {
            return value.value().toString();
        }
        return value.toString();
    }

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
