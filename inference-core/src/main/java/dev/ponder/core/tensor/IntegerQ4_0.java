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
 * Q4_0 repacked for integer dot products (see {@link IntegerWeights}). The result for row r and vector v,
 * which {@link #referenceDot} computes from the GGUF bytes: for each block b in order,
 * {@code acc = fma((float) isum, d_r,b * dx_v,b, acc)} from {@code acc = 0}, where
 * {@code isum = sum_k (q_k - 8) * xq_k} is the exact integer sum of the block.
 *
 * <p>Why 16-bit lanes are exact: the kernels sum the low and the high nibbles (0..15) separately, sixteen
 * products of at most 15 * 127 each (30,480 &lt; 32,767), and take {@code 8 * sum(xq)} out in 32-bit integers.
 *
 * <p>Layout: for each group of 32 rows and each block, 16 runs of 32 bytes, run j holding byte j of the
 * block of each of the 32 rows (low nibble: weight j, high nibble: weight j + 16); and the 32 rows' scales
 * of each block as floats. Rows past the end of the matrix are padded with zero scales.
 */
final class IntegerQ4_0 extends IntegerWeights {
    private static final int BLOCK = 32;
    private static final int GGUF_BLOCK_BYTES = 18;
    private static final int GROUP_BLOCK_BYTES = GROUP * BLOCK / 2;

    private final int blocks;
    private final MemorySegment quants;
    private final MemorySegment scales;

    /** Repacks {@code rows} rows of {@code cols} Q4_0 weights from {@code data} (GGUF layout), off the heap. */
    IntegerQ4_0(MemorySegment data, int rows, int cols) {
        super(rows, cols, BLOCK, "Q4_0");
        this.blocks = cols / BLOCK;
        this.quants = allocate((long) blocks * GROUP_BLOCK_BYTES);
        this.scales = allocate((long) blocks * GROUP * Float.BYTES);
        repackBlocks(blocks, GGUF_BLOCK_BYTES, (r, groupBlock, source) -> {
            copyScale(data, source, scales, r, groupBlock);
            long runs = groupBlock * GROUP_BLOCK_BYTES + r;
            for (int j = 0; j < BLOCK / 2; j++) {
                quants.set(ValueLayout.JAVA_BYTE, runs + j * GROUP, data.get(ValueLayout.JAVA_BYTE, source + 2 + j));
            }
        });
    }

    /**
     * The scalar reference: row {@code rowOffset} of GGUF Q4_0 bytes times vector {@code v} of {@code x}, by the
     * rule in the class comment.
     */
    static float referenceDot(MemorySegment data, long rowOffset, int cols, QuantizedVectors x, int v) {
        float acc = 0;
        int blocks = cols / BLOCK;
        for (int b = 0; b < blocks; b++) {
            long base = rowOffset + (long) b * GGUF_BLOCK_BYTES;
            int xi = v * x.cols() + b * BLOCK;
            int isum = 0;
            for (int j = 0; j < BLOCK / 2; j++) {
                int packed = data.get(ValueLayout.JAVA_BYTE, base + 2 + j) & 0xff;
                isum += ((packed & 15) - 8) * x.quants()[xi + j] + ((packed >> 4) - 8) * x.quants()[xi + j + 16];
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
        int[] sx = x.sums();
        FloatVector a0 = FloatVector.zero(FLOATS), a1 = a0;
        int xv = v * cols;
        for (int b = 0; b < blocks; b++) {
            ShortVector lo = ShortVector.zero(SHORTS), hi = lo;
            long runs = ((long) g * blocks + b) * GROUP_BLOCK_BYTES;
            int xb = xv + b * BLOCK;
            for (int j = 0; j < BLOCK / 2; j++) {
                ShortVector w = (ShortVector) ByteVector.fromMemorySegment(BYTES, quants, runs + j * GROUP,
                        ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2S, SHORTS, 0);
                lo = lo.add(w.and((short) 15).mul(xq[xb + j]));
                hi = hi.add(w.lanewise(VectorOperators.LSHR, 4).and((short) 15).mul(xq[xb + j + 16]));
            }
            int vb = v * blocks + b;
            int offset = 8 * sx[vb];
            float d = dx[vb];
            long s = ((long) g * blocks + b) * GROUP * Float.BYTES;
            a0 = ((FloatVector) ((IntVector) lo.convertShape(VectorOperators.S2I, INTS, 0))
                    .add((IntVector) hi.convertShape(VectorOperators.S2I, INTS, 0)).sub(offset)
                    .convertShape(VectorOperators.I2F, FLOATS, 0))
                    .fma(FloatVector.fromMemorySegment(FLOATS, scales, s, ByteOrder.LITTLE_ENDIAN).mul(d), a0);
            a1 = ((FloatVector) ((IntVector) lo.convertShape(VectorOperators.S2I, INTS, 1))
                    .add((IntVector) hi.convertShape(VectorOperators.S2I, INTS, 1)).sub(offset)
                    .convertShape(VectorOperators.I2F, FLOATS, 0))
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
        int[] sx = x.sums();
        FloatVector a00 = FloatVector.zero(FLOATS), a01 = a00, a10 = a00, a11 = a00;
        FloatVector a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        int x0 = v * cols, x1 = x0 + cols, x2 = x1 + cols, x3 = x2 + cols;
        for (int b = 0; b < blocks; b++) {
            ShortVector l0 = ShortVector.zero(SHORTS), h0 = l0, l1 = l0, h1 = l0, l2 = l0, h2 = l0, l3 = l0, h3 = l0;
            long runs = ((long) g * blocks + b) * GROUP_BLOCK_BYTES;
            for (int j = 0; j < BLOCK / 2; j++) {
                ShortVector w = (ShortVector) ByteVector.fromMemorySegment(BYTES, quants, runs + j * GROUP,
                        ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2S, SHORTS, 0);
                ShortVector wl = w.and((short) 15);
                ShortVector wh = w.lanewise(VectorOperators.LSHR, 4).and((short) 15);
                int k = b * BLOCK + j;
                l0 = l0.add(wl.mul(xq[x0 + k]));
                h0 = h0.add(wh.mul(xq[x0 + k + 16]));
                l1 = l1.add(wl.mul(xq[x1 + k]));
                h1 = h1.add(wh.mul(xq[x1 + k + 16]));
                l2 = l2.add(wl.mul(xq[x2 + k]));
                h2 = h2.add(wh.mul(xq[x2 + k + 16]));
                l3 = l3.add(wl.mul(xq[x3 + k]));
                h3 = h3.add(wh.mul(xq[x3 + k + 16]));
            }
            long s = ((long) g * blocks + b) * GROUP * Float.BYTES;
            FloatVector s0 = FloatVector.fromMemorySegment(FLOATS, scales, s, ByteOrder.LITTLE_ENDIAN);
            FloatVector s1 = FloatVector.fromMemorySegment(FLOATS, scales, s + 16 * Float.BYTES, ByteOrder.LITTLE_ENDIAN);
            int vb = v * blocks + b;
            a00 = ((FloatVector) ((IntVector) l0.convertShape(VectorOperators.S2I, INTS, 0))
                    .add((IntVector) h0.convertShape(VectorOperators.S2I, INTS, 0)).sub(8 * sx[vb])
                    .convertShape(VectorOperators.I2F, FLOATS, 0)).fma(s0.mul(dx[vb]), a00);
            a01 = ((FloatVector) ((IntVector) l0.convertShape(VectorOperators.S2I, INTS, 1))
                    .add((IntVector) h0.convertShape(VectorOperators.S2I, INTS, 1)).sub(8 * sx[vb])
                    .convertShape(VectorOperators.I2F, FLOATS, 0)).fma(s1.mul(dx[vb]), a01);
            vb += blocks;
            a10 = ((FloatVector) ((IntVector) l1.convertShape(VectorOperators.S2I, INTS, 0))
                    .add((IntVector) h1.convertShape(VectorOperators.S2I, INTS, 0)).sub(8 * sx[vb])
                    .convertShape(VectorOperators.I2F, FLOATS, 0)).fma(s0.mul(dx[vb]), a10);
            a11 = ((FloatVector) ((IntVector) l1.convertShape(VectorOperators.S2I, INTS, 1))
                    .add((IntVector) h1.convertShape(VectorOperators.S2I, INTS, 1)).sub(8 * sx[vb])
                    .convertShape(VectorOperators.I2F, FLOATS, 0)).fma(s1.mul(dx[vb]), a11);
            vb += blocks;
            a20 = ((FloatVector) ((IntVector) l2.convertShape(VectorOperators.S2I, INTS, 0))
                    .add((IntVector) h2.convertShape(VectorOperators.S2I, INTS, 0)).sub(8 * sx[vb])
                    .convertShape(VectorOperators.I2F, FLOATS, 0)).fma(s0.mul(dx[vb]), a20);
            a21 = ((FloatVector) ((IntVector) l2.convertShape(VectorOperators.S2I, INTS, 1))
                    .add((IntVector) h2.convertShape(VectorOperators.S2I, INTS, 1)).sub(8 * sx[vb])
                    .convertShape(VectorOperators.I2F, FLOATS, 0)).fma(s1.mul(dx[vb]), a21);
            vb += blocks;
            a30 = ((FloatVector) ((IntVector) l3.convertShape(VectorOperators.S2I, INTS, 0))
                    .add((IntVector) h3.convertShape(VectorOperators.S2I, INTS, 0)).sub(8 * sx[vb])
                    .convertShape(VectorOperators.I2F, FLOATS, 0)).fma(s0.mul(dx[vb]), a30);
            a31 = ((FloatVector) ((IntVector) l3.convertShape(VectorOperators.S2I, INTS, 1))
                    .add((IntVector) h3.convertShape(VectorOperators.S2I, INTS, 1)).sub(8 * sx[vb])
                    .convertShape(VectorOperators.I2F, FLOATS, 0)).fma(s1.mul(dx[vb]), a31);
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

    /** Group weights unpacked for the panel kernel, one buffer per thread. */
    private static final ThreadLocal<short[]> UNPACKED = ThreadLocal.withInitial(() -> new short[0]);

    /**
     * The panel kernel: the 32 rows of group g, four at a time, with each panel of 64 vectors in the lanes of two
     * 16-bit vectors; each weight, centred ({@code q - 8} in [-8, 7]), is broadcast and multiplies element k of the
     * 64 vectors. A block's 32 products per (row, vector) sum exactly in 16 bits (at most 32 * 8 * 127 = 32,512),
     * and the block's sum joins the (row, vector)'s float chain as in every other kernel: the same bits.
     */
    @Override
    void multiplyPanels(int g, QuantizedVectors x, float[] y, int yStride, int yOffset) {
        short[] w = unpackGroup(g);
        int panel = QuantizedVectors.PANEL;
        float[] out = PANEL_OUT.get();
        int groupRows = Math.min(GROUP, rows - g * GROUP);
        for (int p = 0; p < x.panels(); p++) {
            for (int r0 = 0; r0 < groupRows; r0 += 4) {
                panel4(w, g, r0, x, p, out, r0 * panel);
            }
            // Out of the lanes: each vector's outputs of the group's rows are adjacent in y, so write them in a run.
            for (int i = 0; i < panel; i++) {
                int at = yOffset + (p * panel + i) * yStride + g * GROUP;
                int lane = i / 32 * 32 + QuantizedVectors.pairedLane(i % 32);
                for (int r = 0; r < groupRows; r++) {
                    y[at + r] = out[r * panel + lane];
                }
            }
        }
    }

    /** Group g's weights centred, weight k of row r at {@code [k * 32 + r]}. */
    private short[] unpackGroup(int g) {
        short[] w = UNPACKED.get();
        if (w.length < cols * GROUP) {
            w = new short[cols * GROUP];
            UNPACKED.set(w);
        }
        for (int b = 0; b < blocks; b++) {
            long runs = ((long) g * blocks + b) * GROUP_BLOCK_BYTES;
            for (int j = 0; j < BLOCK / 2; j++) {
                ShortVector packed = (ShortVector) ByteVector.fromMemorySegment(BYTES, quants, runs + j * GROUP,
                        ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2S, SHORTS, 0);
                packed.and((short) 15).sub((short) 8).intoArray(w, (b * BLOCK + j) * GROUP);
                packed.lanewise(VectorOperators.LSHR, 4).and((short) 15).sub((short) 8)
                        .intoArray(w, (b * BLOCK + j + 16) * GROUP);
            }
        }
        return w;
    }

    /**
     * Rows r0 .. r0 + 3 of group g with panel p: the result of row {@code r0 + r} and vector {@code p * 64 + i} to
     * {@code out[at + r * 64 + i]}.
     */
    private void panel4(short[] w, int g, int r0, QuantizedVectors x, int p, float[] out, int at) {
        short[] xt = x.panelQuants();
        float[] st = x.pairedPanelScales();
        FloatVector f00 = FloatVector.zero(FLOATS), f01 = f00, f02 = f00, f03 = f00;
        FloatVector f10 = f00, f11 = f00, f12 = f00, f13 = f00;
        FloatVector f20 = f00, f21 = f00, f22 = f00, f23 = f00;
        FloatVector f30 = f00, f31 = f00, f32 = f00, f33 = f00;
        int panel = QuantizedVectors.PANEL;
        for (int b = 0; b < blocks; b++) {
            ShortVector s00 = ShortVector.zero(SHORTS), s01 = s00, s10 = s00, s11 = s00;
            ShortVector s20 = s00, s21 = s00, s30 = s00, s31 = s00;
            int xk = (p * cols + b * BLOCK) * panel;
            int wk = b * BLOCK * GROUP + r0;
            for (int j = 0; j < BLOCK; j++) {
                ShortVector x0 = ShortVector.fromArray(SHORTS, xt, xk + j * panel);
                ShortVector x1 = ShortVector.fromArray(SHORTS, xt, xk + j * panel + 32);
                int wj = wk + j * GROUP;
                short w0 = w[wj], w1 = w[wj + 1], w2 = w[wj + 2], w3 = w[wj + 3];
                s00 = s00.add(x0.mul(w0));
                s01 = s01.add(x1.mul(w0));
                s10 = s10.add(x0.mul(w1));
                s11 = s11.add(x1.mul(w1));
                s20 = s20.add(x0.mul(w2));
                s21 = s21.add(x1.mul(w2));
                s30 = s30.add(x0.mul(w3));
                s31 = s31.add(x1.mul(w3));
            }
            // The block's exact 16-bit sums as floats (each below 2^15), each 32-bit lane's low half (an even vector)
            // and high half (an odd one) widened by shifts, which measured 5% faster on prompts than the Vector API's
            // conversion; hence the scales and outputs in the even/odd order (QuantizedVectors.pairedLane). Written
            // out: a helper taking the half as an argument was not inlined into this large method, and the conversion
            // then ran as the Vector API's boxed fallback (15 times slower).
            long sc = (((long) g * blocks + b) * GROUP + r0) * Float.BYTES;
            float d0 = scales.get(LE_FLOAT, sc), d1 = scales.get(LE_FLOAT, sc + 4);
            float d2 = scales.get(LE_FLOAT, sc + 8), d3 = scales.get(LE_FLOAT, sc + 12);
            int sx = (p * blocks + b) * panel;
            FloatVector t0 = FloatVector.fromArray(FLOATS, st, sx), t1 = FloatVector.fromArray(FLOATS, st, sx + 16);
            FloatVector t2 = FloatVector.fromArray(FLOATS, st, sx + 32), t3 = FloatVector.fromArray(FLOATS, st, sx + 48);
            f00 = ((FloatVector) s00.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .convert(VectorOperators.I2F, 0)).fma(t0.mul(d0), f00);
            f01 = ((FloatVector) s00.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)
                    .convert(VectorOperators.I2F, 0)).fma(t1.mul(d0), f01);
            f02 = ((FloatVector) s01.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .convert(VectorOperators.I2F, 0)).fma(t2.mul(d0), f02);
            f03 = ((FloatVector) s01.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)
                    .convert(VectorOperators.I2F, 0)).fma(t3.mul(d0), f03);
            f10 = ((FloatVector) s10.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .convert(VectorOperators.I2F, 0)).fma(t0.mul(d1), f10);
            f11 = ((FloatVector) s10.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)
                    .convert(VectorOperators.I2F, 0)).fma(t1.mul(d1), f11);
            f12 = ((FloatVector) s11.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .convert(VectorOperators.I2F, 0)).fma(t2.mul(d1), f12);
            f13 = ((FloatVector) s11.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)
                    .convert(VectorOperators.I2F, 0)).fma(t3.mul(d1), f13);
            f20 = ((FloatVector) s20.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .convert(VectorOperators.I2F, 0)).fma(t0.mul(d2), f20);
            f21 = ((FloatVector) s20.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)
                    .convert(VectorOperators.I2F, 0)).fma(t1.mul(d2), f21);
            f22 = ((FloatVector) s21.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .convert(VectorOperators.I2F, 0)).fma(t2.mul(d2), f22);
            f23 = ((FloatVector) s21.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)
                    .convert(VectorOperators.I2F, 0)).fma(t3.mul(d2), f23);
            f30 = ((FloatVector) s30.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .convert(VectorOperators.I2F, 0)).fma(t0.mul(d3), f30);
            f31 = ((FloatVector) s30.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)
                    .convert(VectorOperators.I2F, 0)).fma(t1.mul(d3), f31);
            f32 = ((FloatVector) s31.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .convert(VectorOperators.I2F, 0)).fma(t2.mul(d3), f32);
            f33 = ((FloatVector) s31.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)
                    .convert(VectorOperators.I2F, 0)).fma(t3.mul(d3), f33);
        }
        f00.intoArray(out, at + 0);
        f01.intoArray(out, at + 16);
        f02.intoArray(out, at + 32);
        f03.intoArray(out, at + 48);
        f10.intoArray(out, at + 64);
        f11.intoArray(out, at + 80);
        f12.intoArray(out, at + 96);
        f13.intoArray(out, at + 112);
        f20.intoArray(out, at + 128);
        f21.intoArray(out, at + 144);
        f22.intoArray(out, at + 160);
        f23.intoArray(out, at + 176);
        f30.intoArray(out, at + 192);
        f31.intoArray(out, at + 208);
        f32.intoArray(out, at + 224);
        f33.intoArray(out, at + 240);
    }
}
