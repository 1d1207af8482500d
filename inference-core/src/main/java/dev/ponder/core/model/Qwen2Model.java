package dev.ponder.core.model;

import dev.ponder.core.gguf.GgufFile;
import dev.ponder.core.tensor.FastExp;
import dev.ponder.core.tensor.Matrix;
import dev.ponder.core.tensor.Parallel;
import dev.ponder.core.tensor.VectorMath;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The Qwen2 transformer: RMSNorm, q/k/v projections with bias, NeoX RoPE, grouped-query attention over
 * a paged KV cache, SwiGLU feed-forward, residuals, final norm and logits.
 *
 * <p>{@link #forward} runs one step over a flat batch of tokens from any number of sequences. Every
 * matrix product goes through the whole batch at once (each weight row is read once per step), and
 * each token's arithmetic is the same whatever else is in the batch, so outputs are batch-invariant.
 * Not thread-safe: one step at a time.
 */
public final class Qwen2Model implements AutoCloseable {
    private final GgufFile file;
    private final ModelConfig config;
    private final ModelWeights weights;
    private final Parallel parallel;
    private final boolean ownsParallel;
    private Buffers buffers = new Buffers(0, null);
    /** Per compute thread, room for attention over the cache of the last step (a KV block as floats, its scores). */
    private KvCache.Scratch[] attentionScratch;
    private KvCache attentionCache;

    public Qwen2Model(GgufFile file, Parallel parallel) {
        this(file, parallel, false, Matrix.integerPathByDefault());
    }

    private Qwen2Model(GgufFile file, Parallel parallel, boolean ownsParallel, boolean integerPath) {
        this.file = file;
        this.config = ModelConfig.from(file);
        this.weights = ModelWeights.load(file, config, integerPath);
        this.parallel = parallel;
        this.ownsParallel = ownsParallel;
    }

    /** Opens a GGUF file with a compute pool of {@code threads} threads; closing the model closes both. */
    public static Qwen2Model open(Path path, int threads) throws IOException {
        return open(path, threads, Matrix.integerPathByDefault());
    }

    /**
     * As {@link #open(Path, int)}, with the integer dot products on or off (they apply to Q4_0
     * matrices on machines with 512-bit vectors; see {@link Matrix}).
     */
    public static Qwen2Model open(Path path, int threads, boolean integerPath) throws IOException {
        GgufFile file = GgufFile.open(path);
        try {
            return new Qwen2Model(file, new Parallel(threads), true, integerPath);
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    public ModelConfig config() {
        return config;
    }

    public ModelWeights weights() {
        return weights;
    }

    public GgufFile file() {
        return file;
    }

    public Parallel parallel() {
        return parallel;
    }

    /** A float32 KV cache of {@code blockCount} blocks of {@code blockSize} tokens for this model. */
    public KvCache newKvCache(int blockSize, int blockCount) {
        return KvCache.forModel(config, blockSize, blockCount, KvCache.Precision.F32);
    }

    public KvCache newKvCache(int blockSize, int blockCount, KvCache.Precision precision) {
        return KvCache.forModel(config, blockSize, blockCount, precision);
    }

    /**
     * Runs the batch through the model, writing each token's keys and values into the cache, and
     * returns the logits of the tokens that asked for them: row j ({@code vocabSize} floats) belongs to
     * the j-th such token in batch order.
     */
    public float[] forward(ForwardBatch batch, KvCache cache) {
        int n = batch.size();
        if (n == 0) {
            return new float[0];
        }
        checkBatch(batch, cache);
        Buffers b = buffers(n);
        int hidden = config.embeddingLength();
        for (int i = 0; i < n; i++) {
            weights.tokenEmbedding().dequantizeRow(batch.token(i), b.x, i * hidden);
        }
        RopeTable rope = new RopeTable(batch, config.rope());
        for (int layer = 0; layer < config.blockCount(); layer++) {
            attentionBlock(layer, batch, cache, b, rope);
            feedForwardBlock(layer, n, b);
        }
        return logits(batch, b);
    }

    private void checkBatch(ForwardBatch batch, KvCache cache) {
        if (cache.kvDim() != config.kvDim()) {
            throw new IllegalArgumentException("KV cache is for kvDim " + cache.kvDim() + ", model needs " + config.kvDim());
        }
        for (int i = 0; i < batch.size(); i++) {
            int token = batch.token(i);
            if (token < 0 || token >= config.vocabSize()) {
                throw new IllegalArgumentException("token id " + token + " is outside the vocabulary (" + config.vocabSize() + ")");
            }
            int position = batch.position(i);
            if (position < 0 || position >= config.contextLength()) {
                throw new IllegalArgumentException("position " + position + " is outside the context (" + config.contextLength() + ")");
            }
        }
    }

    private void attentionBlock(int layer, ForwardBatch batch, KvCache cache, Buffers b, RopeTable rope) {
        ModelWeights.Layer w = weights.layers().get(layer);
        int n = batch.size();
        int hidden = config.embeddingLength();
        int qDim = config.queryDim();
        int kvDim = config.kvDim();
        int headDim = config.headDim();
        rmsNorm(b.x, b.xn, n, hidden, w.attnNorm());
        Matrix.multiply(new Matrix[] {w.wq(), w.wk(), w.wv()}, b.xn, n, new float[][] {b.q, b.k, b.v}, parallel);
        // Token by token, each token's work the same whichever thread does it.
        parallel.forRange(n, TOKENS_PER_CHUNK, (start, end, worker) -> {
            for (int i = start; i < end; i++) {
                addInPlace(b.q, i * qDim, w.bq());
                addInPlace(b.k, i * kvDim, w.bk());
                addInPlace(b.v, i * kvDim, w.bv());
                for (int h = 0; h < config.headCount(); h++) {
                    RopeConfig.rotate(b.q, i * qDim + h * headDim, headDim, rope.cos(i), rope.sin(i));
                }
                for (int h = 0; h < config.headCountKv(); h++) {
                    RopeConfig.rotate(b.k, i * kvDim + h * headDim, headDim, rope.cos(i), rope.sin(i));
                }
                cache.store(layer, batch.blockTable(i), batch.position(i), b.k, i * kvDim, b.v, i * kvDim);
            }
        });
        // One task per (token, KV head): the KV head is read once for the query heads that share it.
        int kvHeads = config.headCountKv();
        KvCache.Scratch[] scratch = attentionScratch(cache);
        parallel.forRange(n * kvHeads, 1, (start, end, worker) -> {
            for (int task = start; task < end; task++) {
                attendOneGroup(layer, task / kvHeads, task % kvHeads, batch, cache, b, scratch[worker]);
            }
        });
        w.wo().multiply(b.attn, n, b.proj, parallel);
        addInPlace(b.x, b.proj, n * hidden);
    }

    /**
     * Causal attention of token i's query heads that share KV head g, over its sequence's positions
     * 0..position(i), per head exactly as if each head went alone (see {@link KvCache#attend}).
     */
    private void attendOneGroup(int layer, int i, int g, ForwardBatch batch, KvCache cache, Buffers b,
                                KvCache.Scratch scratch) {
        int headDim = config.headDim();
        int group = config.groupSize();
        int first = i * config.queryDim() + g * group * headDim;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        cache.attend(layer, batch.blockTable(i), g, b.q, first, group, batch.position(i) + 1, scale, b.attn, first,
                scratch);
    }

    /** Each compute thread's room for attention over {@code cache}, made on the first step over it. */
    private KvCache.Scratch[] attentionScratch(KvCache cache) {
        if (attentionCache != cache) {
            KvCache.Scratch[] scratch = new KvCache.Scratch[parallel.threads()];
            for (int w = 0; w < scratch.length; w++) {
                scratch[w] = cache.newScratch(config.groupSize());
            }
            attentionScratch = scratch;
            attentionCache = cache;
        }
        return attentionScratch;
    }

    private void feedForwardBlock(int layer, int n, Buffers b) {
        ModelWeights.Layer w = weights.layers().get(layer);
        int hidden = config.embeddingLength();
        int ffn = config.feedForwardLength();
        rmsNorm(b.x, b.xn, n, hidden, w.ffnNorm());
        Matrix.multiply(new Matrix[] {w.gate(), w.up()}, b.xn, n, new float[][] {b.gate, b.up}, parallel);
        // SwiGLU over the pool, sixteen lanes at a time: one exp per element adds up over a prompt.
        parallel.forRange(n * ffn, ELEMENTS_PER_CHUNK, (start, end, worker) -> {
            FastExp.swiGlu(b.gate, b.up, start, end);
        });
        w.down().multiply(b.gate, n, b.proj, parallel);
        addInPlace(b.x, b.proj, n * hidden);
    }

    private float[] logits(ForwardBatch batch, Buffers b) {
        int hidden = config.embeddingLength();
        int count = batch.logitCount();
        float[] selected = new float[count * hidden];
        int j = 0;
        for (int i = 0; i < batch.size(); i++) {
            if (batch.wantsLogits(i)) {
                System.arraycopy(b.x, i * hidden, selected, j++ * hidden, hidden);
            }
        }
        rmsNorm(selected, selected, count, hidden, weights.outputNorm());
        float[] logits = new float[count * config.vocabSize()];
        weights.output().multiply(selected, count, logits, parallel);
        return logits;
    }

    /** out = x / sqrt(mean(x^2) + eps) * weight, per token (in place allowed). */
    private void rmsNorm(float[] x, float[] out, int n, int dim, float[] weight) {
        parallel.forRange(n, TOKENS_PER_CHUNK, (start, end, worker) -> {
            for (int i = start; i < end; i++) {
                int o = i * dim;
                float ss = VectorMath.dotAny(x, o, x, o, dim);
                float scale = (float) (1.0 / Math.sqrt(ss / dim + config.rmsEpsilon()));
                for (int d = 0; d < dim; d++) {
                    out[o + d] = x[o + d] * scale * weight[d];
                }
            }
        });
    }

    private static void addInPlace(float[] x, int offset, float[] bias) {
        for (int d = 0; d < bias.length; d++) {
            x[offset + d] += bias[d];
        }
    }

    /**
     * Least tokens and elements per chunk of the per-token and element-wise steps: below these a hand-off to
     * the pool costs more than it saves (decode steps of a few tokens run them on the calling thread).
     */
    private static final int TOKENS_PER_CHUNK = 8;
    private static final int ELEMENTS_PER_CHUNK = 8192;

    private static void addInPlace(float[] x, float[] y, int n) {
        for (int j = 0; j < n; j++) {
            x[j] += y[j];
        }
    }

    private Buffers buffers(int n) {
        if (buffers.capacity < n) {
            buffers = new Buffers(Math.max(n, buffers.capacity * 2), config);
        }
        return buffers;
    }

    /** Activation buffers for up to {@code capacity} tokens, reused between steps. */
    private static final class Buffers {
        final int capacity;
        final float[] x, xn, q, k, v, attn, proj, gate, up;

        Buffers(int capacity, ModelConfig c) {
            this.capacity = capacity;
            int h = c == null ? 0 : c.embeddingLength();
            int ffn = c == null ? 0 : c.feedForwardLength();
            int qDim = c == null ? 0 : c.queryDim();
            int kvDim = c == null ? 0 : c.kvDim();
            x = new float[capacity * h];
            xn = new float[capacity * h];
            q = new float[capacity * qDim];
            k = new float[capacity * kvDim];
            v = new float[capacity * kvDim];
            attn = new float[capacity * qDim];
            proj = new float[capacity * h];
            gate = new float[capacity * ffn];
            up = new float[capacity * ffn];
        }
    }

    /** cos/sin per token of the batch, computed once per step and shared by every layer and head. */
    private static final class RopeTable {
        private final float[][] cos;
        private final float[][] sin;

        RopeTable(ForwardBatch batch, RopeConfig rope) {
            int half = rope.dims() / 2;
            cos = new float[batch.size()][half];
            sin = new float[batch.size()][half];
            for (int i = 0; i < batch.size(); i++) {
                rope.angles(batch.position(i), cos[i], sin[i]);
            }
        }

        float[] cos(int i) {
            return cos[i];
        }

        float[] sin(int i) {
            return sin[i];
        }
    }

    @Override
    public void close() {
        if (ownsParallel) {
            parallel.close();
            file.close();
        }
    }
}
