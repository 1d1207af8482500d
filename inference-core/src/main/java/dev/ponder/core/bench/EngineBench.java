package dev.ponder.core.bench;

import dev.ponder.core.constrain.AnswerConstraint;
import dev.ponder.core.engine.Engine;
import dev.ponder.core.engine.EngineStats;
import dev.ponder.core.engine.GenerationRequest;
import dev.ponder.core.engine.GenerationResult;
import dev.ponder.core.sampling.SamplingParams;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Workloads through the whole engine: prefix reuse, a mixed batch of requests, a batch free or under an answer format. */
public final class EngineBench {
    private static final String SENTENCE = "The committee reviewed every clause of the shared agreement with care. ";

    private final Engine engine;

    public EngineBench(Engine engine) {
        this.engine = engine;
    }

    /** Time to first token of a request whose prompt starts with a shared prefix, cold and then cached. */
    public record PrefixResult(int promptTokens, int cachedTokens, double coldMs, double cachedMs) {
        public double speedup() {
            return coldMs / cachedMs;
        }
    }

    public PrefixResult prefixReuse(int prefixTokens) throws Exception {
        String prefix = sharedDocument(prefixTokens);
        GenerationResult cold = first(GenerationRequest.of("prefix-cold", prefix, "Summarise clause one.", SamplingParams.GREEDY, 1));
        GenerationResult cached = first(GenerationRequest.of("prefix-warm", prefix, "Summarise clause two.", SamplingParams.GREEDY, 1));
        return new PrefixResult(cached.usage().promptTokens(), cached.usage().cachedPromptTokens(), ttft(cold), ttft(cached));
    }

    /** Results of many requests submitted at once. */
    public record MixedResult(int requests, long generatedTokens, double seconds, double p50Ms, double p95Ms,
                              double hitRate, long peakKvBytes) {
        public double tokensPerSecond() {
            return generatedTokens / seconds;
        }
    }

