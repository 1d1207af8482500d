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
 * ones (as {@link IntegerWeights#laneOfRow}: the halves of each 32-bit lane are the two row ranges in order); the 32
 * rows' two sub-block scales as 32-bit integers; and their super-block scale d as floats. Rows past the end are
 * padded with zero scales.
 */
final class IntegerQ6_K extends IntegerWeights {
    private static final int SUPER = 256;
    private static final int BLOCK = 32;
    private static final int GGUF_BLOCK_BYTES = 210;
    private static final int GROUP_BLOCK_BYTES = RUN_BLOCK_BYTES;

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
            for (int i = 0; i < SUPER; i++) {
                long gb = group * blocks + s * (SUPER / BLOCK) + i / BLOCK;
                setRunByte(quants, gb, i % BLOCK, r, weight(data, source, i) - 32);
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

    /**
     * Four vectors sharing each run of weights; each eight-product sum is widened and multiplied by its sub-block's
     * scale at once (the same integers as {@link #dot1}, which scales the sub-block's sum: integer sums do not depend
     * on their order).
     */
    @Override
    void dot4(int g, QuantizedVectors x, int v, float[] y, int yStride, int yOffset) {
        short[] xq = x.quants();
        float[] dx = x.scales();
        FloatVector a00 = FloatVector.zero(FLOATS), a01 = a00, a10 = a00, a11 = a00;
        FloatVector a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        int x0 = v * cols, x1 = x0 + cols, x2 = x1 + cols, x3 = x2 + cols;
        for (int b = 0; b < blocks; b++) {
            long gb = (long) g * blocks + b;
            long sc = gb * 2 * GROUP * Integer.BYTES;
            IntVector i00 = IntVector.zero(INTS), i01 = i00, i10 = i00, i11 = i00;
            IntVector i20 = i00, i21 = i00, i30 = i00, i31 = i00;
            for (int k0 = 0; k0 < BLOCK; k0 += 8) {
                long at = sc + (k0 < 16 ? 0 : GROUP * Integer.BYTES);
                IntVector sLo = IntVector.fromMemorySegment(INTS, subScales, at, ByteOrder.LITTLE_ENDIAN);
                IntVector sHi = IntVector.fromMemorySegment(INTS, subScales, at + 64, ByteOrder.LITTLE_ENDIAN);
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
                i00 = i00.add(q.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).mul(sLo));
                i01 = i01.add(q.lanewise(VectorOperators.ASHR, 16).mul(sHi));
                q = c1.reinterpretAsInts();
                i10 = i10.add(q.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).mul(sLo));
                i11 = i11.add(q.lanewise(VectorOperators.ASHR, 16).mul(sHi));
                q = c2.reinterpretAsInts();
                i20 = i20.add(q.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).mul(sLo));
                i21 = i21.add(q.lanewise(VectorOperators.ASHR, 16).mul(sHi));
                q = c3.reinterpretAsInts();
                i30 = i30.add(q.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).mul(sLo));
                i31 = i31.add(q.lanewise(VectorOperators.ASHR, 16).mul(sHi));
            }
            long s = gb * GROUP * Float.BYTES;
            FloatVector d0 = FloatVector.fromMemorySegment(FLOATS, scales, s, ByteOrder.LITTLE_ENDIAN);
            FloatVector d1 = FloatVector.fromMemorySegment(FLOATS, scales, s + 64, ByteOrder.LITTLE_ENDIAN);
            int vb = v * blocks + b;
            float e0 = dx[vb], e1 = dx[vb + blocks], e2 = dx[vb + 2 * blocks], e3 = dx[vb + 3 * blocks];
            a00 = ((FloatVector) i00.convert(VectorOperators.I2F, 0)).fma(d0.mul(e0), a00);
            a01 = ((FloatVector) i01.convert(VectorOperators.I2F, 0)).fma(d1.mul(e0), a01);
            a10 = ((FloatVector) i10.convert(VectorOperators.I2F, 0)).fma(d0.mul(e1), a10);
            a11 = ((FloatVector) i11.convert(VectorOperators.I2F, 0)).fma(d1.mul(e1), a11);
            a20 = ((FloatVector) i20.convert(VectorOperators.I2F, 0)).fma(d0.mul(e2), a20);
            a21 = ((FloatVector) i21.convert(VectorOperators.I2F, 0)).fma(d1.mul(e2), a21);
            a30 = ((FloatVector) i30.convert(VectorOperators.I2F, 0)).fma(d0.mul(e3), a30);
            a31 = ((FloatVector) i31.convert(VectorOperators.I2F, 0)).fma(d1.mul(e3), a31);
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

    @Override
    boolean hasPanelKernel() {
        return PANELS;
    }

    /**
     * The panel kernel: the group's lanes two at a time with each panel of 64 vectors in the lanes of two 16-bit
     * vectors; each centred weight is broadcast and multiplies element k of the 64 vectors, eight products summed in
     * 16 bits, widened by shifts (each 32-bit lane an even and an odd vector) and multiplied by the sub-block's scale
     * into the block's 32-bit sums, which join each (row, vector)'s float chain as in every other kernel: the same
     * bits.
     */
    @Override
    void multiplyPanels(int g, QuantizedVectors x, float[] y, int yStride, int yOffset) {
        multiplyLanePairs(quants, blocks, g, x, y, yStride, yOffset, this::panel2);
    }

    /**
     * Lanes l0 and l0 + 1 of group g (rows l0 / 2 and 16 + l0 / 2) with panel p: the result of lane {@code l0 + r}
     * and the vector in panel lane i (see {@link QuantizedVectors#pairedLane}) to {@code out[at + r * 64 + i]}.
     */
    private void panel2(short[] w, int g, int l0, QuantizedVectors x, int p, float[] out, int at) {
        short[] xt = x.panelQuants();
        float[] st = x.pairedPanelScales();
        FloatVector f00 = FloatVector.zero(FLOATS), f01 = f00, f02 = f00, f03 = f00;
        FloatVector f10 = f00, f11 = f00, f12 = f00, f13 = f00;
        int panel = QuantizedVectors.PANEL;
        // The two lanes' rows (computed here: a call inside the loops can take this large method past what C2 inlines).
        int row0 = l0 / 2, row1 = 16 + l0 / 2;
        for (int b = 0; b < blocks; b++) {
            long gb = (long) g * blocks + b;
            IntVector i00 = IntVector.zero(INTS), i01 = i00, i02 = i00, i03 = i00;
            IntVector i10 = i00, i11 = i00, i12 = i00, i13 = i00;
            int xk = (p * cols + b * BLOCK) * panel;
            int wk = b * BLOCK * GROUP + l0;
            for (int k0 = 0; k0 < BLOCK; k0 += 8) {
                long sc = ((gb * 2 + k0 / 16) * GROUP) * Integer.BYTES;
                int s0 = subScales.get(LE_INT, sc + row0 * Integer.BYTES);
                int s1 = subScales.get(LE_INT, sc + row1 * Integer.BYTES);
                ShortVector c00 = ShortVector.zero(SHORTS), c01 = c00, c10 = c00, c11 = c00;
                for (int k = k0; k < k0 + 8; k++) {
                    ShortVector x0 = ShortVector.fromArray(SHORTS, xt, xk + k * panel);
                    ShortVector x1 = ShortVector.fromArray(SHORTS, xt, xk + k * panel + 32);
                    short w0 = w[wk + k * GROUP], w1 = w[wk + k * GROUP + 1];
                    c00 = c00.add(x0.mul(w0));
                    c01 = c01.add(x1.mul(w0));
                    c10 = c10.add(x0.mul(w1));
                    c11 = c11.add(x1.mul(w1));
                }
                IntVector q;
                q = c00.reinterpretAsInts();
                i00 = i00.add(q.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).mul(s0));
                i01 = i01.add(q.lanewise(VectorOperators.ASHR, 16).mul(s0));
                q = c01.reinterpretAsInts();
                i02 = i02.add(q.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).mul(s0));
                i03 = i03.add(q.lanewise(VectorOperators.ASHR, 16).mul(s0));
                q = c10.reinterpretAsInts();
                i10 = i10.add(q.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).mul(s1));
                i11 = i11.add(q.lanewise(VectorOperators.ASHR, 16).mul(s1));
                q = c11.reinterpretAsInts();
                i12 = i12.add(q.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).mul(s1));
                i13 = i13.add(q.lanewise(VectorOperators.ASHR, 16).mul(s1));
            }
            long sd = gb * GROUP * Float.BYTES;
            float d0 = scales.get(LE_FLOAT, sd + row0 * Float.BYTES), d1 = scales.get(LE_FLOAT, sd + row1 * Float.BYTES);
            int sx = (p * blocks + b) * panel;
            FloatVector t0 = FloatVector.fromArray(FLOATS, st, sx), t1 = FloatVector.fromArray(FLOATS, st, sx + 16);
            FloatVector t2 = FloatVector.fromArray(FLOATS, st, sx + 32), t3 = FloatVector.fromArray(FLOATS, st, sx + 48);
            f00 = ((FloatVector) i00.convert(VectorOperators.I2F, 0)).fma(t0.mul(d0), f00);
            f01 = ((FloatVector) i01.convert(VectorOperators.I2F, 0)).fma(t1.mul(d0), f01);
            f02 = ((FloatVector) i02.convert(VectorOperators.I2F, 0)).fma(t2.mul(d0), f02);
            f03 = ((FloatVector) i03.convert(VectorOperators.I2F, 0)).fma(t3.mul(d0), f03);
            f10 = ((FloatVector) i10.convert(VectorOperators.I2F, 0)).fma(t0.mul(d1), f10);
            f11 = ((FloatVector) i11.convert(VectorOperators.I2F, 0)).fma(t1.mul(d1), f11);
            f12 = ((FloatVector) i12.convert(VectorOperators.I2F, 0)).fma(t2.mul(d1), f12);
            f13 = ((FloatVector) i13.convert(VectorOperators.I2F, 0)).fma(t3.mul(d1), f13);
        }
        f00.intoArray(out, at + 0);
        f01.intoArray(out, at + 16);
        f02.intoArray(out, at + 32);
        f03.intoArray(out, at + 48);
        f10.intoArray(out, at + 64);
        f11.intoArray(out, at + 80);
        f12.intoArray(out, at + 96);
        f13.intoArray(out, at + 112);
    }
}
