package dev.ponder.core.model;

import dev.ponder.core.tensor.FastExp;
import dev.ponder.core.tensor.VectorMath;
import java.lang.foreign.Arena;
import java.lang.ref.Cleaner;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Key/value storage for attention, paged: the cache holds {@code blockCount} blocks of
 * {@code blockSize} token slots per layer, and a sequence reaches its tokens through a block table
 * (position p lives in block {@code table[p / blockSize]}, slot {@code p % blockSize}). Which blocks a
 * sequence owns is decided outside (an allocator, a prefix cache); this class stores and reads, and runs
 * attention over a sequence for a group of query heads that share a KV head ({@link #attend}).
 *
 * <p>Layout within a block, per KV head: keys transposed (dimension by dimension, the block's slots side by
 * side), so that one vector load gives one dimension of sixteen positions and a score needs no horizontal sum;
 * values position by position. Attention reads each KV head once for all the query heads that share it (GQA):
 * 7 query heads per KV head on Qwen2.5-0.5B, 5 on QwQ-32B. It walks the sequence block by block with an online
 * softmax (a running maximum and sum per head, the outputs rescaled when the maximum grows), so that no score
 * row of the whole context is ever held: a block's keys, scores and values stay in the L1 cache.
 *
 * <p>The bits of every output depend only on the sequence, never on the batch or the thread: within a block a
 * score is {@code s = fma(q[d], k[d], s)} over d in order from zero, times the scale; blocks go in order, and an
 * output lane is {@code o = fma(v[p], w[p], o)} over the block's positions in order.
 *
 * <p>Precision: F32 keeps keys and values as computed; F16 rounds each to IEEE half precision; Q8_0 stores each
 * run of 32 values of one position and KV head as GGML's q8_0 does, 8-bit integers {@code rint(x / d)} and one
 * half-precision scale {@code d = max|x| / 127} (34 bytes per 32 values). All are deterministic, so outputs stay
 * reproducible. A block is converted to float once per KV head and token, for all the query heads of the group,
 * into a tile the size of the L1 cache's share (never once per query head).
 */
public final class KvCache implements AutoCloseable {
    /** Frees the memory of caches nobody closed, once they are unreachable. */
    private static final Cleaner CLEANER = Cleaner.create();

    /** How keys and values are stored. */
    public enum Precision {
        F32(128), F16(64), Q8_0(34);

        private final int bytesPer32;

        Precision(int bytesPer32) {
            this.bytesPer32 = bytesPer32;
        }

        /** Bytes that {@code values} stored values take (a multiple of 32 for Q8_0). */
        public long bytes(long values) {
            return values * bytesPer32 / 32;
        }
    }

    /** Values per Q8_0 scale. */
    static final int Q8_BLOCK = 32;
    private static final VectorSpecies<Float> F = VectorMath.F;
    private static final int LANES = VectorMath.LANES;
    /**
     * As many bytes as {@link #F} has float lanes: one load converts to one float vector. With 4 float lanes
     * (128-bit vectors) there is no 4-byte vector: Q8_0 blocks are then converted one value at a time.
     */
    private static final boolean BYTE_LOADS = LANES >= 8;
    private static final VectorSpecies<Byte> B = BYTE_LOADS
            ? VectorSpecies.of(byte.class, VectorShape.forBitSize(LANES * 8)) : ByteVector.SPECIES_64;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED;

    private final int layers;
    private final int kvHeads;
    private final int headDim;
    private final int kvDim;
    private final int blockSize;
    private final int blockCount;
    private final Precision precision;
    /** Bytes of one KV head's keys (or values) in one block; for Q8_0 the integers, then the scales. */
    private final long headBytes;
    /** Per layer, keys and values off the Java heap (so the KV budget is not bounded by -Xmx). */
    private final MemorySegment[] keys;
    /** Closes the cache's memory: at {@link #close()}, or when the cache is collected unclosed. */
    private final Cleaner.Cleanable release;
    private final MemorySegment[] values;

    public KvCache(int layers, int kvHeads, int headDim, int blockSize, int blockCount, Precision precision) {
        if ((long) blockCount * blockSize > Integer.MAX_VALUE / 2) {
            throw new IllegalArgumentException("KV cache of " + blockCount + " blocks of " + blockSize
                    + " tokens holds more token slots than a block table can address; lower the KV budget");
        }
        if (precision == Precision.Q8_0 && headDim % Q8_BLOCK != 0) {
            throw new IllegalArgumentException("a Q8_0 KV cache needs heads of a multiple of " + Q8_BLOCK
                    + " dimensions; this model's heads have " + headDim + ": use F16");
        }
        this.layers = layers;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.kvDim = kvHeads * headDim;
        this.blockSize = blockSize;
        this.blockCount = blockCount;
        this.precision = precision;
        this.headBytes = precision.bytes((long) blockSize * headDim);
        long perLayer = headBytes * kvHeads * blockCount;
        Arena arena = Arena.ofShared();
        this.release = CLEANER.register(this, new Release(arena));
        this.keys = new MemorySegment[layers];
        this.values = new MemorySegment[layers];
        for (int l = 0; l < layers; l++) {
            // Zeroed, as Java arrays are: a slot never written reads as 0.
            keys[l] = arena.allocate(perLayer, 64);
            values[l] = arena.allocate(perLayer, 64);
        }
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
        return 2L * config.blockCount() * precision.bytes(config.kvDim());
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
        return 2L * layers * precision.bytes(kvDim);
    }

    /** Where KV head {@code head}'s part of block {@code block} starts, in bytes (keys and values alike). */
    private long headBase(int block, int head) {
        return ((long) block * kvHeads + head) * headBytes;
    }

    /** Where a Q8_0 head block's scales start, after its {@code blockSize * headDim} integers. */
    private long scaleBase(long base) {
        return base + (long) blockSize * headDim;
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
            switch (precision) {
                case F32 -> {
                    for (int d = 0; d < headDim; d++) {
                        kk.set(FLOAT, base + ((long) d * blockSize + slot) * Float.BYTES, k[from + d]);
                    }
                    MemorySegment.copy(v, vFrom, vv, FLOAT, base + (long) slot * headDim * Float.BYTES, headDim);
                }
                case F16 -> {
                    for (int d = 0; d < headDim; d++) {
                        kk.set(HALF, base + ((long) d * blockSize + slot) * 2, Float.floatToFloat16(k[from + d]));
                        vv.set(HALF, base + ((long) slot * headDim + d) * 2, Float.floatToFloat16(v[vFrom + d]));
                    }
                }
                case Q8_0 -> {
                    for (int r = 0; r < headDim / Q8_BLOCK; r++) {
                        // keys: integer d at [d][slot], scale of run r at [r][slot]
                        storeRun(k, from + r * Q8_BLOCK, kk, base + (long) r * Q8_BLOCK * blockSize + slot, blockSize,
                                scaleBase(base) + ((long) r * blockSize + slot) * 2);
                        // values: integer d at [slot][d], scale of run r at [slot][r]
                        storeRun(v, vFrom + r * Q8_BLOCK, vv, base + (long) slot * headDim + r * Q8_BLOCK, 1,
                                scaleBase(base) + ((long) slot * (headDim / Q8_BLOCK) + r) * 2);
                    }
                }
            }
        }
    }

    /**
     * One run of 32 values as Q8_0: integer i to {@code to + i * step}, the half-precision scale to {@code scaleAt}.
     * A run holding a NaN or an infinity gets scale NaN, so that attention over it gives NaN as at F32.
     */
    private static void storeRun(float[] x, int from, MemorySegment to, long at, int step, long scaleAt) {
        float max = 0;
        for (int i = 0; i < Q8_BLOCK; i++) {
            max = Math.max(max, Math.abs(x[from + i]));
        }
        float d = Float.isFinite(max) ? max / 127f : Float.NaN;
        float inverse = d != 0 && Float.isFinite(d) ? 1f / d : 0f;
        for (int i = 0; i < Q8_BLOCK; i++) {
            to.set(ValueLayout.JAVA_BYTE, at + (long) i * step, (byte) Math.rint(x[from + i] * inverse));
        }
        to.set(HALF, scaleAt, Float.floatToFloat16(d));
    }

    /** Key {@code d} of position {@code position} for KV head {@code head}, as attention reads it (tests). */
    public float key(int layer, int[] table, int position, int head, int d) {
        long base = headBase(table[position / blockSize], head);
        int slot = position % blockSize;
        return switch (precision) {
            case F32 -> keys[layer].get(FLOAT, base + ((long) d * blockSize + slot) * Float.BYTES);
            case F16 -> Float.float16ToFloat(keys[layer].get(HALF, base + ((long) d * blockSize + slot) * 2));
            case Q8_0 -> keys[layer].get(ValueLayout.JAVA_BYTE, base + (long) d * blockSize + slot)
                    * Float.float16ToFloat(keys[layer].get(HALF, scaleBase(base) + ((long) (d / Q8_BLOCK) * blockSize + slot) * 2));
        };
    }

    /** Value {@code d} of position {@code position} for KV head {@code head}, as attention reads it (tests). */
    public float value(int layer, int[] table, int position, int head, int d) {
        long base = headBase(table[position / blockSize], head);
        int slot = position % blockSize;
        return switch (precision) {
            case F32 -> values[layer].get(FLOAT, base + ((long) slot * headDim + d) * Float.BYTES);
            case F16 -> Float.float16ToFloat(values[layer].get(HALF, base + ((long) slot * headDim + d) * 2));
            case Q8_0 -> values[layer].get(ValueLayout.JAVA_BYTE, base + (long) slot * headDim + d)
                    * Float.float16ToFloat(values[layer].get(HALF,
                            scaleBase(base) + ((long) slot * (headDim / Q8_BLOCK) + d / Q8_BLOCK) * 2));
        };
    }

    /** A worker's room for {@link #attend} with up to {@code heads} query heads per KV head. */
    public final class Scratch {
        private final float[] tile = new float[blockSize * headDim];
        private final float[] scores;
        private final float[] max;
        private final float[] sums;
        private final float[] scales = new float[Math.max(blockSize, headDim / Q8_BLOCK)];
        private final short[] halves = new short[blockSize * headDim];

        private Scratch(int heads) {
            scores = new float[heads * blockSize];
            max = new float[heads];
            sums = new float[heads];
        }
    }

    public Scratch newScratch(int heads) {
        return new Scratch(heads);
    }

    /**
     * Attention of {@code heads} query heads sharing KV head {@code head} over positions [0, count): query head j at
     * {@code q[qOffset + j * headDim ..]}, its output to {@code out[outOffset + j * headDim ..]}: the softmax of
     * {@code (q . k_p) * scale} over the positions p, weighting the values {@code v_p}. Block by block with an
     * online softmax: per head a running maximum m and sum l; a block's scores s give {@code m' = max(m, max s)},
     * the outputs and l so far are multiplied by {@code exp(m - m')} when m' is above m, then {@code w = exp(s - m')}
     * is added to l and {@code w * v} to the outputs; at the end the outputs are divided by l.
     */
    public void attend(int layer, int[] table, int head, float[] q, int qOffset, int heads, int count, float scale,
                       float[] out, int outOffset, Scratch scratch) {
        float[] tile = scratch.tile;
        float[] s = scratch.scores;
        float[] max = scratch.max;
        float[] sums = scratch.sums;
        Arrays.fill(out, outOffset, outOffset + heads * headDim, 0f);
        Arrays.fill(max, 0, heads, Float.NEGATIVE_INFINITY);
        Arrays.fill(sums, 0, heads, 0f);
        for (int first = 0, b = 0; first < count; first += blockSize, b++) {
            int slots = Math.min(blockSize, count - first);
            long base = headBase(table[b], head);
            keysToFloats(keys[layer], base, tile, scratch);
            int j = 0;
            for (; j + 4 <= heads; j += 4) {
                scores4(tile, 0, slots, q, qOffset + j * headDim, scale, s, j * blockSize, blockSize);
            }
            for (; j < heads; j++) {
                scores1(tile, 0, slots, q, qOffset + j * headDim, scale, s, j * blockSize);
            }
            for (j = 0; j < heads; j++) {
                float m = max[j];
                for (int p = 0; p < slots; p++) {
                    m = Math.max(m, s[j * blockSize + p]);
                }
                if (m > max[j] && first > 0) {
                    float factor = FastExp.exp(max[j] - m);
                    sums[j] *= factor;
                    VectorMath.scale(out, outOffset + j * headDim, headDim, factor);
                }
                max[j] = m;
                sums[j] += FastExp.expShiftedInPlace(s, j * blockSize, slots, m);
            }
            valuesToFloats(values[layer], base, slots, tile, scratch);
            j = 0;
            for (; j + 4 <= heads; j += 4) {
                values4(tile, 0, slots, s, j * blockSize, blockSize, out, outOffset + j * headDim);
            }
            for (; j < heads; j++) {
                values1(tile, 0, slots, s, j * blockSize, out, outOffset + j * headDim);
            }
        }
        for (int j = 0; j < heads; j++) {
            VectorMath.scale(out, outOffset + j * headDim, headDim, 1f / sums[j]);
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

    /** One block of one KV head's keys as floats, {@code tile[d * blockSize + slot]}. */
    private void keysToFloats(MemorySegment from, long base, float[] tile, Scratch scratch) {
        int n = blockSize * headDim;
        switch (precision) {
            case F32 -> MemorySegment.copy(from, FLOAT, base, tile, 0, n);
            case F16 -> halvesToFloats(from, base, n, tile, scratch.halves);
            case Q8_0 -> {
                float[] scales = scratch.scales;
                for (int r = 0; r < headDim / Q8_BLOCK; r++) {
                    for (int slot = 0; slot < blockSize; slot++) {
                        scales[slot] = Float.float16ToFloat(from.get(HALF, scaleBase(base) + ((long) r * blockSize + slot) * 2));
                    }
                    int d0 = r * Q8_BLOCK;
                    int slot = 0;
                    if (BYTE_LOADS && blockSize % LANES == 0) {
                        for (; slot < blockSize; slot += LANES) {
                            FloatVector sv = FloatVector.fromArray(F, scales, slot);
                            for (int d = d0; d < d0 + Q8_BLOCK; d++) {
                                ((FloatVector) ByteVector.fromMemorySegment(B, from, base + (long) d * blockSize + slot,
                                        ByteOrder.nativeOrder()).convertShape(VectorOperators.B2F, F, 0))
                                        .mul(sv).intoArray(tile, d * blockSize + slot);
                            }
                        }
                    }
                    for (; slot < blockSize; slot++) {
                        for (int d = d0; d < d0 + Q8_BLOCK; d++) {
                            tile[d * blockSize + slot] = from.get(ValueLayout.JAVA_BYTE, base + (long) d * blockSize + slot) * scales[slot];
                        }
                    }
                }
            }
        }
    }

    /** The first {@code slots} positions of one block of one KV head's values as floats, {@code tile[slot * headDim + d]}. */
    private void valuesToFloats(MemorySegment from, long base, int slots, float[] tile, Scratch scratch) {
        int n = slots * headDim;
        switch (precision) {
            case F32 -> MemorySegment.copy(from, FLOAT, base, tile, 0, n);
            case F16 -> halvesToFloats(from, base, n, tile, scratch.halves);
            case Q8_0 -> {
                int runs = headDim / Q8_BLOCK;
                for (int slot = 0; slot < slots; slot++) {
                    for (int r = 0; r < runs; r++) {
                        float scale = Float.float16ToFloat(from.get(HALF, scaleBase(base) + ((long) slot * runs + r) * 2));
                        int at = slot * headDim + r * Q8_BLOCK;
                        int i = 0;
                        for (; BYTE_LOADS && i + LANES <= Q8_BLOCK; i += LANES) {
                            ((FloatVector) ByteVector.fromMemorySegment(B, from, base + at + i, ByteOrder.nativeOrder())
                                    .convertShape(VectorOperators.B2F, F, 0)).mul(scale).intoArray(tile, at + i);
                        }
                        for (; i < Q8_BLOCK; i++) {
                            tile[at + i] = from.get(ValueLayout.JAVA_BYTE, base + at + i) * scale;
                        }
                    }
                }
            }
        }
    }

    /**
     * {@code n} halves from byte {@code offset} of {@code from} into {@code to[0..n)} as floats: a copy onto the heap,
     * then a conversion loop C2 vectorizes into {@code vcvtph2ps}.
     */
    private static void halvesToFloats(MemorySegment from, long offset, int n, float[] to, short[] halves) {
        MemorySegment.copy(from, HALF, offset, halves, 0, n);
        for (int i = 0; i < n; i++) {
            to[i] = Float.float16ToFloat(halves[i]);
        }
    }

    /** Copies one block's slots (all layers) to another block. */
    public void copyBlock(int from, int to) {
        long n = headBytes * kvHeads;
        for (int l = 0; l < layers; l++) {
            MemorySegment.copy(keys[l], from * n, keys[l], to * n, n);
            MemorySegment.copy(values[l], from * n, values[l], to * n, n);
        }
    }

    /** Bytes this cache holds off the heap (keys and values, all layers). */
    public long bytes() {
        return bytesPerToken() * blockSize * blockCount;
    }

    /**
     * Frees the cache's memory now (an engine's at its shutdown, so that a process opening several engines does
     * not wait for the collector); reading the cache afterwards throws. A cache never closed is freed once it is
     * collected. Idempotent.
     */
    @Override
    public void close() {
        release.clean();
    }

    /** The cleaning action: holds the arena, not the cache, so the cache can be collected. */
    private record Release(Arena arena) implements Runnable {
        @Override
        public void run() {
            arena.close();
        }
    }
}
