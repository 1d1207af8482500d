package dev.ponder.core.bench;

import dev.ponder.core.model.ForwardBatch;
import dev.ponder.core.model.KvCache;
import dev.ponder.core.model.Qwen2Model;
import dev.ponder.core.sampling.Sampler;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Times the forward pass directly: prompt processing (one prefill of N tokens), single-sequence decode,
 * and batched decode where B sequences with their own 16-token prompts decode together, one forward
 * step per token of each sequence (the measure llama-batched-bench reports).
 */
public final class ModelBench {
    private static final int BLOCK = 16;

    /** One measured configuration. */
    public record Result(String kind, int batch, int tokens, double seconds) {
        public double tokensPerSecond() {
            return tokens / seconds;
        }
    }

    private final Qwen2Model model;
    private final int vocabLimit;
    private final SplittableRandom random = new SplittableRandom(7);

    /** {@code vocabLimit}: prompt tokens are drawn below it (e.g. the ordinary tokens of the vocabulary). */
    public ModelBench(Qwen2Model model, int vocabLimit) {
        this.model = model;
        this.vocabLimit = vocabLimit;
    }

    /** Best of {@code repeats} prefills of a {@code promptTokens}-token prompt. */
    public Result prefill(int promptTokens, int repeats) {
        KvCache cache = model.newKvCache(BLOCK, blocksFor(promptTokens));
        int[] table = contiguous(0, blocksFor(promptTokens));
        double best = Double.MAX_VALUE;
        for (int r = 0; r < repeats; r++) {
            ForwardBatch batch = new ForwardBatch(promptTokens);
            for (int i = 0; i < promptTokens; i++) {
                batch.add(randomToken(), i, table, i == promptTokens - 1);
            }
            long start = System.nanoTime();
            model.forward(batch, cache);
            best = Math.min(best, (System.nanoTime() - start) / 1e9);
        }
        return new Result("prefill", 1, promptTokens, best);
    }

