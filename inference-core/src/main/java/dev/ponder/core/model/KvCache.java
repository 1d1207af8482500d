package dev.ponder.core.model;

import dev.ponder.core.tensor.VectorMath;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Key/value storage for attention, paged: the cache holds {@code blockCount} blocks of
 * {@code blockSize} token slots per layer, and a sequence reaches its tokens through a block table
 * (position p lives in block {@code table[p / blockSize]}, slot {@code p % blockSize}). Which blocks a
 * sequence owns is decided outside (an allocator, a prefix cache); this class stores and reads, and runs the
 * two halves of attention over a sequence: the scores of a group of query heads, and their weighted values.
 *
 * <p>Layout within a block, per KV head: keys transposed (dimension by dimension, the block's slots side by
 * side), so that one vector load gives one dimension of sixteen positions and a score needs no horizontal sum;
 * values position by position. Attention reads each KV head once for all the query heads that share it (GQA):
 * 7 query heads per KV head on Qwen2.5-0.5B, 5 on QwQ-32B.
 *
 * <p>The bits of every score and output depend only on the sequence, never on the batch or the thread: a
 * score is {@code s = fma(q[d], k[d], s)} over d in order from zero, times the scale; an output lane is
 * {@code o = fma(v[p], w[p], o)} over positions in order from zero.
 *
 * <p>Precision F32 keeps keys and values as computed; F16 halves the memory by rounding each stored value
 * to IEEE half precision (deterministic, so outputs stay reproducible); a block is converted back to float
 * once per KV head and token, for all the query heads of the group (C2 turns the conversion loop into
 * {@code vcvtph2ps}).
 */
public final class KvCache {
    /** How keys and values are stored. */
    public enum Precision {
        F32(4), F16(2);

        private final int bytes;

        Precision(int bytes) {
            this.bytes = bytes;
        }

        public int bytes() {
            return bytes;
        }
    }

    private static final VectorSpecies<Float> F = VectorMath.F;
    private static final int LANES = VectorMath.LANES;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED;

    private final int layers;
    private final int kvHeads;
    private final int headDim;
    private final int kvDim;
    private final int blockSize;
    private final int blockCount;
    private final Precision precision;
    /** Per layer, keys and values off the Java heap (so the KV budget is not bounded by -Xmx), F32 or F16 elements. */
    private final MemorySegment[] keys;
    private final MemorySegment[] values;
    /** Per thread, room for one block of one KV head in half precision, copied out before conversion. */
    private final ThreadLocal<short[]> halves;

    public KvCache(int layers, int kvHeads, int headDim, int blockSize, int blockCount, Precision precision) {
        long perLayer = (long) blockSize * blockCount * kvHeads * headDim;
        if ((long) blockCount * blockSize > Integer.MAX_VALUE / 2) {
            throw new IllegalArgumentException("KV cache of " + blockCount + " blocks of " + blockSize
                    + " tokens holds more token slots than a block table can address; lower the KV budget");
        }
        this.layers = layers;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.kvDim = kvHeads * headDim;
        this.blockSize = blockSize;
        this.blockCount = blockCount;
        this.precision = precision;
        Arena arena = Arena.ofAuto();
        this.keys = new MemorySegment[layers];
        this.values = new MemorySegment[layers];
        for (int l = 0; l < layers; l++) {
            // Zeroed, as Java arrays are: a slot never written reads as 0.
            keys[l] = arena.allocate(perLayer * precision.bytes(), 64);
            values[l] = arena.allocate(perLayer * precision.bytes(), 64);
        }
        int blockHalves = blockSize * headDim;
        this.halves = ThreadLocal.withInitial(() -> new short[blockHalves]);
    }

    /** A cache with one KV head of {@code kvDim} values (tests). */
    public KvCache(int layers, int kvDim, int blockSize, int blockCount, Precision precision) {
        this(layers, 1, kvDim, blockSize, blockCount, precision);
    }

    public KvCache(int layers, int kvDim, int blockSize, int blockCount) {
        this(layers, kvDim, blockSize, blockCount, Precision.F32);
    }

