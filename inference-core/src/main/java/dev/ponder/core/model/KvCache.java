package dev.ponder.core.model;

import dev.ponder.core.tensor.VectorMath;
import jdk.incubator.vector.FloatVector;

/**
 * Key/value storage for attention, paged: the cache holds {@code blockCount} blocks of
 * {@code blockSize} token slots per layer, and a sequence reaches its tokens through a block table
 * (position p lives in block {@code table[p / blockSize]}, slot {@code p % blockSize}). Which blocks a
 * sequence owns is decided outside (an allocator, a prefix cache); this class only stores and reads.
 *
 * <p>Precision F32 keeps keys and values as computed; F16 halves the memory by rounding each stored
 * value to IEEE half precision (the rounding is deterministic, so outputs stay reproducible).
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

    private final int layers;
    private final int kvDim;
    private final int blockSize;
    private final int blockCount;
    private final Precision precision;
    private final float[][] keys;
    private final float[][] values;
    private final short[][] keysHalf;
    private final short[][] valuesHalf;

    public KvCache(int layers, int kvDim, int blockSize, int blockCount, Precision precision) {
        long perLayer = (long) blockSize * blockCount * kvDim;
        if (perLayer > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("KV cache of " + blockCount + " blocks of " + blockSize + " tokens x "
                    + kvDim + " values exceeds one array per layer; lower the KV budget");
        }
        this.layers = layers;
        this.kvDim = kvDim;
        this.blockSize = blockSize;
        this.blockCount = blockCount;
        this.precision = precision;
        int n = (int) perLayer;
        this.keys = precision == Precision.F32 ? new float[layers][n] : null;
        this.values = precision == Precision.F32 ? new float[layers][n] : null;
        this.keysHalf = precision == Precision.F16 ? new short[layers][n] : null;
        this.valuesHalf = precision == Precision.F16 ? new short[layers][n] : null;
    }

    public KvCache(int layers, int kvDim, int blockSize, int blockCount) {
        this(layers, kvDim, blockSize, blockCount, Precision.F32);
    }

    public static KvCache forModel(ModelConfig config, int blockSize, int blockCount, Precision precision) {
        return new KvCache(config.blockCount(), config.kvDim(), blockSize, blockCount, precision);
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

    public Precision precision() {
        return precision;
    }

    public long bytesPerToken() {
        return 2L * layers * kvDim * precision.bytes();
    }

    /** Offset of the slot for {@code position} of a sequence with block table {@code table}. */
    public int offset(int[] table, int position) {
        int block = table[position / blockSize];
        return (block * blockSize + position % blockSize) * kvDim;
    }

    /** Stores one token's keys and values ({@code kvDim} each) at {@code slot}. */
    public void store(int layer, int slot, float[] k, int kOffset, float[] v, int vOffset) {
        if (precision == Precision.F32) {
            System.arraycopy(k, kOffset, keys[layer], slot, kvDim);
            System.arraycopy(v, vOffset, values[layer], slot, kvDim);
        } else {
            short[] kh = keysHalf[layer];
            short[] vh = valuesHalf[layer];
            for (int d = 0; d < kvDim; d++) {
                kh[slot + d] = Float.floatToFloat16(k[kOffset + d]);
                vh[slot + d] = Float.floatToFloat16(v[vOffset + d]);
            }
        }
    }

    /** The dot product of {@code q[qOffset..+n)} with the stored key at {@code slot + within}. */
    public float dotKey(int layer, int slot, float[] q, int qOffset, int n, float[] scratch) {
        if (precision == Precision.F32) {
            return VectorMath.dotAny(q, qOffset, keys[layer], slot, n);
        }
        short[] kh = keysHalf[layer];
        for (int d = 0; d < n; d++) {
            scratch[d] = Float.float16ToFloat(kh[slot + d]);
        }
        return VectorMath.dotAny(q, qOffset, scratch, 0, n);
    }

    /**
     * {@code out[outOffset..+n)} = the sum over positions p in [0, count) of {@code weights[p]} times the value
     * of position p (its slot from {@code table}, plus {@code within}), each lane accumulated in position order
     * from zero: the same bits as {@link #addValue} called for every position on a zeroed output. With F32
     * storage the sums stay in registers, four chunks at a time, instead of going through memory once per
     * position; that was most of the cost of attending over a long prompt.
     */
    public void weightedValues(int layer, int[] table, int within, float[] weights, int count, float[] out,
                               int outOffset, int n, float[] scratch) {
        if (precision != Precision.F32 || n % VectorMath.LANES != 0) {
            java.util.Arrays.fill(out, outOffset, outOffset + n, 0f);
            for (int p = 0; p < count; p++) {
                addValue(layer, offset(table, p) + within, weights[p], out, outOffset, n, scratch);
            }
            return;
        }
        float[] source = values[layer];
        int lanes = VectorMath.LANES;
        // Positions go block by block (slot = block start + kvDim per position): no division per position.
        int c = 0;
        for (; c + 4 * lanes <= n; c += 4 * lanes) {
            FloatVector a0 = FloatVector.zero(VectorMath.F), a1 = a0, a2 = a0, a3 = a0;
            for (int first = 0, block = 0; first < count; first += blockSize, block++) {
                int at = table[block] * blockSize * kvDim + within + c;
                int end = Math.min(count, first + blockSize);
                for (int p = first; p < end; p++, at += kvDim) {
                    FloatVector w = FloatVector.broadcast(VectorMath.F, weights[p]);
                    a0 = FloatVector.fromArray(VectorMath.F, source, at).fma(w, a0);
                    a1 = FloatVector.fromArray(VectorMath.F, source, at + lanes).fma(w, a1);
                    a2 = FloatVector.fromArray(VectorMath.F, source, at + 2 * lanes).fma(w, a2);
                    a3 = FloatVector.fromArray(VectorMath.F, source, at + 3 * lanes).fma(w, a3);
                }
            }
            a0.intoArray(out, outOffset + c);
            a1.intoArray(out, outOffset + c + lanes);
            a2.intoArray(out, outOffset + c + 2 * lanes);
            a3.intoArray(out, outOffset + c + 3 * lanes);
        }
        for (; c < n; c += lanes) {
            FloatVector a = FloatVector.zero(VectorMath.F);
            for (int first = 0, block = 0; first < count; first += blockSize, block++) {
                int at = table[block] * blockSize * kvDim + within + c;
                int end = Math.min(count, first + blockSize);
                for (int p = first; p < end; p++, at += kvDim) {
                    a = FloatVector.fromArray(VectorMath.F, source, at).fma(FloatVector.broadcast(VectorMath.F, weights[p]), a);
                }
            }
            a.intoArray(out, outOffset + c);
        }
    }

    /**
     * {@code scores[p] = (q . key of position p) * scale} for p in [0, count), the key of position p at its slot
     * from {@code table} plus {@code within}; each as {@link #dotKey} computes it. Returns the largest score.
     */
    public float keyScores(int layer, int[] table, int within, float[] q, int qOffset, int n, float scale,
                           float[] scores, int count, float[] scratch) {
        float max = Float.NEGATIVE_INFINITY;
        for (int first = 0, block = 0; first < count; first += blockSize, block++) {
            int at = table[block] * blockSize * kvDim + within;
            int end = Math.min(count, first + blockSize);
            for (int p = first; p < end; p++, at += kvDim) {
                float s = dotKey(layer, at, q, qOffset, n, scratch) * scale;
                scores[p] = s;
                max = Math.max(max, s);
            }
        }
        return max;
    }

    /** {@code out[outOffset..+n) += weight * value at slot}, lane by lane. */
    public void addValue(int layer, int slot, float weight, float[] out, int outOffset, int n, float[] scratch) {
        float[] source;
        int offset;
        if (precision == Precision.F32) {
            source = values[layer];
            offset = slot;
        } else {
            short[] vh = valuesHalf[layer];
            for (int d = 0; d < n; d++) {
                scratch[d] = Float.float16ToFloat(vh[slot + d]);
            }
            source = scratch;
            offset = 0;
        }
        int i = 0;
        FloatVector w = FloatVector.broadcast(VectorMath.F, weight);
        for (; i + VectorMath.LANES <= n; i += VectorMath.LANES) {
            FloatVector.fromArray(VectorMath.F, source, offset + i).fma(w, FloatVector.fromArray(VectorMath.F, out, outOffset + i))
                    .intoArray(out, outOffset + i);
        }
        for (; i < n; i++) {
            out[outOffset + i] = Math.fma(weight, source[offset + i], out[outOffset + i]);
        }
    }

    /** Copies one block's slots (all layers) to another block. */
    public void copyBlock(int from, int to) {
        int n = blockSize * kvDim;
        for (int l = 0; l < layers; l++) {
            if (precision == Precision.F32) {
                System.arraycopy(keys[l], from * n, keys[l], to * n, n);
                System.arraycopy(values[l], from * n, values[l], to * n, n);
            } else {
                System.arraycopy(keysHalf[l], from * n, keysHalf[l], to * n, n);
                System.arraycopy(valuesHalf[l], from * n, valuesHalf[l], to * n, n);
            }
        }
    }
}
