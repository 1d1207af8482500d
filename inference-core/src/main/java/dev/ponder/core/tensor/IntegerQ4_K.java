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
 * Q4_K repacked for integer dot products (see {@link IntegerWeights}). The result for row r and vector v,
 * which {@link #referenceDot} computes from the GGUF bytes: for each sub-block j of 32 weights in order, with
 * {@code scale = d * sc_j} and {@code min = dmin * m_j} (exact in float, as {@link Q4_KFormat} rounds them),
 * {@code acc = fma((float) isum, scale * dx, acc)} then {@code acc = fma(-(float) sx, min * dx, acc)}, from
 * {@code acc = 0}, where {@code isum = sum_k q_k * xq_k} is the exact integer sum of the sub-block and
 * {@code sx} the sum of its activation integers.
 *
 * <p>Why 16-bit lanes are exact: the kernels sum the first and the last sixteen weights of a sub-block
 * separately, sixteen products of at most 15 * 127 each (30,480 &lt; 32,767), and add the two in 32-bit integers.
 *
 * <p>Layout: for each group of 32 rows and each super-block of 256 weights, 8 x 16 runs of 32 bytes, run
 * (j, i) holding, for each of the 32 rows, weight i of sub-block j in its low nibble and weight i + 16 in its
 * high nibble (the nibbles are regrouped from GGUF's order, where a byte holds two sub-blocks); the 32 rows'
 * {@code d} and {@code dmin} as floats; and their 6-bit scales and mins as bytes, sub-block by sub-block. Rows
 * past the end are padded with zero scales.
 */
final class IntegerQ4_K extends IntegerWeights {
    private static final int SUPER = 256;
    private static final int SUB = 32;
    private static final int GGUF_BLOCK_BYTES = 144;
    /** Quant bytes of a group's super-block: 128 runs of 32 bytes. */
    private static final int RUNS_BYTES = GROUP * SUPER / 2;
    /** A group's super-block's d then dmin, 32 floats each. */
    private static final int FACTORS_BYTES = 2 * GROUP * Float.BYTES;
    /** A group's super-block's 8 x 32 scale bytes then 8 x 32 min bytes. */
    private static final int FIELDS_BYTES = 2 * 8 * GROUP;

    private final int supers;
    private final MemorySegment quants;
    private final MemorySegment factors;
    private final MemorySegment fields;

    IntegerQ4_K(MemorySegment data, int rows, int cols) {
        super(rows, cols, SUPER, "Q4_K");
        this.supers = cols / SUPER;
        this.quants = allocate((long) supers * RUNS_BYTES);
        this.factors = allocate((long) supers * FACTORS_BYTES);
        this.fields = allocate((long) supers * FIELDS_BYTES);
        repackGroups(g -> repackGroup(data, g));
    }

    private void repackGroup(MemorySegment data, int group) {
        long rowBytes = (long) supers * GGUF_BLOCK_BYTES;
        for (int r = 0; r < GROUP && group * GROUP + r < rows; r++) {
            int row = group * GROUP + r;
            for (int s = 0; s < supers; s++) {
                long gs = (long) group * supers + s;
                long runs = gs * RUNS_BYTES + r;
                long factor = gs * FACTORS_BYTES + (long) r * Float.BYTES;
                long field = gs * FIELDS_BYTES + r;
                long base = row * rowBytes + (long) s * GGUF_BLOCK_BYTES;
                factors.set(LE_FLOAT, factor, Float.float16ToFloat(data.get(LE_SHORT, base)));
                factors.set(LE_FLOAT, factor + GROUP * Float.BYTES, Float.float16ToFloat(data.get(LE_SHORT, base + 2)));
                for (int j = 0; j < 8; j++) {
                    fields.set(ValueLayout.JAVA_BYTE, field + j * GROUP, (byte) KQuantScales.scale(data, base, j));
                    fields.set(ValueLayout.JAVA_BYTE, field + (8 + j) * GROUP, (byte) KQuantScales.min(data, base, j));
                }
                for (int j = 0; j < 8; j++) {
                    for (int i = 0; i < 16; i++) {
                        int first = nibble(data, base, j, i);
                        int second = nibble(data, base, j, i + 16);
                        quants.set(ValueLayout.JAVA_BYTE, runs + (long) (16 * j + i) * GROUP, (byte) (first | second << 4));
                    }
                }
            }
        }
    }

    /** Weight i (0..31) of sub-block j of the GGUF super-block at {@code base}: a nibble of byte 32 * (j / 2) + i. */
    private static int nibble(MemorySegment data, long base, int j, int i) {
        int packed = data.get(ValueLayout.JAVA_BYTE, base + 16 + 32 * (j / 2) + i) & 0xff;
        return j % 2 == 0 ? packed & 15 : packed >> 4;
    }

    /** The scalar reference, by the rule in the class comment. */
    static float referenceDot(MemorySegment data, long rowOffset, int cols, QuantizedVectors x, int v) {
        float acc = 0;
        int blocks = cols / SUB;
        for (int s = 0; s < cols / SUPER; s++) {
            long base = rowOffset + (long) s * GGUF_BLOCK_BYTES;
            float d = Float.float16ToFloat(data.get(LE_SHORT, base));
            float dmin = Float.float16ToFloat(data.get(LE_SHORT, base + 2));
            for (int j = 0; j < 8; j++) {
                float scale = d * KQuantScales.scale(data, base, j);
                float min = dmin * KQuantScales.min(data, base, j);
                int xb = v * blocks + s * 8 + j;
                int xi = xb * SUB;
                int isum = 0;
                for (int i = 0; i < SUB; i++) {
                    isum += nibble(data, base, j, i) * x.quants()[xi + i];
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
        int blocks = cols / SUB;
        FloatVector a0 = FloatVector.zero(FLOATS), a1 = a0;
        for (int s = 0; s < supers; s++) {
            long gs = (long) g * supers + s;
            long fa = gs * FACTORS_BYTES;
            FloatVector d0 = FloatVector.fromMemorySegment(FLOATS, factors, fa, ByteOrder.LITTLE_ENDIAN);
            FloatVector d1 = FloatVector.fromMemorySegment(FLOATS, factors, fa + 64, ByteOrder.LITTLE_ENDIAN);
            FloatVector m0 = FloatVector.fromMemorySegment(FLOATS, factors, fa + 128, ByteOrder.LITTLE_ENDIAN);
            FloatVector m1 = FloatVector.fromMemorySegment(FLOATS, factors, fa + 192, ByteOrder.LITTLE_ENDIAN);
            for (int j = 0; j < 8; j++) {
                ShortVector lo = ShortVector.zero(SHORTS), hi = lo;
                long runs = gs * RUNS_BYTES + (long) j * 16 * GROUP;
                int xi = v * cols + s * SUPER + SUB * j;
                for (int i = 0; i < 16; i++) {
                    ShortVector w = (ShortVector) ByteVector.fromMemorySegment(BYTES, quants, runs + i * GROUP,
                            ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2S, SHORTS, 0);
                    ShortVector wl = w.and((short) 15);
                    ShortVector wh = w.lanewise(VectorOperators.LSHR, 4).and((short) 15);
                    lo = lo.add(wl.mul(xq[xi + i]));
                    hi = hi.add(wh.mul(xq[xi + 16 + i]));
                }
                long f = gs * FIELDS_BYTES + (long) j * GROUP;
                ByteVector sc = ByteVector.fromMemorySegment(BYTES, fields, f, ByteOrder.LITTLE_ENDIAN);
                ByteVector mn = ByteVector.fromMemorySegment(BYTES, fields, f + 8 * GROUP, ByteOrder.LITTLE_ENDIAN);
                FloatVector s0 = ((FloatVector) sc.convertShape(VectorOperators.B2F, FLOATS, 0)).mul(d0);
                FloatVector s1 = ((FloatVector) sc.convertShape(VectorOperators.B2F, FLOATS, 1)).mul(d1);
                FloatVector n0 = ((FloatVector) mn.convertShape(VectorOperators.B2F, FLOATS, 0)).mul(m0);
                FloatVector n1 = ((FloatVector) mn.convertShape(VectorOperators.B2F, FLOATS, 1)).mul(m1);
                int vb = v * blocks + s * 8 + j;
                a0 = ((FloatVector) ((IntVector) lo.convertShape(VectorOperators.S2I, INTS, 0))
                        .add((IntVector) hi.convertShape(VectorOperators.S2I, INTS, 0))
                        .convertShape(VectorOperators.I2F, FLOATS, 0)).fma(s0.mul(dx[vb]), a0);
                a0 = FloatVector.broadcast(FLOATS, -(float) sx[vb]).fma(n0.mul(dx[vb]), a0);
                a1 = ((FloatVector) ((IntVector) lo.convertShape(VectorOperators.S2I, INTS, 1))
                        .add((IntVector) hi.convertShape(VectorOperators.S2I, INTS, 1))
                        .convertShape(VectorOperators.I2F, FLOATS, 0)).fma(s1.mul(dx[vb]), a1);
                a1 = FloatVector.broadcast(FLOATS, -(float) sx[vb]).fma(n1.mul(dx[vb]), a1);
            }
        }
        VectorMask<Float> k0 = FLOATS.indexInRange(g * GROUP, rows), k1 = FLOATS.indexInRange(g * GROUP + 16, rows);
        a0.intoArray(y, yAt + g * GROUP, k0);
        a1.intoArray(y, yAt + g * GROUP + 16, k1);
    }

    /** Four vectors as two pairs (a kernel for four was too large for C1, and C2 did not inline a smaller helper). */
    @Override
    void dot4(int g, QuantizedVectors x, int v, float[] y, int yStride, int yOffset) {
        dot2(g, x, v, y, yStride, yOffset);
        dot2(g, x, v + 2, y, yStride, yOffset);
    }

    /**
     * As {@link #dot1} for vectors {@code v} and {@code v + 1}: each run of weights unpacked once for both; the
     * float sums are kept in {@code y} itself between sub-blocks (fewer vectors held across the inner loop).
     */
    private void dot2(int g, QuantizedVectors x, int v, float[] y, int yStride, int yOffset) {
        short[] xq = x.quants();
        float[] dx = x.scales();
        int[] sx = x.sums();
        int blocks = cols / SUB;
        int at = yOffset + v * yStride + g * GROUP;
        VectorMask<Float> k0 = FLOATS.indexInRange(g * GROUP, rows), k1 = FLOATS.indexInRange(g * GROUP + 16, rows);
        FloatVector zero = FloatVector.zero(FLOATS);
        zero.intoArray(y, at, k0);
        zero.intoArray(y, at + 16, k1);
        zero.intoArray(y, at + yStride, k0);
        zero.intoArray(y, at + yStride + 16, k1);
        for (int s = 0; s < supers; s++) {
            long gs = (long) g * supers + s;
            for (int j = 0; j < 8; j++) {
                ShortVector lo0 = ShortVector.zero(SHORTS), hi0 = lo0, lo1 = lo0, hi1 = lo0;
                long runs = gs * RUNS_BYTES + (long) j * 16 * GROUP;
                int x0 = v * cols + s * SUPER + SUB * j, x1 = x0 + cols;
                for (int i = 0; i < 16; i++) {
                    ShortVector w = (ShortVector) ByteVector.fromMemorySegment(BYTES, quants, runs + i * GROUP,
                            ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2S, SHORTS, 0);
                    ShortVector wl = w.and((short) 15);
                    ShortVector wh = w.lanewise(VectorOperators.LSHR, 4).and((short) 15);
                    lo0 = lo0.add(wl.mul(xq[x0 + i]));
                    hi0 = hi0.add(wh.mul(xq[x0 + 16 + i]));
                    lo1 = lo1.add(wl.mul(xq[x1 + i]));
                    hi1 = hi1.add(wh.mul(xq[x1 + 16 + i]));
                }
                long f = gs * FIELDS_BYTES + (long) j * GROUP;
                ByteVector sc = ByteVector.fromMemorySegment(BYTES, fields, f, ByteOrder.LITTLE_ENDIAN);
                ByteVector mn = ByteVector.fromMemorySegment(BYTES, fields, f + 8 * GROUP, ByteOrder.LITTLE_ENDIAN);
                long fa = gs * FACTORS_BYTES;
                FloatVector s0 = ((FloatVector) sc.convertShape(VectorOperators.B2F, FLOATS, 0))
                        .mul(FloatVector.fromMemorySegment(FLOATS, factors, fa, ByteOrder.LITTLE_ENDIAN));
                FloatVector s1 = ((FloatVector) sc.convertShape(VectorOperators.B2F, FLOATS, 1))
                        .mul(FloatVector.fromMemorySegment(FLOATS, factors, fa + 64, ByteOrder.LITTLE_ENDIAN));
                FloatVector n0 = ((FloatVector) mn.convertShape(VectorOperators.B2F, FLOATS, 0))
                        .mul(FloatVector.fromMemorySegment(FLOATS, factors, fa + 128, ByteOrder.LITTLE_ENDIAN));
                FloatVector n1 = ((FloatVector) mn.convertShape(VectorOperators.B2F, FLOATS, 1))
                        .mul(FloatVector.fromMemorySegment(FLOATS, factors, fa + 192, ByteOrder.LITTLE_ENDIAN));
                FloatVector a;
                int vb0 = v * blocks + s * 8 + j;
                a = ((FloatVector) ((IntVector) lo0.convertShape(VectorOperators.S2I, INTS, 0))
                        .add((IntVector) hi0.convertShape(VectorOperators.S2I, INTS, 0))
                        .convertShape(VectorOperators.I2F, FLOATS, 0)).fma(s0.mul(dx[vb0]), FloatVector.fromArray(FLOATS, y, at, k0));
                FloatVector.broadcast(FLOATS, -(float) sx[vb0]).fma(n0.mul(dx[vb0]), a).intoArray(y, at, k0);
                a = ((FloatVector) ((IntVector) lo0.convertShape(VectorOperators.S2I, INTS, 1))
                        .add((IntVector) hi0.convertShape(VectorOperators.S2I, INTS, 1))
                        .convertShape(VectorOperators.I2F, FLOATS, 0)).fma(s1.mul(dx[vb0]), FloatVector.fromArray(FLOATS, y, at + 16, k1));
                FloatVector.broadcast(FLOATS, -(float) sx[vb0]).fma(n1.mul(dx[vb0]), a).intoArray(y, at + 16, k1);
                int vb1 = (v + 1) * blocks + s * 8 + j;
                a = ((FloatVector) ((IntVector) lo1.convertShape(VectorOperators.S2I, INTS, 0))
                        .add((IntVector) hi1.convertShape(VectorOperators.S2I, INTS, 0))
                        .convertShape(VectorOperators.I2F, FLOATS, 0)).fma(s0.mul(dx[vb1]), FloatVector.fromArray(FLOATS, y, at + 1 * yStride, k0));
                FloatVector.broadcast(FLOATS, -(float) sx[vb1]).fma(n0.mul(dx[vb1]), a).intoArray(y, at + 1 * yStride, k0);
                a = ((FloatVector) ((IntVector) lo1.convertShape(VectorOperators.S2I, INTS, 1))
                        .add((IntVector) hi1.convertShape(VectorOperators.S2I, INTS, 1))
                        .convertShape(VectorOperators.I2F, FLOATS, 0)).fma(s1.mul(dx[vb1]), FloatVector.fromArray(FLOATS, y, at + 1 * yStride + 16, k1));
                FloatVector.broadcast(FLOATS, -(float) sx[vb1]).fma(n1.mul(dx[vb1]), a).intoArray(y, at + 1 * yStride + 16, k1);
            }
        }
    }
}
