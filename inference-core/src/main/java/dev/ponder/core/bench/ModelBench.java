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