    /**
     * {@code count} requests with a shared system prompt of about {@code systemTokens} tokens, user prompts of
     * varied length and output limits between 16 and 128 tokens, all submitted at once.
     */
    public MixedResult mixed(int count, int systemTokens, long seed) throws Exception {
        Random random = new Random(seed);
        String system = sharedDocument(systemTokens);
        List<CompletableFuture<GenerationResult>> futures = new ArrayList<>();
        long hitsBefore = engine.stats().prefillTokens();
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            String user = "Question " + i + ": " + "explain the terms in detail ".repeat(1 + random.nextInt(12));
            int maxTokens = 16 + random.nextInt(113);
            SamplingParams sampling = SamplingParams.QWQ_DEFAULTS.withSeed(i);
            futures.add(engine.submit(GenerationRequest.of("mixed-" + i, system, user, sampling, maxTokens)));
        }
        long peakBlocks = 0;
        while (!CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).isDone()) {
            peakBlocks = Math.max(peakBlocks, engine.stats().kvBlocksUsed());
            Thread.sleep(5);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double[] latencies = new double[count];
        long generated = 0;
        int cachedTokens = 0;
        int promptTokens = 0;
        for (int i = 0; i < count; i++) {
            GenerationResult r = futures.get(i).get(1, TimeUnit.SECONDS);
            if (!r.ok()) {
                throw new IllegalStateException("request " + r.requestId() + " failed: " + r.error());
            }
            latencies[i] = r.timings().totalMs();
            generated += r.usage().completionTokens();
            cachedTokens += r.usage().cachedPromptTokens();
            promptTokens += r.usage().promptTokens();
        }
        Arrays.sort(latencies);
        EngineStats stats = engine.stats();
        long peakBytes = peakBlocks * engine.config().kvBlockSize() * stats.kvBytesPerToken();
        return new MixedResult(count, generated, seconds, Percentiles.of(latencies, 0.5), Percentiles.of(latencies, 0.95),
                promptTokens == 0 ? 0 : (double) cachedTokens / promptTokens, peakBytes);
    }

    /**
     * The answer format of the constrained-decoding workload: an object with a bounded integer and a free string,
     * so that a sequence spends most of its answer inside the string, where most tokens are allowed (the
     * expensive masks to apply), and is still held to the format at every token.
     */
    public static final AnswerConstraint BENCH_SCHEMA = new AnswerConstraint.JsonSchema("""
            {"type": "object", "properties": {"answer": {"type": "integer", "minimum": 0, "maximum": 999999},
             "notes": {"type": "string"}}, "required": ["answer", "notes"], "additionalProperties": false}""");

    /**
     * Decoding {@code requests} sequences together, free or under an answer format; {@code tokens[i]} is what
     * request i generated.
     */
    public record BatchResult(int requests, long generatedTokens, double seconds, int formatOk, int[] tokens) {
        public double tokensPerSecond() {
            return generatedTokens / seconds;
        }
    }

    /**
     * {@code count} sequences submitted at once, each generating up to {@code maxTokens} tokens with a reasoning
     * budget of one token, so that (after the forced {@code </think>}) nearly every token is an answer token:
     * held to {@code format}, or free when it is null. The format's grammar is compiled before the clock starts
     * (its first masks are not), so the rate is that of decoding under masks.
     */
    public BatchResult batch(int count, int maxTokens, AnswerConstraint format) throws Exception {
        int[] limits = new int[count];
        Arrays.fill(limits, maxTokens);
        return batch(limits, format);
    }

    /**
     * As {@link #batch(int, int, AnswerConstraint)} with free sequences limited to what the sequences of
     * {@code held} generated, request by request: on a model that does not end its answers by itself (the
     * benchmark's random weights) the batch thins out over the steps exactly as it did under the format (whose
     * answers may end early), so that the two rates compare the cost of the masks alone.
     */
    public BatchResult freeMatching(BatchResult held) throws Exception {
        int[] limits = held.tokens().clone();
        for (int i = 0; i < limits.length; i++) {
            limits[i] = Math.max(1, limits[i]);
        }
        return batch(limits, null);
    }

    private BatchResult batch(int[] maxTokens, AnswerConstraint format) throws Exception {
        int count = maxTokens.length;
        List<GenerationRequest> requests = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            GenerationRequest r = GenerationRequest.of("batch-" + (format == null ? "free-" : "format-") + i, null,
                    "Question " + i + ": explain the terms in detail.", SamplingParams.QWQ_DEFAULTS.withSeed(i),
                    maxTokens[i]);
            requests.add(r.withMaxReasoningTokens(1).withResponseFormat(format));
        }
        if (format != null) {
            first(GenerationRequest.of("batch-compile", null, "Hello.", SamplingParams.GREEDY, 1).withResponseFormat(format));
        }
        long start = System.nanoTime();
        List<CompletableFuture<GenerationResult>> futures = new ArrayList<>();
        for (GenerationRequest r : requests) {
            futures.add(engine.submit(r));
        }
        long generated = 0;
        int formatOk = 0;
        int[] tokens = new int[count];
        for (int i = 0; i < count; i++) {
            GenerationResult r = futures.get(i).get(30, TimeUnit.MINUTES);
            if (!r.ok()) {
                throw new IllegalStateException("request " + r.requestId() + " failed: " + r.error());
            }
            tokens[i] = r.usage().completionTokens();
            generated += tokens[i];
            formatOk += Boolean.TRUE.equals(r.answerFormatOk()) ? 1 : 0;
        }
        return new BatchResult(count, generated, (System.nanoTime() - start) / 1e9, formatOk, tokens);
    }

    private GenerationResult first(GenerationRequest request) throws Exception {
        GenerationResult r = engine.submit(request).get(10, TimeUnit.MINUTES);
        if (!r.ok()) {
            throw new IllegalStateException("request " + r.requestId() + " failed: " + r.error());
        }
        return r;
    }

    private static double ttft(GenerationResult r) {
        return r.timings().queuedMs() + r.timings().prefillMs();
    }

    /** A document of roughly {@code tokens} tokens (the sentence is about 13 tokens). */
    private static String sharedDocument(int tokens) {
        return SENTENCE.repeat(Math.max(1, tokens / 13));
    }
}