    public static KvCache forModel(ModelConfig config, int blockSize, int blockCount, Precision precision) {
        return new KvCache(config.blockCount(), config.headCountKv(), config.headDim(), blockSize, blockCount, precision);
    }

    /** Bytes per token slot over all layers (keys and values) at this precision. */
    public static long bytesPerToken(ModelConfig config, Precision precision) {
        return 2L * config.blockCount() * config.kvDim() * precision.bytes();
    }

    public int blockSize() {
        return blockSize;
    }

    public int blockCount() {
        return blockCount;
    }

    public int kvDim() {
        return kvDim;
    }

    public int headDim() {
        return headDim;
    }

    public Precision precision() {
        return precision;
    }

    public long bytesPerToken() {
        return 2L * layers * kvDim * precision.bytes();
    }

    /** Floats a worker needs as scratch for {@link #groupScores} and {@link #groupValues}: one converted block. */
    public int scratchFloats() {
        return blockSize * headDim;
    }

    /** Where KV head {@code head}'s part of block {@code block} starts (keys and values alike). */
    private long headBase(int block, int head) {
        return ((long) block * kvHeads + head) * blockSize * headDim;
    }

    /** Stores one token's keys and values ({@code kvDim} each, head after head) at its position of the sequence. */
    public void store(int layer, int[] table, int position, float[] k, int kOffset, float[] v, int vOffset) {
        int block = table[position / blockSize];
        int slot = position % blockSize;
        MemorySegment kk = keys[layer];
        MemorySegment vv = values[layer];
        for (int h = 0; h < kvHeads; h++) {
            long base = headBase(block, h);
            int from = kOffset + h * headDim;
            int vFrom = vOffset + h * headDim;
            if (precision == Precision.F32) {
                for (int d = 0; d < headDim; d++) {
                    kk.setAtIndex(FLOAT, base + (long) d * blockSize + slot, k[from + d]);
                }
                MemorySegment.copy(v, vFrom, vv, FLOAT, (base + (long) slot * headDim) * Float.BYTES, headDim);
            } else {
                for (int d = 0; d < headDim; d++) {
                    kk.setAtIndex(HALF, base + (long) d * blockSize + slot, Float.floatToFloat16(k[from + d]));
                    vv.setAtIndex(HALF, base + (long) slot * headDim + d, Float.floatToFloat16(v[vFrom + d]));
                }
            }
        }
    }

    private float read(MemorySegment segment, long at) {
        return precision == Precision.F32 ? segment.getAtIndex(FLOAT, at) : Float.float16ToFloat(segment.getAtIndex(HALF, at));
    }

    /** Key {@code d} of position {@code position} for KV head {@code head}, as attention reads it (tests). */
    public float key(int layer, int[] table, int position, int head, int d) {
        long at = headBase(table[position / blockSize], head) + (long) d * blockSize + position % blockSize;
        return read(keys[layer], at);
    }

    /** Value {@code d} of position {@code position} for KV head {@code head}, as attention reads it (tests). */
    public float value(int layer, int[] table, int position, int head, int d) {
        long at = headBase(table[position / blockSize], head) + (long) (position % blockSize) * headDim + d;
        return read(values[layer], at);
    }

    /**
     * The scores of {@code heads} query heads sharing KV head {@code head} over positions [0, count): query head j
     * at {@code q[qOffset + j * headDim ..]}, its score for position p to {@code scores[j * stride + p]}, each
     * {@code (q . k_p) * scale} by the rule in the class comment. The largest score of head j goes to {@code max[j]}.
     */
    public void groupScores(int layer, int[] table, int head, float[] q, int qOffset, int heads, int count, float scale,
                            float[] scores, int stride, float[] max, float[] scratch) {
        for (int first = 0, b = 0; first < count; first += blockSize, b++) {
            int slots = Math.min(blockSize, count - first);
            toFloats(keys[layer], headBase(table[b], head), scratch, blockSize * headDim);
            float[] source = scratch;
            int base = 0;
            int j = 0;
            for (; j + 4 <= heads; j += 4) {
                scores4(source, base, slots, q, qOffset + j * headDim, scale, scores, j * stride + first, stride);
            }
            for (; j < heads; j++) {
                scores1(source, base, slots, q, qOffset + j * headDim, scale, scores, j * stride + first);
            }
        }
        for (int j = 0; j < heads; j++) {
            float m = Float.NEGATIVE_INFINITY;
            for (int p = 0; p < count; p++) {
                m = Math.max(m, scores[j * stride + p]);
            }
            max[j] = m;
        }
    }

