package dev.ponder.app.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ponder.core.bench.EngineBench;
import dev.ponder.core.bench.MemoryBandwidth;
import dev.ponder.core.bench.ModelBench;
import dev.ponder.core.bench.ModelShape;
import dev.ponder.core.bench.SyntheticModel;
import dev.ponder.core.engine.Engine;
import dev.ponder.core.engine.EngineConfig;
import dev.ponder.core.model.KvCache;
import dev.ponder.core.model.Qwen2Model;
import dev.ponder.core.tensor.Parallel;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure prompt processing and decode throughput on a synthetic model of a real shape",
                "(written once with random weights and cached), or on --model FILE.",
                "Prints one line per configuration; with --json one JSON object per line."})
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--shape", defaultValue = "qwen2.5-0.5b", description = "qwen2.5-0.5b, qwq-32b or tiny (default: ${DEFAULT-VALUE}).")
    String shape;

    @Option(names = "--quant", defaultValue = "q8_0", split = ",", description = "q8_0, q4_0, q4_k; comma-separated for several (default: ${DEFAULT-VALUE}).")
    List<String> quants;

    @Option(names = "--threads", description = "Compute threads (default: all cores).")
    Integer threads;

    @Option(names = "--batch", defaultValue = "1", split = ",", description = "Decode batch sizes, e.g. 1,2,4,8,16 (default: ${DEFAULT-VALUE}).")
    List<Integer> batches;

    @Option(names = "--prompt", defaultValue = "512", description = "Prompt tokens for the prefill measurement; 0 skips it (default: ${DEFAULT-VALUE}).")
    int promptTokens;

    @Option(names = "--decode", defaultValue = "64", description = "Decode steps per batch size (default: ${DEFAULT-VALUE}).")
    int decodeSteps;

    @Option(names = "--repeats", defaultValue = "2", description = "Prefill repetitions, best is kept (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--bandwidth", description = "Also measure the machine's memory read bandwidth and the decode bound.")
    boolean bandwidth;

    @Option(names = "--cache-dir", paramLabel = "DIR", description = "Where synthetic models are kept (default: .bench-cache under the install).")
    Path cacheDir;

    @Option(names = "--prefix-reuse", paramLabel = "TOKENS", defaultValue = "0",
            description = "Also measure time to first token with a shared prefix of about TOKENS tokens, cold and cached.")
    int prefixReuseTokens;

    @Option(names = "--mixed", paramLabel = "N", defaultValue = "0",
            description = "Also run N requests of varied lengths with a shared system prompt through the engine.")
    int mixedRequests;

    @Option(names = "--constrained", paramLabel = "N", defaultValue = "0",
            description = {"Also decode N sequences together through the engine (--decode tokens each), free and then",
                    "with a JSON schema answer format, and report both rates (the cost of constrained decoding)."})
    int constrainedSequences;

    @Option(names = "--workload", defaultValue = "standard",
            description = {"standard: prompt processing and decode 16 tokens deep (above);",
                    "reasoning: B sequences (--batch) share one --prompt-token prompt and each generate --generate tokens,",
                    "all decoding together; the rate per depth bucket and the KV cache it took (default: ${DEFAULT-VALUE})."})
    String workload;

    @Option(names = "--generate", defaultValue = "2048", description = "Tokens each sequence generates in the reasoning workload (default: ${DEFAULT-VALUE}).")
    int generate;

    @Option(names = "--kv", defaultValue = "f16", description = "KV cache precision for the reasoning workload: f32, f16 or q8_0 (default: ${DEFAULT-VALUE}).")
    String kvPrecision;

    @Option(names = "--json", description = "One JSON object per line.")
    boolean json;

    /** With --model, that file is measured instead of a synthetic one. */
    @CommandLine.Mixin
    ModelOption modelOption;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final ObjectMapper mapper = new ObjectMapper();

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        int threadCount = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        double bandwidthBytes = 0;
        if (bandwidth) {
            try (Parallel p = new Parallel(threadCount)) {
                bandwidthBytes = MemoryBandwidth.measure(p, 1L << 30, 5);
            }
            emit(out, row("bandwidth", null, threadCount).put("read_bandwidth_gb_s", round(bandwidthBytes / 1e9)),
                    String.format(Locale.ROOT, "memory read bandwidth: %.1f GB/s with %d threads", bandwidthBytes / 1e9, threadCount));
        }
        Path model = modelOption.model;
        List<String> variants = model != null ? List.of("file") : quants;
        for (String quant : variants) {
            Path file = model != null ? model : synthetic(quant);
            String name;
            try (Qwen2Model m = Qwen2Model.open(file, threadCount)) {
                name = model != null ? m.config().name() : shape;
                runOne(out, m, name, quant, threadCount, bandwidthBytes);
            }
            if (prefixReuseTokens > 0 || mixedRequests > 0 || constrainedSequences > 0) {
                runEngine(out, file, name, quant, threadCount);
            }
        }
        return 0;
    }

    private Path synthetic(String quant) throws Exception {
        Path dir = cacheDir != null ? cacheDir
                : Path.of(System.getProperty("ponder.home", ".")).resolve(".bench-cache");
        Files.createDirectories(dir);
        ModelShape s = ModelShape.byName(shape);
        SyntheticModel.Quant q = SyntheticModel.Quant.parse(quant);
        System.err.printf("bench: preparing synthetic %s %s model in %s (written once, then cached)%n", s.name(), q, dir);
        // The vocabulary comes from the bundled model, so the synthetic file has Qwen's tokenizer.
        return SyntheticModel.cached(dir, s, q, new ModelOption().resolve());
    }

    private void runOne(PrintWriter out, Qwen2Model m, String shapeName, String quant, int threadCount, double bandwidthBytes) {
        ModelBench bench = new ModelBench(m, 151_000);
        switch (workload) {
            case "standard" -> {
            }
            case "reasoning" -> {
                runReasoning(out, bench, shapeName, quant, threadCount);
                return;
            }
            default -> throw new CommandLine.ParameterException(spec.commandLine(),
                    "--workload must be standard or reasoning, not '" + workload + "'");
        }
        long weightBytes = m.weights().bytesPerToken();
        System.err.printf("bench: %s, %s, %.0f MB of weights read per token, %d threads%n", m.config().summary(), quant,
                weightBytes / 1e6, threadCount);
        if (promptTokens > 0) {
            ModelBench.Result r = bench.prefill(promptTokens, repeats);
            emit(out, row(shapeName, quant, threadCount).put("batch", 1).put("prompt_tokens", promptTokens)
                            .put("prefill_tokens_per_s", round(r.tokensPerSecond())),
                    String.format(Locale.ROOT, "%s %s threads=%d prefill %d tokens: %.1f tok/s", shapeName, quant, threadCount,
                            promptTokens, r.tokensPerSecond()));
        }
        for (int batch : batches) {
            ModelBench.Result r = bench.decode(batch, 16, decodeSteps, msg -> System.err.println("bench: " + msg));
            ObjectNode row = row(shapeName, quant, threadCount).put("batch", batch)
                    .put("decode_tokens_per_s", round(r.tokensPerSecond()));
            String text = String.format(Locale.ROOT, "%s %s threads=%d batch=%d decode: %.1f tok/s aggregate", shapeName, quant,
                    threadCount, batch, r.tokensPerSecond());
            if (bandwidthBytes > 0 && batch == 1) {
                double bound = bandwidthBytes / weightBytes;
                row.put("bandwidth_bound_tokens_per_s", round(bound)).put("fraction_of_bound", round(r.tokensPerSecond() / bound));
                text += String.format(Locale.ROOT, " (bound %.1f tok/s, %.0f%%)", bound, 100 * r.tokensPerSecond() / bound);
            }
            emit(out, row, text);
        }
    }

    private void runReasoning(PrintWriter out, ModelBench bench, String shapeName, String quant, int threadCount) {
        KvCache.Precision precision = switch (kvPrecision.toLowerCase(Locale.ROOT)) {
            case "f32" -> KvCache.Precision.F32;
            case "f16" -> KvCache.Precision.F16;
            case "q8_0" -> KvCache.Precision.Q8_0;
            default -> throw new CommandLine.ParameterException(spec.commandLine(),
                    "--kv must be f32, f16 or q8_0, not '" + kvPrecision + "'");
        };
        for (int batch : batches) {
            ModelBench.ReasoningResult r = bench.reasoning(batch, promptTokens, generate, precision,
                    msg -> System.err.println("bench: " + msg));
            ObjectNode row = row(shapeName, quant, threadCount).put("workload", "reasoning").put("batch", batch)
                    .put("prompt_tokens", promptTokens).put("generated_per_sequence", generate)
                    .put("kv_precision", precision.name()).put("decode_tokens_per_s", round(r.tokensPerSecond()))
                    .put("peak_kv_bytes", r.peakKvBytes()).put("shared_prompt_fraction", round(r.sharedPromptFraction()));
            ObjectNode depths = row.putObject("decode_tokens_per_s_by_depth");
            StringBuilder text = new StringBuilder(String.format(Locale.ROOT,
                    "%s %s threads=%d reasoning batch=%d: %d-token shared prompt, %d generated each, KV %s: %.1f tok/s aggregate,"
                            + " peak KV %.1f MB; by depth:", shapeName, quant, threadCount, batch, promptTokens, generate,
                    precision, r.tokensPerSecond(), r.peakKvBytes() / 1e6));
            for (ModelBench.DepthBucket b : r.buckets()) {
                depths.put(b.from() + "-" + b.to(), round(b.tokensPerSecond()));
                text.append(String.format(Locale.ROOT, " %d-%d %.1f", b.from(), b.to(), b.tokensPerSecond()));
            }
            emit(out, row, text.toString());
        }
    }

    private void runEngine(PrintWriter out, Path file, String shapeName, String quant, int threadCount) throws Exception {
        try (Engine engine = Engine.open(file, EngineConfig.defaults().withThreads(threadCount))) {
            EngineBench bench = new EngineBench(engine);
            if (prefixReuseTokens > 0) {
                EngineBench.PrefixResult r = bench.prefixReuse(prefixReuseTokens);
                emit(out, row(shapeName, quant, threadCount).put("batch", 1).put("prompt_tokens", r.promptTokens())
                                .put("cached_tokens", r.cachedTokens()).put("ttft_ms_cold", round(r.coldMs()))
                                .put("ttft_ms_cached", round(r.cachedMs())),
                        String.format(Locale.ROOT, "%s %s threads=%d prefix reuse: %d-token prompt, %d cached: TTFT %.0f ms cold, %.0f ms cached (%.1fx)",
                                shapeName, quant, threadCount, r.promptTokens(), r.cachedTokens(), r.coldMs(), r.cachedMs(), r.speedup()));
            }
            if (mixedRequests > 0) {
                EngineBench.MixedResult r = bench.mixed(mixedRequests, 200, 11);
                emit(out, row(shapeName, quant, threadCount).put("batch", engine.config().maxRunning()).put("requests", r.requests())
                                .put("decode_tokens_per_s", round(r.tokensPerSecond())).put("p50_ms", round(r.p50Ms()))
                                .put("p95_ms", round(r.p95Ms())).put("prefix_cache_hit_rate", round(r.hitRate()))
                                .put("peak_kv_bytes", r.peakKvBytes()),
                        String.format(Locale.ROOT, "%s %s threads=%d mixed %d requests: %.1f generated tok/s, p50 %.0f ms, p95 %.0f ms, hit rate %.2f, peak KV %.1f MB",
                                shapeName, quant, threadCount, r.requests(), r.tokensPerSecond(), r.p50Ms(), r.p95Ms(), r.hitRate(),
                                r.peakKvBytes() / 1e6));
            }
            if (constrainedSequences > 0) {
                bench.batch(constrainedSequences, 16, null); // warm-up, not reported
                EngineBench.BatchResult free = bench.batch(constrainedSequences, decodeSteps, null);
                EngineBench.BatchResult held = bench.batch(constrainedSequences, decodeSteps, EngineBench.BENCH_SCHEMA);
                // Held answers may end early and thin the batch out; free sequences of the same lengths compare
                // the cost of the masks alone.
                EngineBench.BatchResult matched = bench.freeMatching(held);
                emit(out, row(shapeName, quant, threadCount).put("workload", "constrained").put("batch", constrainedSequences)
                                .put("tokens_per_sequence", decodeSteps)
                                .put("free_tokens_per_s", round(free.tokensPerSecond()))
                                .put("free_same_lengths_tokens_per_s", round(matched.tokensPerSecond()))
                                .put("json_schema_tokens_per_s", round(held.tokensPerSecond()))
                                .put("json_schema_generated_tokens", held.generatedTokens())
                                .put("json_schema_format_ok", held.formatOk()),
                        String.format(Locale.ROOT, "%s %s threads=%d constrained batch=%d, up to %d tokens each: free %.1f tok/s,"
                                        + " JSON schema %.1f tok/s (%d tokens, %d of %d answers format-ok), free with the same"
                                        + " lengths %.1f tok/s (the schema at %.2fx of it)",
                                shapeName, quant, threadCount, constrainedSequences, decodeSteps, free.tokensPerSecond(),
                                held.tokensPerSecond(), held.generatedTokens(), held.formatOk(), constrainedSequences,
                                matched.tokensPerSecond(), held.tokensPerSecond() / matched.tokensPerSecond()));
            }
        }
    }

    private ObjectNode row(String shapeName, String quant, int threadCount) {
        ObjectNode n = mapper.createObjectNode();
        n.put("shape", shapeName);
        if (quant != null) {
            n.put("quant", quant);
        }
        n.put("threads", threadCount);
        n.put("cores", Runtime.getRuntime().availableProcessors());
        return n;
    }

    private void emit(PrintWriter out, ObjectNode json, String text) {
        out.println(this.json ? json.toString() : text);
        out.flush();
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
