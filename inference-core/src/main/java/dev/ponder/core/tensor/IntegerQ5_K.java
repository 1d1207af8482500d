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
 * Q5_K repacked for integer dot products (see {@link IntegerWeights}). The result for row r and vector v, which
 * {@link #referenceDot} computes from the GGUF bytes: for each sub-block j of 32 weights in order, with
 * {@code scale = d * sc_j} and {@code min = dmin * m_j} (as {@link Q5_KFormat} computes them),
 * {@code acc = fma((float) isum, scale * dx, acc)} then {@code acc = fma(-(float) sx, min * dx, acc)}, from
 * {@code acc = 0}, where {@code isum = sum_k q_k * xq_k} (q in [0, 31]) is the exact integer sum of the sub-block and
 * {@code sx} the sum of its activation integers: the rule of {@link IntegerQ4_K} with five-bit weights.
 *
 * <p>Why 16-bit lanes are exact: eight products of at most 31 * 127 sum to at most 31,496; the kernels sum eight at a
 * time and widen each sum to 32 bits by shifts.
 *
 * <p>Layout: for each group of 32 rows and each sub-block, 32 runs of 32 bytes, run k holding weight k of the
 * sub-block of each row (rows 0-15 in the even bytes, 16-31 in the odd ones: {@link IntegerWeights#laneOfRow}); and
 * the rows' {@code scale} then {@code min} of the sub-block as floats, in row order. Rows past the end are padded with
 * zero scales and mins. No panel kernel: the activation sums it would need are not kept for panel vectors, so prompts
 * go four vectors at a time.
 */
final class IntegerQ5_K extends IntegerWeights {
    private static final int SUPER = 256;
    private static final int BLOCK = 32;
    private static final int GGUF_BLOCK_BYTES = 176;
    private static final int GROUP_BLOCK_BYTES = RUN_BLOCK_BYTES;

    private final int blocks;
    private final MemorySegment quants;
    /** Per group and sub-block: the 32 rows' scales, then their mins, as floats. */
    private final MemorySegment factors;

    IntegerQ5_K(MemorySegment data, int rows, int cols) {
        super(rows, cols, SUPER, "Q5_K");
        this.blocks = cols / BLOCK;
        this.quants = allocate((long) blocks * GROUP_BLOCK_BYTES);
        this.factors = allocate((long) blocks * 2 * GROUP * Float.BYTES);
        int supers = cols / SUPER;
        repackBlocks(supers, GGUF_BLOCK_BYTES, (r, groupSuper, source) -> {
            long group = groupSuper / supers;
            int s = (int) (groupSuper % supers);
            float d = Float.float16ToFloat(data.get(LE_SHORT, source));
            float dmin = Float.float16ToFloat(data.get(LE_SHORT, source + 2));
            for (int j = 0; j < 8; j++) {
                long gb = group * blocks + s * 8 + j;
                factors.set(LE_FLOAT, (gb * 2 * GROUP + r) * Float.BYTES, d * KQuantScales.scale(data, source, j));
                factors.set(LE_FLOAT, ((gb * 2 + 1) * GROUP + r) * Float.BYTES, dmin * KQuantScales.min(data, source, j));
                for (int k = 0; k < BLOCK; k++) {
                    setRunByte(quants, gb, k, r, weight(data, source, j, k));
                }
            }
        });
    }

    /** Weight k (0..31) of sub-block j of the Q5_K super-block at {@code base}, in 0..31, as {@link Q5_KFormat} lays it out. */
    private static int weight(MemorySegment data, long base, int j, int k) {
        int packed = data.get(ValueLayout.JAVA_BYTE, base + 48 + 32L * (j / 2) + k) & 0xff;
        int fifth = ((data.get(ValueLayout.JAVA_BYTE, base + 16 + k) & 0xff) >> j) & 1;
        return (j % 2 == 0 ? packed & 0x0F : packed >> 4) | fifth << 4;
    }

    /**
     * The scalar reference: row {@code rowOffset} of GGUF Q5_K bytes times vector {@code v} of {@code x}, by the rule
     * in the class comment.
     */
    static float referenceDot(MemorySegment data, long rowOffset, int cols, QuantizedVectors x, int v) {
        float acc = 0;
        int blocks = cols / BLOCK;
        for (int s = 0; s < cols / SUPER; s++) {
            long base = rowOffset + (long) s * GGUF_BLOCK_BYTES;
            float d = Float.float16ToFloat(data.get(LE_SHORT, base));
            float dmin = Float.float16ToFloat(data.get(LE_SHORT, base + 2));
            for (int j = 0; j < 8; j++) {
                float scale = d * KQuantScales.scale(data, base, j);
                float min = dmin * KQuantScales.min(data, base, j);
                int xb = v * blocks + s * 8 + j;
                int isum = 0;
                for (int k = 0; k < BLOCK; k++) {
                    isum += weight(data, base, j, k) * x.quants()[xb * BLOCK + k];
                }
                float dx = x.scales()[xb];
                acc = Math.fma((float) isum, scale * dx, acc);
                acc = Math.fma(-(float) x.sums()[xb], min * dx, acc);
            }
        }
        return acc;
    }

    @Override
    void dot1(int g, QuantizedVectors x, int v, float[] y, int yAt) {
        short[] xq = x.quants();
        float[] dx = x.scales();
        int[] sx = x.sums();
        FloatVector a0 = FloatVector.zero(FLOATS), a1 = a0;
        int xv = v * cols;
        for (int b = 0; b < blocks; b++) {
            long gb = (long) g * blocks + b;
            int xb = xv + b * BLOCK;
            IntVector i0 = IntVector.zero(INTS), i1 = i0;
            for (int k0 = 0; k0 < BLOCK; k0 += 8) {
                ShortVector acc = ShortVector.zero(SHORTS);
                for (int k = k0; k < k0 + 8; k++) {
                    ShortVector w = (ShortVector) ByteVector.fromMemorySegment(BYTES, quants,
                            gb * GROUP_BLOCK_BYTES + (long) k * GROUP, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.B2S, SHORTS, 0);
                    acc = acc.add(w.mul(xq[xb + k]));
                }
                IntVector q = acc.reinterpretAsInts();
                i0 = i0.add(q.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                i1 = i1.add(q.lanewise(VectorOperators.ASHR, 16));
            }
            int vb = v * blocks + b;
            float d = dx[vb];
            float negativeSum = -(float) sx[vb];
            long f = gb * 2 * GROUP * Float.BYTES;
            a0 = ((FloatVector) i0.convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.fromMemorySegment(FLOATS, factors, f, ByteOrder.LITTLE_ENDIAN).mul(d), a0);
            a0 = FloatVector.broadcast(FLOATS, negativeSum).fma(FloatVector.fromMemorySegment(FLOATS, factors,
                    f + GROUP * Float.BYTES, ByteOrder.LITTLE_ENDIAN).mul(d), a0);
            a1 = ((FloatVector) i1.convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.fromMemorySegment(FLOATS, factors, f + 64, ByteOrder.LITTLE_ENDIAN).mul(d), a1);
            a1 = FloatVector.broadcast(FLOATS, negativeSum).fma(FloatVector.fromMemorySegment(FLOATS, factors,
                    f + GROUP * Float.BYTES + 64, ByteOrder.LITTLE_ENDIAN).mul(d), a1);
        }
        VectorMask<Float> m0 = FLOATS.indexInRange(g * GROUP, rows), m1 = FLOATS.indexInRange(g * GROUP + 16, rows);
        a0.intoArray(y, yAt + g * GROUP, m0);
        a1.intoArray(y, yAt + g * GROUP + 16, m1);
    }

    /** Four vectors sharing each run of weights. */
    @Override
    void dot4(int g, QuantizedVectors x, int v, float[] y, int yStride, int yOffset) {
        short[] xq = x.quants();
        float[] dx = x.scales();
        int[] sx = x.sums();
        FloatVector a00 = FloatVector.zero(FLOATS), a01 = a00, a10 = a00, a11 = a00;
        FloatVector a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        int x0 = v * cols, x1 = x0 + cols, x2 = x1 + cols, x3 = x2 + cols;
        for (int b = 0; b < blocks; b++) {
            long gb = (long) g * blocks + b;
            IntVector i00 = IntVector.zero(INTS), i01 = i00, i10 = i00, i11 = i00;
            IntVector i20 = i00, i21 = i00, i30 = i00, i31 = i00;
            for (int k0 = 0; k0 < BLOCK; k0 += 8) {
                ShortVector c0 = ShortVector.zero(SHORTS), c1 = c0, c2 = c0, c3 = c0;
                for (int k = k0; k < k0 + 8; k++) {
                    ShortVector w = (ShortVector) ByteVector.fromMemorySegment(BYTES, quants,
                            gb * GROUP_BLOCK_BYTES + (long) k * GROUP, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.B2S, SHORTS, 0);
                    int xk = b * BLOCK + k;
                    c0 = c0.add(w.mul(xq[x0 + xk]));
                    c1 = c1.add(w.mul(xq[x1 + xk]));
                    c2 = c2.add(w.mul(xq[x2 + xk]));
                    c3 = c3.add(w.mul(xq[x3 + xk]));
                }
                IntVector q;
                q = c0.reinterpretAsInts();
                i00 = i00.add(q.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                i01 = i01.add(q.lanewise(VectorOperators.ASHR, 16));
                q = c1.reinterpretAsInts();
                i10 = i10.add(q.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                i11 = i11.add(q.lanewise(VectorOperators.ASHR, 16));
                q = c2.reinterpretAsInts();
                i20 = i20.add(q.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                i21 = i21.add(q.lanewise(VectorOperators.ASHR, 16));
                q = c3.reinterpretAsInts();
                i30 = i30.add(q.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                i31 = i31.add(q.lanewise(VectorOperators.ASHR, 16));
            }
            long f = gb * 2 * GROUP * Float.BYTES;
            FloatVector sc0 = FloatVector.fromMemorySegment(FLOATS, factors, f, ByteOrder.LITTLE_ENDIAN);
            FloatVector sc1 = FloatVector.fromMemorySegment(FLOATS, factors, f + 64, ByteOrder.LITTLE_ENDIAN);
            FloatVector mn0 = FloatVector.fromMemorySegment(FLOATS, factors, f + GROUP * Float.BYTES, ByteOrder.LITTLE_ENDIAN);
            FloatVector mn1 = FloatVector.fromMemorySegment(FLOATS, factors, f + GROUP * Float.BYTES + 64,
                    ByteOrder.LITTLE_ENDIAN);
            int vb = v * blocks + b;
            float e0 = dx[vb], e1 = dx[vb + blocks], e2 = dx[vb + 2 * blocks], e3 = dx[vb + 3 * blocks];
            float n0 = -(float) sx[vb], n1 = -(float) sx[vb + blocks];
            float n2 = -(float) sx[vb + 2 * blocks], n3 = -(float) sx[vb + 3 * blocks];
            a00 = FloatVector.broadcast(FLOATS, n0).fma(mn0.mul(e0),
                    ((FloatVector) i00.convert(VectorOperators.I2F, 0)).fma(sc0.mul(e0), a00));
            a01 = FloatVector.broadcast(FLOATS, n0).fma(mn1.mul(e0),
                    ((FloatVector) i01.convert(VectorOperators.I2F, 0)).fma(sc1.mul(e0), a01));
            a10 = FloatVector.broadcast(FLOATS, n1).fma(mn0.mul(e1),
                    ((FloatVector) i10.convert(VectorOperators.I2F, 0)).fma(sc0.mul(e1), a10));
            a11 = FloatVector.broadcast(FLOATS, n1).fma(mn1.mul(e1),
                    ((FloatVector) i11.convert(VectorOperators.I2F, 0)).fma(sc1.mul(e1), a11));
            a20 = FloatVector.broadcast(FLOATS, n2).fma(mn0.mul(e2),
                    ((FloatVector) i20.convert(VectorOperators.I2F, 0)).fma(sc0.mul(e2), a20));
            a21 = FloatVector.broadcast(FLOATS, n2).fma(mn1.mul(e2),
                    ((FloatVector) i21.convert(VectorOperators.I2F, 0)).fma(sc1.mul(e2), a21));
            a30 = FloatVector.broadcast(FLOATS, n3).fma(mn0.mul(e3),
                    ((FloatVector) i30.convert(VectorOperators.I2F, 0)).fma(sc0.mul(e3), a30));
            a31 = FloatVector.broadcast(FLOATS, n3).fma(mn1.mul(e3),
                    ((FloatVector) i31.convert(VectorOperators.I2F, 0)).fma(sc1.mul(e3), a31));
        }
        int at = yOffset + v * yStride + g * GROUP;
        VectorMask<Float> m0 = FLOATS.indexInRange(g * GROUP, rows), m1 = FLOATS.indexInRange(g * GROUP + 16, rows);
        a00.intoArray(y, at, m0);
        a01.intoArray(y, at + 16, m1);
        a10.intoArray(y, at + yStride, m0);
        a11.intoArray(y, at + yStride + 16, m1);
        a20.intoArray(y, at + 2 * yStride, m0);
        a21.intoArray(y, at + 2 * yStride + 16, m1);
        a30.intoArray(y, at + 3 * yStride, m0);
        a31.intoArray(y, at + 3 * yStride + 16, m1);
    }
}