    /** Four heads' scores for the first {@code slots} slots of one block of transposed keys. */
    private void scores4(float[] k, int base, int slots, float[] q, int q0, float scale, float[] out, int o0, int stride) {
        int q1 = q0 + headDim, q2 = q1 + headDim, q3 = q2 + headDim;
        int c = 0;
        if (blockSize % LANES == 0) {
            for (; c < slots; c += LANES) {
                VectorMask<Float> m = F.indexInRange(c, slots);
                FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
                for (int d = 0, at = base + c; d < headDim; d++, at += blockSize) {
                    FloatVector kd = FloatVector.fromArray(F, k, at);
                    s0 = kd.fma(FloatVector.broadcast(F, q[q0 + d]), s0);
                    s1 = kd.fma(FloatVector.broadcast(F, q[q1 + d]), s1);
                    s2 = kd.fma(FloatVector.broadcast(F, q[q2 + d]), s2);
                    s3 = kd.fma(FloatVector.broadcast(F, q[q3 + d]), s3);
                }
                s0.mul(scale).intoArray(out, o0 + c, m);
                s1.mul(scale).intoArray(out, o0 + stride + c, m);
                s2.mul(scale).intoArray(out, o0 + 2 * stride + c, m);
                s3.mul(scale).intoArray(out, o0 + 3 * stride + c, m);
            }
            return;
        }
        for (int j = 0; j < 4; j++) {
            scores1(k, base, slots, q, q0 + j * headDim, scale, out, o0 + j * stride);
        }
    }

    /** One head's scores for the first {@code slots} slots of one block of transposed keys. */
    private void scores1(float[] k, int base, int slots, float[] q, int q0, float scale, float[] out, int o0) {
        int c = 0;
        if (blockSize % LANES == 0) {
            for (; c < slots; c += LANES) {
                VectorMask<Float> m = F.indexInRange(c, slots);
                FloatVector s = FloatVector.zero(F);
                for (int d = 0, at = base + c; d < headDim; d++, at += blockSize) {
                    s = FloatVector.fromArray(F, k, at).fma(FloatVector.broadcast(F, q[q0 + d]), s);
                }
                s.mul(scale).intoArray(out, o0 + c, m);
            }
            return;
        }
        for (int slot = 0; slot < slots; slot++) {
            float s = 0;
            for (int d = 0; d < headDim; d++) {
                s = Math.fma(k[base + d * blockSize + slot], q[q0 + d], s);
            }
            out[o0 + slot] = s * scale;
        }
    }

    /**
     * The outputs of {@code heads} query heads sharing KV head {@code head}: for query head j,
     * {@code out[outOffset + j * headDim + d]} = the sum over positions p in [0, count) of
     * {@code weights[j * stride + p]} times value d of position p, by the rule in the class comment.
     */
    public void groupValues(int layer, int[] table, int head, float[] weights, int stride, int heads, int count,
                            float[] out, int outOffset, float[] scratch) {
        Arrays.fill(out, outOffset, outOffset + heads * headDim, 0f);
        for (int first = 0, b = 0; first < count; first += blockSize, b++) {
            int slots = Math.min(blockSize, count - first);
            toFloats(values[layer], headBase(table[b], head), scratch, slots * headDim);
            float[] source = scratch;
            int base = 0;
            int j = 0;
            for (; j + 4 <= heads; j += 4) {
                values4(source, base, slots, weights, j * stride + first, stride, out, outOffset + j * headDim);
            }
            for (; j < heads; j++) {
                values1(source, base, slots, weights, j * stride + first, out, outOffset + j * headDim);
            }
        }
    }

