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
 * Q8_0 repacked for integer dot products (see {@link IntegerWeights}). The result for row r and vector v,
 * which {@link #referenceDot} computes from the GGUF bytes: for each block b in order,
 * {@code acc = fma((float) isum, d_r,b * dx_v,b, acc)} from {@code acc = 0}, where
 * {@code isum = sum_k q_k * xq_k} is the exact integer sum of the block (at most 32 * 128 * 127 in magnitude, so
 * exact as a float too).
 *
 * <p>Why 16-bit lanes are exact: one product of an 8-bit weight and an activation in [-127, 127] is at most
 * 16,256 in magnitude, so two of them sum exactly in 16 bits (32,512 &lt; 32,767); the kernels add products in
 * pairs and widen each pair's sum to 32 bits. That widening is the price of 8-bit weights: about twice the
 * instructions per multiply-add of the 4-bit kernels.
 *
 * <p>Layout: for each group of 32 rows and each block, 32 runs of 32 bytes, run k holding weight k of the block
 * of each of the 32 rows (rows 0-15 in the even bytes, 16-31 in the odd ones: {@link #laneOfRow}); and the 32 rows'
 * scales of each block as floats, in row order. Rows past the end of the matrix are padded with zero scales.
 */
final class IntegerQ8_0 extends IntegerWeights {
    private static final int BLOCK = 32;
    private static final int GGUF_BLOCK_BYTES = 34;
    private static final int GROUP_BLOCK_BYTES = RUN_BLOCK_BYTES;

    private final int blocks;
    private final MemorySegment quants;
    private final MemorySegment scales;

    /** Repacks {@code rows} rows of {@code cols} Q8_0 weights from {@code data} (GGUF layout), off the heap. */
    IntegerQ8_0(MemorySegment data, int rows, int cols) {
        super(rows, cols, BLOCK, "Q8_0");
        this.blocks = cols / BLOCK;
        this.quants = allocate((long) blocks * GROUP_BLOCK_BYTES);
        this.scales = allocate((long) blocks * GROUP * Float.BYTES);
        repackBlocks(blocks, GGUF_BLOCK_BYTES, (r, groupBlock, source) -> {
            copyScale(data, source, scales, r, groupBlock);
            for (int k = 0; k < BLOCK; k++) {
                setRunByte(quants, groupBlock, k, r, data.get(ValueLayout.JAVA_BYTE, source + 2 + k));
            }
        });
    }

    /**
     * The scalar reference: row {@code rowOffset} of GGUF Q8_0 bytes times vector {@code v} of {@code x}, by the
     * rule in the class comment.
     */
    static float referenceDot(MemorySegment data, long rowOffset, int cols, QuantizedVectors x, int v) {
        float acc = 0;
        int blocks = cols / BLOCK;
        for (int b = 0; b < blocks; b++) {
            long base = rowOffset + (long) b * GGUF_BLOCK_BYTES;
            int xi = v * x.cols() + b * BLOCK;
            int isum = 0;
            for (int k = 0; k < BLOCK; k++) {
                isum += data.get(ValueLayout.JAVA_BYTE, base + 2 + k) * x.quants()[xi + k];
            }
            float d = Float.float16ToFloat(data.get(LE_SHORT, base));
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
            IntVector i0 = IntVector.zero(INTS), i1 = i0;
            long gb = (long) g * blocks + b;
            int xb = xv + b * BLOCK;
            for (int k = 0; k < BLOCK; k += 2) {
                long at = gb * GROUP_BLOCK_BYTES + (long) k * GROUP;
                ShortVector wa = (ShortVector) ByteVector.fromMemorySegment(BYTES, quants, at, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.B2S, SHORTS, 0);
                ShortVector wb = (ShortVector) ByteVector.fromMemorySegment(BYTES, quants, at + GROUP,
                        ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2S, SHORTS, 0);
                IntVector pair = wa.mul(xq[xb + k]).add(wb.mul(xq[xb + k + 1])).reinterpretAsInts();
                i0 = i0.add(pair.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                i1 = i1.add(pair.lanewise(VectorOperators.ASHR, 16));
            }
            float d = dx[v * blocks + b];
            long s = gb * GROUP * Float.BYTES;
            a0 = ((FloatVector) i0.convertShape(VectorOperators.I2F, FLOATS, 0))
                    .fma(FloatVector.fromMemorySegment(FLOATS, scales, s, ByteOrder.LITTLE_ENDIAN).mul(d), a0);
            a1 = ((FloatVector) i1.convertShape(VectorOperators.I2F, FLOATS, 0))
                    .fma(FloatVector.fromMemorySegment(FLOATS, scales, s + 64, ByteOrder.LITTLE_ENDIAN).mul(d), a1);
        }
        VectorMask<Float> m0 = FLOATS.indexInRange(g * GROUP, rows), m1 = FLOATS.indexInRange(g * GROUP + 16, rows);
        a0.intoArray(y, yAt + g * GROUP, m0);
        a1.intoArray(y, yAt + g * GROUP + 16, m1);
    }

    @Override
    void dot4(int g, QuantizedVectors x, int v, float[] y, int yStride, int yOffset) {
        short[] xq = x.quants();
        float[] dx = x.scales();
        FloatVector a00 = FloatVector.zero(FLOATS), a01 = a00, a10 = a00, a11 = a00;
        FloatVector a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        int x0 = v * cols, x1 = x0 + cols, x2 = x1 + cols, x3 = x2 + cols;
        for (int b = 0; b < blocks; b++) {
            IntVector i00 = IntVector.zero(INTS), i01 = i00, i10 = i00, i11 = i00;
            IntVector i20 = i00, i21 = i00, i30 = i00, i31 = i00;
            long gb = (long) g * blocks + b;
            for (int j = 0; j < BLOCK; j += 2) {
                long at = gb * GROUP_BLOCK_BYTES + (long) j * GROUP;
                ShortVector wa = (ShortVector) ByteVector.fromMemorySegment(BYTES, quants, at, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.B2S, SHORTS, 0);
                ShortVector wb = (ShortVector) ByteVector.fromMemorySegment(BYTES, quants, at + GROUP,
                        ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2S, SHORTS, 0);
                int k = b * BLOCK + j;
                ShortVector p0 = wa.mul(xq[x0 + k]).add(wb.mul(xq[x0 + k + 1]));
                ShortVector p1 = wa.mul(xq[x1 + k]).add(wb.mul(xq[x1 + k + 1]));
                ShortVector p2 = wa.mul(xq[x2 + k]).add(wb.mul(xq[x2 + k + 1]));
                ShortVector p3 = wa.mul(xq[x3 + k]).add(wb.mul(xq[x3 + k + 1]));
                i00 = i00.add(p0.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                i01 = i01.add(p0.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16));
                i10 = i10.add(p1.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                i11 = i11.add(p1.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16));
                i20 = i20.add(p2.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                i21 = i21.add(p2.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16));
                i30 = i30.add(p3.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                i31 = i31.add(p3.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16));
            }
            long s = gb * GROUP * Float.BYTES;
            FloatVector s0 = FloatVector.fromMemorySegment(FLOATS, scales, s, ByteOrder.LITTLE_ENDIAN);
            FloatVector s1 = FloatVector.fromMemorySegment(FLOATS, scales, s + 16 * Float.BYTES, ByteOrder.LITTLE_ENDIAN);
            int vb = v * blocks + b;
            float d0 = dx[vb], d1 = dx[vb + blocks], d2 = dx[vb + 2 * blocks], d3 = dx[vb + 3 * blocks];
            a00 = ((FloatVector) i00.convertShape(VectorOperators.I2F, FLOATS, 0)).fma(s0.mul(d0), a00);
            a01 = ((FloatVector) i01.convertShape(VectorOperators.I2F, FLOATS, 0)).fma(s1.mul(d0), a01);
            a10 = ((FloatVector) i10.convertShape(VectorOperators.I2F, FLOATS, 0)).fma(s0.mul(d1), a10);
            a11 = ((FloatVector) i11.convertShape(VectorOperators.I2F, FLOATS, 0)).fma(s1.mul(d1), a11);
            a20 = ((FloatVector) i20.convertShape(VectorOperators.I2F, FLOATS, 0)).fma(s0.mul(d2), a20);
            a21 = ((FloatVector) i21.convertShape(VectorOperators.I2F, FLOATS, 0)).fma(s1.mul(d2), a21);
            a30 = ((FloatVector) i30.convertShape(VectorOperators.I2F, FLOATS, 0)).fma(s0.mul(d3), a30);
            a31 = ((FloatVector) i31.convertShape(VectorOperators.I2F, FLOATS, 0)).fma(s1.mul(d3), a31);
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
     * The panel kernel: the 32 rows of group g, two at a time, with each panel of 64 vectors in the lanes of two
     * 16-bit vectors; each weight is broadcast and multiplies element k of the 64 vectors, the products of
     * elements k and k + 1 summed in 16 bits and widened into the block's 32-bit sums, which join each (row,
     * vector)'s float chain as in every other kernel: the same bits.
     */
    @Override
    void multiplyPanels(int g, QuantizedVectors x, float[] y, int yStride, int yOffset) {
        multiplyLanePairs(quants, blocks, g, x, y, yStride, yOffset, this::panel2);
    }

    /**
     * Lanes l0 and l0 + 1 of group g (rows {@code rowOfLane}) with panel p: the result of lane {@code l0 + r} and the
     * vector in panel lane i (see {@link QuantizedVectors#pairedLane}) to {@code out[at + r * 64 + i]}.
     */
    private void panel2(short[] w, int g, int l0, QuantizedVectors x, int p, float[] out, int at) {
        short[] xt = x.panelQuants();
        float[] st = x.pairedPanelScales();
        FloatVector f00 = FloatVector.zero(FLOATS), f01 = f00, f02 = f00, f03 = f00;
        FloatVector f10 = f00, f11 = f00, f12 = f00, f13 = f00;
        int panel = QuantizedVectors.PANEL;
        // The byte offsets of the two lanes' rows among a block's scales (computed here: a call inside the loop below
        // can take this large method past what C2 inlines).
        int row0 = (l0 / 2) * Float.BYTES, row1 = (16 + l0 / 2) * Float.BYTES;
        for (int b = 0; b < blocks; b++) {
            IntVector i00 = IntVector.zero(INTS), i01 = i00, i02 = i00, i03 = i00;
            IntVector i10 = i00, i11 = i00, i12 = i00, i13 = i00;
            int xk = (p * cols + b * BLOCK) * panel;
            int wk = b * BLOCK * GROUP + l0;
            for (int j = 0; j < BLOCK; j += 2) {
                int xa = xk + j * panel;
                ShortVector xa0 = ShortVector.fromArray(SHORTS, xt, xa);
                ShortVector xa1 = ShortVector.fromArray(SHORTS, xt, xa + 32);
                ShortVector xb0 = ShortVector.fromArray(SHORTS, xt, xa + panel);
                ShortVector xb1 = ShortVector.fromArray(SHORTS, xt, xa + panel + 32);
                int wj = wk + j * GROUP;
                short w0a = w[wj], w1a = w[wj + 1], w0b = w[wj + GROUP], w1b = w[wj + GROUP + 1];
                ShortVector p00 = xa0.mul(w0a).add(xb0.mul(w0b));
                ShortVector p01 = xa1.mul(w0a).add(xb1.mul(w0b));
                ShortVector p10 = xa0.mul(w1a).add(xb0.mul(w1b));
                ShortVector p11 = xa1.mul(w1a).add(xb1.mul(w1b));
                IntVector q00 = p00.reinterpretAsInts(), q01 = p01.reinterpretAsInts();
                IntVector q10 = p10.reinterpretAsInts(), q11 = p11.reinterpretAsInts();
                i00 = i00.add(q00.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                i01 = i01.add(q00.lanewise(VectorOperators.ASHR, 16));
                i02 = i02.add(q01.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                i03 = i03.add(q01.lanewise(VectorOperators.ASHR, 16));
                i10 = i10.add(q10.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                i11 = i11.add(q10.lanewise(VectorOperators.ASHR, 16));
                i12 = i12.add(q11.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                i13 = i13.add(q11.lanewise(VectorOperators.ASHR, 16));
            }
            // Written out, not in a helper: a helper taking vectors was not inlined into kernels this large and ran
            // boxed (IntegerQ4_0.panel4).
            long sc = ((long) g * blocks + b) * GROUP * Float.BYTES;
            float d0 = scales.get(LE_FLOAT, sc + row0), d1 = scales.get(LE_FLOAT, sc + row1);
            int sx = (p * blocks + b) * panel;
            FloatVector t0 = FloatVector.fromArray(FLOATS, st, sx), t1 = FloatVector.fromArray(FLOATS, st, sx + 16);
            FloatVector t2 = FloatVector.fromArray(FLOATS, st, sx + 32), t3 = FloatVector.fromArray(FLOATS, st, sx + 48);
            f00 = ((FloatVector) i00.convertShape(VectorOperators.I2F, FLOATS, 0)).fma(t0.mul(d0), f00);
            f01 = ((FloatVector) i01.convertShape(VectorOperators.I2F, FLOATS, 0)).fma(t1.mul(d0), f01);
            f02 = ((FloatVector) i02.convertShape(VectorOperators.I2F, FLOATS, 0)).fma(t2.mul(d0), f02);
            f03 = ((FloatVector) i03.convertShape(VectorOperators.I2F, FLOATS, 0)).fma(t3.mul(d0), f03);
            f10 = ((FloatVector) i10.convertShape(VectorOperators.I2F, FLOATS, 0)).fma(t0.mul(d1), f10);
            f11 = ((FloatVector) i11.convertShape(VectorOperators.I2F, FLOATS, 0)).fma(t1.mul(d1), f11);
            f12 = ((FloatVector) i12.convertShape(VectorOperators.I2F, FLOATS, 0)).fma(t2.mul(d1), f12);
            f13 = ((FloatVector) i13.convertShape(VectorOperators.I2F, FLOATS, 0)).fma(t3.mul(d1), f13);
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
