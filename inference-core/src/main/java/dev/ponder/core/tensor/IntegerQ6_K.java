package dev.ponder.core.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Q6_K repacked for integer dot products (see {@link IntegerWeights}). The result for row r and vector v, which
 * {@link #referenceDot} computes from the GGUF bytes: for each block b of 32 weights in order (half a Q6_K
 * sub-block pair: sub-blocks a and a + 1 of 16 weights, with signed 8-bit scales {@code sc_a}, {@code sc_a+1}),
 * {@code acc = fma((float) isum, d * dx_v,b, acc)} from {@code acc = 0}, where d is the super-block's scale and
 * {@code isum = sc_a * sum_(k<16) (q_k - 32) * xq_k + sc_a+1 * sum_(k>=16) (q_k - 32) * xq_k} is exact in integers
 * (at most 2 * 128 * 16 * 32 * 127 in magnitude, so exact as a float too).
 *
 * <p>Why 16-bit lanes are exact: a centred weight is in [-32, 31], so eight products with activations in [-127, 127]
 * sum to at most 32,512; the kernels sum eight at a time and widen each sum to 32 bits.
 *
 * <p>Layout: for each group of 32 rows and each block of 32 weights, 32 runs of 32 bytes, run k holding weight k of
 * the block of each of the 32 rows, centred ({@code q - 32}), rows 0-15 in the even bytes and 16-31 in the odd
 * ones (as {@link IntegerQ8_0#laneOfRow}: the halves of each 32-bit lane are the two row ranges in order); the 32
 * rows' two sub-block scales as 32-bit integers; and their super-block scale d as floats. Rows past the end are
 * padded with zero scales.
 */
final class IntegerQ6_K extends IntegerWeights {
    private static final int SUPER = 256;
    private static final int BLOCK = 32;
    private static final int GGUF_BLOCK_BYTES = 210;
    private static final int GROUP_BLOCK_BYTES = GROUP * BLOCK;

    private final int blocks;
    private final MemorySegment quants;
    /** Per group and block: the first sub-block's 32 scales, then the second's, as ints. */
    private final MemorySegment subScales;
    /** Per group and block: the 32 rows' d as floats. */
    private final MemorySegment scales;

    IntegerQ6_K(MemorySegment data, int rows, int cols) {
        super(rows, cols, SUPER, "Q6_K");
        this.blocks = cols / BLOCK;
        this.quants = allocate((long) blocks * GROUP_BLOCK_BYTES);
        this.subScales = allocate((long) blocks * 2 * GROUP * Integer.BYTES);
        this.scales = allocate((long) blocks * GROUP * Float.BYTES);
        int supers = cols / SUPER;
        repackBlocks(supers, GGUF_BLOCK_BYTES, (r, groupSuper, source) -> {
            long group = groupSuper / supers;
            int s = (int) (groupSuper % supers);
            float d = Float.float16ToFloat(data.get(LE_SHORT, source + 208));
            int lane = IntegerQ8_0.laneOfRow(r);
            for (int i = 0; i < SUPER; i++) {
                long gb = group * blocks + s * (SUPER / BLOCK) + i / BLOCK;
                quants.set(ValueLayout.JAVA_BYTE, gb * GROUP_BLOCK_BYTES + (long) (i % BLOCK) * GROUP + lane,
                        (byte) (weight(data, source, i) - 32));
                if (i % BLOCK == 0) {
                    scales.set(LE_FLOAT, (gb * GROUP + r) * Float.BYTES, d);
                }
                if (i % 16 == 0) {
                    int sub = (i / 16) % 2;
                    subScales.set(LE_INT, ((gb * 2 + sub) * GROUP + r) * Integer.BYTES,
                            data.get(ValueLayout.JAVA_BYTE, source + 192 + i / 16));
                }
            }
        });
    }

    /** Weight i (0..255, in 0..63) of the Q6_K super-block at {@code base}, as {@link Q6_KFormat} lays it out. */
    private static int weight(MemorySegment data, long base, int i) {
        int half = i / 128;
        int quarter = (i % 128) / 32;
        int l = i % 32;
        int packed = data.get(ValueLayout.JAVA_BYTE, base + 64 * half + 32 * (quarter % 2) + l) & 0xff;
        int low = quarter < 2 ? packed & 0x0F : packed >> 4;
        int high = ((data.get(ValueLayout.JAVA_BYTE, base + 128 + 32 * half + l) & 0xff) >> (2 * quarter)) & 3;
        return low | high << 4;
    }

    /**
     * The scalar reference: row {@code rowOffset} of GGUF Q6_K bytes times vector {@code v} of {@code x}, by the rule
     * in the class comment.
     */
    static float referenceDot(MemorySegment data, long rowOffset, int cols, QuantizedVectors x, int v) {
        float acc = 0;
        int blocks = cols / BLOCK;
        for (int b = 0; b < blocks; b++) {
            long base = rowOffset + (long) (b * BLOCK / SUPER) * GGUF_BLOCK_BYTES;
            int first = b * BLOCK % SUPER;
            int xi = v * x.cols() + b * BLOCK;
            int isum = 0;
            for (int sub = 0; sub < 2; sub++) {
                int sum = 0;
                for (int k = 0; k < 16; k++) {
                    sum += (weight(data, base, first + 16 * sub + k) - 32) * x.quants()[xi + 16 * sub + k];
                }
                isum += data.get(ValueLayout.JAVA_BYTE, base + 192 + (first + 16 * sub) / 16) * sum;
            }
            float d = Float.float16ToFloat(data.get(LE_SHORT, base + 208));
            acc = Math.fma((float) isum, d * x.scales()[v * blocks + b], acc);
        }
        return acc;
    }

    @Override
    void dot1(int g, QuantizedVectors x, int v, float[] y, int yAt) {
        short[] xq = x.quants();
        float[] dx = x.scales();
        FloatVector a0 = FloatVector.zero(FLOATS), a1 = a0;
        int xv = v * cols;
        for (int b = 0; b < blocks; b++) {
            long gb = (long) g * blocks + b;
            int xb = xv + b * BLOCK;
            IntVector s0 = IntVector.zero(INTS), s1 = s0, t0 = s0, t1 = s0;
            for (int k0 = 0; k0 < BLOCK; k0 += 8) {
                ShortVector acc = ShortVector.zero(SHORTS);
                for (int k = k0; k < k0 + 8; k++) {
                    ShortVector w = (ShortVector) ByteVector.fromMemorySegment(BYTES, quants,
                            gb * GROUP_BLOCK_BYTES + (long) k * GROUP, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.B2S, SHORTS, 0);
                    acc = acc.add(w.mul(xq[xb + k]));
                }
                IntVector q = acc.reinterpretAsInts();
                IntVector lo = q.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16);
                IntVector hi = q.lanewise(VectorOperators.ASHR, 16);
                if (k0 < 16) {
                    s0 = s0.add(lo);
                    s1 = s1.add(hi);
                } else {
                    t0 = t0.add(lo);
                    t1 = t1.add(hi);
                }
            }
            long sc = gb * 2 * GROUP * Integer.BYTES;
            IntVector i0 = s0.mul(IntVector.fromMemorySegment(INTS, subScales, sc, ByteOrder.LITTLE_ENDIAN))
                    .add(t0.mul(IntVector.fromMemorySegment(INTS, subScales, sc + GROUP * 4, ByteOrder.LITTLE_ENDIAN)));
            IntVector i1 = s1.mul(IntVector.fromMemorySegment(INTS, subScales, sc + 64, ByteOrder.LITTLE_ENDIAN))
                    .add(t1.mul(IntVector.fromMemorySegment(INTS, subScales, sc + GROUP * 4 + 64, ByteOrder.LITTLE_ENDIAN)));
            float d = dx[v * blocks + b];
            long s = gb * GROUP * Float.BYTES;
            a0 = ((FloatVector) i0.convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.fromMemorySegment(FLOATS, scales, s, ByteOrder.LITTLE_ENDIAN).mul(d), a0);
            a1 = ((FloatVector) i1.convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.fromMemorySegment(FLOATS, scales, s + 64, ByteOrder.LITTLE_ENDIAN).mul(d), a1);
        }
        VectorMask<Float> m0 = FLOATS.indexInRange(g * GROUP, rows), m1 = FLOATS.indexInRange(g * GROUP + 16, rows);
        a0.intoArray(y, yAt + g * GROUP, m0);
        a1.intoArray(y, yAt + g * GROUP + 16, m1);
    }

    /** Four vectors: {@link #dot1} for each, in turn (a shared four-vector kernel is not built for Q6_K). */
    @Override
    void dot4(int g, QuantizedVectors x, int v, float[] y, int yStride, int yOffset) {
        for (int i = 0; i < 4; i++) {
            dot1(g, x, v + i, y, yOffset + (v + i) * yStride);
        }
    }
}