    /**
     * {@code batch} sequences, each with its own {@code promptTokens}-token prompt (prefilled together,
     * not timed), then {@code steps} decode steps of one token per sequence; aggregate tokens per second.
     */
    public Result decode(int batch, int promptTokens, int steps, Consumer<String> progress) {
        int perSequence = blocksFor(promptTokens + steps + 8 + 1);
        KvCache cache = model.newKvCache(BLOCK, perSequence * batch);
        List<int[]> tables = new ArrayList<>();
        ForwardBatch prompt = new ForwardBatch(batch * promptTokens);
        for (int s = 0; s < batch; s++) {
            int[] table = contiguous(s * perSequence, perSequence);
            tables.add(table);
            for (int i = 0; i < promptTokens; i++) {
                prompt.add(randomToken(), i, table, i == promptTokens - 1);
            }
        }
        float[] logits = model.forward(prompt, cache);
        int vocab = model.config().vocabSize();
        int[] next = new int[batch];
        for (int s = 0; s < batch; s++) {
            next[s] = Sampler.argmax(logits, s * vocab, vocab);
        }
        ForwardBatch step = new ForwardBatch(batch);
        // The first steps run before the JIT has compiled the kernels: decode a few untimed.
        int warmUp = Math.min(8, steps);
        long start = 0;
        for (int t = 0; t < steps + warmUp; t++) {
            if (t == warmUp) {
                start = System.nanoTime();
            }
            step.clear();
            for (int s = 0; s < batch; s++) {
                step.add(next[s], promptTokens + t, tables.get(s), true);
            }
            logits = model.forward(step, cache);
            for (int s = 0; s < batch; s++) {
                next[s] = Sampler.argmax(logits, s * vocab, vocab);
            }
            if (progress != null && (t + 1) % 16 == 0) {
                progress.accept("batch " + batch + ": " + (t + 1) + "/" + (steps + warmUp) + " steps");
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Result("decode", batch, batch * steps, seconds);
    }

    /** Decode speed by depth: the positions of the decoded tokens, from (inclusive) and to (exclusive). */
    public record DepthBucket(int from, int to, int tokens, double seconds) {
        public double tokensPerSecond() {
            return tokens / seconds;
        }
    }

    /** A reasoning-shaped run: overall rate, the rate per depth bucket, and the KV cache it took. */
    public record ReasoningResult(int batch, int promptTokens, int generatedPerSequence, double seconds,
                                  List<DepthBucket> buckets, long peakKvBytes, double sharedPromptFraction) {
        public double tokensPerSecond() {
            return (double) batch * generatedPerSequence / seconds;
        }
    }

    /** Depth bucket limits: 0-512, 512-1k, 1k-2k, 2k-4k, 4k-8k, ... */
    private static int bucketEnd(int position) {
        int end = 512;
        while (position >= end) {
            end *= 2;
        }
        return end;
    }

    /**
     * The shape of a batch of reasoning jobs: {@code batch} sequences share one {@code promptTokens}-token prompt
     * (prefilled once; every sequence's block table starts with its blocks, as the prefix cache serves them),
     * then each generates {@code generate} tokens (greedy), all decoding together, one forward step per token of
     * each sequence. Decode is timed per depth bucket; the prefill is not timed. KV at {@code precision}.
     */
    public ReasoningResult reasoning(int batch, int promptTokens, int generate, KvCache.Precision precision,
                                     Consumer<String> progress) {
        if (promptTokens < 1 || batch < 1 || generate < 1) {
            throw new IllegalArgumentException("the reasoning workload needs a prompt, sequences and tokens to generate"
                    + " (at least 1 each); got prompt " + promptTokens + ", batch " + batch + ", generate " + generate);
        }
        int ownBlocks = blocksFor(promptTokens + generate + 1) - promptTokens / BLOCK;
        int sharedBlocks = promptTokens / BLOCK; // whole blocks only; a partial last block is each sequence's own
        KvCache cache = model.newKvCache(BLOCK, sharedBlocks + batch * ownBlocks, precision);
        int[] prompt = new int[promptTokens];
        for (int i = 0; i < promptTokens; i++) {
            prompt[i] = randomToken();
        }
        List<int[]> tables = new ArrayList<>();
        for (int s = 0; s < batch; s++) {
            int[] table = new int[sharedBlocks + ownBlocks];
            for (int b = 0; b < table.length; b++) {
                table[b] = b < sharedBlocks ? b : sharedBlocks + s * ownBlocks + (b - sharedBlocks);
            }
            tables.add(table);
        }
        // The shared prompt tokens once (through the first sequence's table: its whole blocks, less the last token
        // when the prompt ends on a block boundary), then the rest of the prompt per sequence: its partial block and
        // its last token, which gives its first logits.
        int vocab = model.config().vocabSize();
        int[] next = new int[batch];
        int tail = sharedBlocks * BLOCK == promptTokens ? promptTokens - 1 : sharedBlocks * BLOCK;
        if (tail > 0) {
            ForwardBatch first = new ForwardBatch(tail);
            for (int i = 0; i < tail; i++) {
                first.add(prompt[i], i, tables.getFirst(), false);
            }
            model.forward(first, cache);
        }
        ForwardBatch rest = new ForwardBatch(batch * (promptTokens - tail));
        for (int s = 0; s < batch; s++) {
            for (int i = tail; i < promptTokens; i++) {
                rest.add(prompt[i], i, tables.get(s), i == promptTokens - 1);
            }
        }
        // Writing the last prompt token into the shared block again for each sequence stores the same values.
        float[] logits = model.forward(rest, cache);
        for (int s = 0; s < batch; s++) {
            next[s] = Sampler.argmax(logits, s * vocab, vocab);
        }
        List<DepthBucket> buckets = new ArrayList<>();
        ForwardBatch step = new ForwardBatch(batch);
        long start = System.nanoTime();
        long bucketStart = start;
        int bucketFrom = promptTokens;
        int bucketTokens = 0;
        for (int t = 0; t < generate; t++) {
            int position = promptTokens + t;
            if (position >= bucketEnd(bucketFrom) && bucketTokens > 0) {
                long now = System.nanoTime();
                buckets.add(new DepthBucket(bucketFrom, position, bucketTokens, (now - bucketStart) / 1e9));
                bucketStart = now;
                bucketFrom = position;
                bucketTokens = 0;
            }
            step.clear();
            for (int s = 0; s < batch; s++) {
                step.add(next[s], position, tables.get(s), true);
            }
            logits = model.forward(step, cache);
            for (int s = 0; s < batch; s++) {
                next[s] = Sampler.argmax(logits, s * vocab, vocab);
            }
            bucketTokens += batch;
            if (progress != null && (t + 1) % 128 == 0) {
                progress.accept("reasoning, batch " + batch + ": " + (t + 1) + "/" + generate + " tokens per sequence");
            }
        }
        long end = System.nanoTime();
        if (bucketTokens > 0) {
            buckets.add(new DepthBucket(bucketFrom, promptTokens + generate, bucketTokens, (end - bucketStart) / 1e9));
        }
        long peakKv = (long) (sharedBlocks + batch * ownBlocks) * BLOCK * cache.bytesPerToken();
        double shared = promptTokens == 0 ? 0 : (double) (batch - 1) * sharedBlocks * BLOCK / (batch * (double) promptTokens);
        return new ReasoningResult(batch, promptTokens, generate, (end - start) / 1e9, List.copyOf(buckets), peakKv,
                shared);
    }

    private int randomToken() {
        return random.nextInt(vocabLimit);
    }

    private static int blocksFor(int tokens) {
        return (tokens + BLOCK - 1) / BLOCK;
    }

    private static int[] contiguous(int first, int count) {
        int[] table = new int[count];
        for (int i = 0; i < count; i++) {
            table[i] = first + i;
        }
        return table;
    }
}