    /** Four heads' outputs plus the first {@code slots} positions of one block of values. */
    private void values4(float[] v, int base, int slots, float[] w, int w0, int stride, float[] out, int o0) {
        if (headDim % LANES != 0) {
            for (int j = 0; j < 4; j++) {
                values1(v, base, slots, w, w0 + j * stride, out, o0 + j * headDim);
            }
            return;
        }
        int w1 = w0 + stride, w2 = w1 + stride, w3 = w2 + stride;
        int o1 = o0 + headDim, o2 = o1 + headDim, o3 = o2 + headDim;
        for (int c = 0; c < headDim; c += LANES) {
            FloatVector a0 = FloatVector.fromArray(F, out, o0 + c);
            FloatVector a1 = FloatVector.fromArray(F, out, o1 + c);
            FloatVector a2 = FloatVector.fromArray(F, out, o2 + c);
            FloatVector a3 = FloatVector.fromArray(F, out, o3 + c);
            for (int p = 0, at = base + c; p < slots; p++, at += headDim) {
                FloatVector vp = FloatVector.fromArray(F, v, at);
                a0 = vp.fma(FloatVector.broadcast(F, w[w0 + p]), a0);
                a1 = vp.fma(FloatVector.broadcast(F, w[w1 + p]), a1);
                a2 = vp.fma(FloatVector.broadcast(F, w[w2 + p]), a2);
                a3 = vp.fma(FloatVector.broadcast(F, w[w3 + p]), a3);
            }
            a0.intoArray(out, o0 + c);
            a1.intoArray(out, o1 + c);
            a2.intoArray(out, o2 + c);
            a3.intoArray(out, o3 + c);
        }
    }

    /** One head's outputs plus the first {@code slots} positions of one block of values. */
    private void values1(float[] v, int base, int slots, float[] w, int w0, float[] out, int o0) {
        int c = 0;
        if (headDim % LANES == 0) {
            for (; c < headDim; c += LANES) {
                FloatVector a = FloatVector.fromArray(F, out, o0 + c);
                for (int p = 0, at = base + c; p < slots; p++, at += headDim) {
                    a = FloatVector.fromArray(F, v, at).fma(FloatVector.broadcast(F, w[w0 + p]), a);
                }
                a.intoArray(out, o0 + c);
            }
            return;
        }
        for (int d = 0; d < headDim; d++) {
            float a = out[o0 + d];
            for (int p = 0; p < slots; p++) {
                a = Math.fma(v[base + p * headDim + d], w[w0 + p], a);
            }
            out[o0 + d] = a;
        }
    }

    /**
     * {@code n} stored values from element {@code offset} of {@code from} into {@code to[0..n)} as floats: a copy at
     * F32; at F16 a copy of the halves onto the heap, then a conversion loop C2 vectorizes into {@code vcvtph2ps}.
     */
    private void toFloats(MemorySegment from, long offset, float[] to, int n) {
        if (precision == Precision.F32) {
            MemorySegment.copy(from, FLOAT, offset * Float.BYTES, to, 0, n);
            return;
        }
        short[] h = halves.get();
        MemorySegment.copy(from, HALF, offset * 2, h, 0, n);
        for (int i = 0; i < n; i++) {
            to[i] = Float.float16ToFloat(h[i]);
        }
    }

    /** Copies one block's slots (all layers) to another block. */
    public void copyBlock(int from, int to) {
        long n = (long) blockSize * kvDim * precision.bytes();
        for (int l = 0; l < layers; l++) {
            MemorySegment.copy(keys[l], from * n, keys[l], to * n, n);
            MemorySegment.copy(values[l], from * n, values[l], to * n, n);
        }
    }

    /** Bytes this cache holds off the heap (keys and values, all layers). */
    public long bytes() {
        return bytesPerToken() * blockSize * blockCount;
    }
}
