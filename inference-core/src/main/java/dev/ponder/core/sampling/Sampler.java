package dev.ponder.core.sampling;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A request's token picker: its logit processors (penalties, masks) in order, then greedy argmax or
 * temperature sampling restricted by top-k, top-p and min-p. The random stream belongs to the request
 * and is seeded by it, so the same request and seed give the same tokens whatever runs beside it.
 */
public final class Sampler {
    private final SamplingParams params;
    private final List<LogitProcessor> processors = new ArrayList<>();
    private final TokenHistory history = new TokenHistory();
    private final SplittableRandom random;

    public Sampler(SamplingParams params) {
        this.params = params;
        this.random = new SplittableRandom(params.seed());
        if (params.hasPenalties()) {
            processors.add(new PenaltyProcessor(params));
        }
    }

    /** Adds a processor after the existing ones (e.g. a grammar mask for constrained answers). */
    public Sampler addProcessor(LogitProcessor processor) {
        processors.add(processor);
        return this;
    }

    public SamplingParams params() {
        return params;
    }

    public TokenHistory history() {
        return history;
    }

    /** Picks the next token from {@code logits[offset .. offset + vocabSize)} (edited in place) and records it. */
    public int sample(float[] logits, int offset, int vocabSize) {
        for (LogitProcessor p : processors) {
            p.process(logits, offset, vocabSize, history);
        }
        int token = params.greedy() ? argmax(logits, offset, vocabSize) : sampleFromDistribution(logits, offset, vocabSize);
        history.add(token);
        return token;
    }

    /** Records a token that was chosen outside the sampler (e.g. a forced {@code </think>}). */
    public void accept(int token) {
        history.add(token);
    }

    /** Index of the largest logit; the lowest id wins a tie. */
    public static int argmax(float[] logits, int offset, int vocabSize) {
        int best = 0;
        float bestLogit = logits[offset];
        for (int i = 1; i < vocabSize; i++) {
            float l = logits[offset + i];
            if (l > bestLogit) {
                bestLogit = l;
                best = i;
            }
        }
        return best;
    }

    private int sampleFromDistribution(float[] logits, int offset, int vocabSize) {
        int[] ids = candidates(logits, offset, vocabSize);
        int n = ids.length;
        double invTemperature = 1.0 / params.temperature();
        double max = logits[offset + ids[0]];
        double[] weights = new double[n];
        double total = 0;
        for (int i = 0; i < n; i++) {
            weights[i] = Math.exp((logits[offset + ids[i]] - max) * invTemperature);
            total += weights[i];
        }
        // top-p: the shortest prefix (candidates are sorted by logit) whose mass reaches topP.
        int keep = n;
        if (params.topP() < 1) {
            double cumulative = 0;
            for (int i = 0; i < n; i++) {
                cumulative += weights[i];
                if (cumulative >= params.topP() * total) {
                    keep = i + 1;
                    break;
                }
            }
        }
        // min-p: drop candidates below minP times the most likely one (weights[0] is exp(0) = 1).
        if (params.minP() > 0) {
            int k = 0;
            while (k < keep && weights[k] >= params.minP() * weights[0]) {
                k++;
            }
            keep = Math.max(1, k);
        }
        double kept = 0;
        for (int i = 0; i < keep; i++) {
            kept += weights[i];
        }
        double u = random.nextDouble() * kept;
        int lastLikely = 0;
        for (int i = 0; i < keep; i++) {
            u -= weights[i];
            if (u < 0) {
                return ids[i];
            }
            if (weights[i] > 0) {
                lastLikely = i;
            }
        }
        // Rounding left u just above zero: the last candidate that has any weight, never a masked one
        // (top-k may have kept negative-infinity logits, whose weight is zero).
        return ids[lastLikely];
    }

    /** The candidate ids sorted by logit, highest first (lower id first on ties): the top-k, or all finite ones. */
    private int[] candidates(float[] logits, int offset, int vocabSize) {
        int k = params.topK() > 0 ? Math.min(params.topK(), vocabSize) : vocabSize;
        long[] keys;
        if (k < vocabSize) {
            keys = topKeys(logits, offset, vocabSize, k);
        } else {
            keys = new long[vocabSize];
            int m = 0;
            for (int i = 0; i < vocabSize; i++) {
                if (logits[offset + i] != Float.NEGATIVE_INFINITY) {
                    keys[m++] = key(logits[offset + i], i);
                }
            }
            keys = Arrays.copyOf(keys, Math.max(1, m));
        }
        Arrays.sort(keys);
        int[] ids = new int[keys.length];
        for (int i = 0; i < keys.length; i++) {
            ids[keys.length - 1 - i] = idOf(keys[i]);
        }
        return ids;
    }

    /** The k largest keys, kept in a min-heap while scanning the vocabulary once. */
    private static long[] topKeys(float[] logits, int offset, int vocabSize, int k) {
        long[] heap = new long[k];
        int size = 0;
        for (int i = 0; i < vocabSize; i++) {
            long key = key(logits[offset + i], i);
            if (size < k) {
                heap[size] = key;
                siftUp(heap, size++);
            } else if (key > heap[0]) {
                heap[0] = key;
                siftDown(heap, k);
            }
        }
        return heap;
    }

    /**
     * A long that orders like (logit ascending, id descending): the float's bits made monotonic in the
     * high half, the complemented id in the low half, so ties favour the lower id.
     */
    static long key(float logit, int id) {
        int bits = Float.floatToIntBits(logit);
        int monotonic = bits >= 0 ? bits : bits ^ 0x7fffffff;
        return ((long) monotonic << 32) | (~id & 0xffffffffL);
    }

    static int idOf(long key) {
        return ~(int) key;
    }

    private static void siftUp(long[] heap, int i) {
        while (i > 0) {
            int parent = (i - 1) / 2;
            if (heap[parent] <= heap[i]) {
                return;
            }
            long t = heap[parent];
            heap[parent] = heap[i];
            heap[i] = t;
            i = parent;
        }
    }

    private static void siftDown(long[] heap, int size) {
        int i = 0;
        while (true) {
            int l = 2 * i + 1;
            int r = l + 1;
            int smallest = i;
            if (l < size && heap[l] < heap[smallest]) {
                smallest = l;
            }
            if (r < size && heap[r] < heap[smallest]) {
                smallest = r;
            }
            if (smallest == i) {
                return;
            }
            long t = heap[smallest];
            heap[smallest] = heap[i];
            heap[i] = t;
            i = smallest;
        }
    }
}
