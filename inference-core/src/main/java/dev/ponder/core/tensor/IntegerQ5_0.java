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
 * Q5_0 repacked for integer dot products (see {@link IntegerWeights}). The result for row r and vector v,
 * which {@link #referenceDot} computes from the GGUF bytes: for each block b in order,
 * {@code acc = fma((float) isum, d_r,b * dx_v,b, acc)} from {@code acc = 0}, where
 * {@code isum = sum_k (q_k - 16) * xq_k} is the exact integer sum of the block.
 *
 * <p>Why 16-bit lanes are exact: the kernels centre each weight ({@code q - 16} in [-16, 15]) and sum the block's
 * first and second sixteen products apart, sixteen products of at most 16 * 127 each (32,512 &lt; 32,767), adding
 * the two halves in 32-bit integers.
 *
 * <p>Layout: for each group of 32 rows and each block, 16 runs of 32 bytes, run j holding byte j of the block's
 * nibbles of each of the 32 rows (low nibble: weight j, high nibble: weight j + 16), then the fifth bits of
 * weights 0-15 and of weights 16-31 of each row as two runs of 32 shorts: 20 bytes a row and block, against 22 in
 * the GGUF file. (One centred byte a weight, unpacked once at load, measured 15% slower for one sequence: decode is
 * bound by the bytes read; the batches were no faster either.) And the 32 rows' scales of each block as floats.
 * Rows past the end of the matrix are padded with zero scales.
 */
final class IntegerQ5_0 extends IntegerWeights {
    private static final int BLOCK = 32;
    private static final int GGUF_BLOCK_BYTES = 22;
    /** 16 runs of nibbles (512 bytes), then the fifth bits of weights 0-15 and 16-31, one short per row each. */
    private static final int GROUP_BLOCK_BYTES = GROUP * BLOCK / 2 + 2 * GROUP * Short.BYTES;
    private static final int FIFTH_LOW = GROUP * BLOCK / 2;
    private static final int FIFTH_HIGH = FIFTH_LOW + GROUP * Short.BYTES;

    private final int blocks;
    private final MemorySegment quants;
    private final MemorySegment scales;

    /** Repacks {@code rows} rows of {@code cols} Q5_0 weights from {@code data} (GGUF layout), off the heap. */
    IntegerQ5_0(MemorySegment data, int rows, int cols) {
        super(rows, cols, BLOCK, "Q5_0");
        this.blocks = cols / BLOCK;
        this.quants = allocate((long) blocks * GROUP_BLOCK_BYTES);
        this.scales = allocate((long) blocks * GROUP * Float.BYTES);
        repackBlocks(blocks, GGUF_BLOCK_BYTES, (r, groupBlock, source) -> {
            copyScale(data, source, scales, r, groupBlock);
            long at = groupBlock * GROUP_BLOCK_BYTES;
            for (int j = 0; j < BLOCK / 2; j++) {
                quants.set(ValueLayout.JAVA_BYTE, at + (long) j * GROUP + r, data.get(ValueLayout.JAVA_BYTE, source + 6 + j));
            }
            int qh = data.get(LE_INT, source + 2);
            quants.set(LE_SHORT, at + FIFTH_LOW + r * Short.BYTES, (short) qh);
            quants.set(LE_SHORT, at + FIFTH_HIGH + r * Short.BYTES, (short) (qh >>> 16));
        });
    }

    /** Weight k (0..31) of the GGUF block at {@code base}, in 0..31: four bits from qs, the fifth from qh. */
    private static int weight(MemorySegment data, long base, int k) {
        int qh = data.get(LE_INT, base + 2);
        int packed = data.get(ValueLayout.JAVA_BYTE, base + 6 + (k & 15)) & 0xff;
        int low = k < 16 ? packed & 15 : packed >> 4;
        return low | ((qh >>> k) & 1) << 4;
    }

    /**
     * The scalar reference: row {@code rowOffset} of GGUF Q5_0 bytes times vector {@code v} of {@code x}, by the
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
                isum += (weight(data, base, k) - 16) * x.quants()[xi + k];
            }
            float d = Float.float16ToFloat(data.get(LE_SHORT, base));
            acc = Math.fma((float) isum, d * x.scales()[v * blocks + b], acc);
        }
        return acc;
    }

    // A run is unpacked where it is used, written out: a helper returning a vector is boxed whenever C2 does not
    // inline it.
    @Override
    void dot1(int g, QuantizedVectors x, int v, float[] y, int yAt) {
        short[] xq = x.quants();
        float[] dx = x.scales();
        FloatVector a0 = FloatVector.zero(FLOATS), a1 = a0;
        int xv = v * cols;
        for (int b = 0; b < blocks; b++) {
            ShortVector lo = ShortVector.zero(SHORTS), hi = lo;
            long runs = ((long) g * blocks + b) * GROUP_BLOCK_BYTES;
            ShortVector fifthLow = ShortVector.fromMemorySegment(SHORTS, quants, runs + FIFTH_LOW, ByteOrder.LITTLE_ENDIAN);
            ShortVector fifthHigh = ShortVector.fromMemorySegment(SHORTS, quants, runs + FIFTH_HIGH, ByteOrder.LITTLE_ENDIAN);
            int xb = xv + b * BLOCK;
            for (int j = 0; j < BLOCK / 2; j++) {
                ShortVector packed = (ShortVector) ByteVector.fromMemorySegment(BYTES, quants, runs + (long) j * GROUP,
                        ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2S, SHORTS, 0);
                // weight - 16 = nibble + (fifth bit set ? 0 : -16)
                ShortVector wl = packed.and((short) 15)
                        .add(fifthLow.lanewise(VectorOperators.LSHR, j).and((short) 1).sub((short) 1).and((short) -16));
                ShortVector wh = packed.lanewise(VectorOperators.LSHR, 4).and((short) 15)
                        .add(fifthHigh.lanewise(VectorOperators.LSHR, j).and((short) 1).sub((short) 1).and((short) -16));
                lo = lo.add(wl.mul(xq[xb + j]));
                hi = hi.add(wh.mul(xq[xb + j + 16]));
            }
            float d = dx[v * blocks + b];
            long s = ((long) g * blocks + b) * GROUP * Float.BYTES;
            a0 = ((FloatVector) ((IntVector) lo.convertShape(VectorOperators.S2I, INTS, 0))
                    .add((IntVector) hi.convertShape(VectorOperators.S2I, INTS, 0))
                    .convertShape(VectorOperators.I2F, FLOATS, 0))
                    .fma(FloatVector.fromMemorySegment(FLOATS, scales, s, ByteOrder.LITTLE_ENDIAN).mul(d), a0);
            a1 = ((FloatVector) ((IntVector) lo.convertShape(VectorOperators.S2I, INTS, 1))
                    .add((IntVector) hi.convertShape(VectorOperators.S2I, INTS, 1))
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
        FloatVector a00 = FloatVector.zero(FLOATS), a01 = a00, a10 = a00, a11 = a00;
        FloatVector a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        int x0 = v * cols, x1 = x0 + cols, x2 = x1 + cols, x3 = x2 + cols;
        for (int b = 0; b < blocks; b++) {
            ShortVector l0 = ShortVector.zero(SHORTS), h0 = l0, l1 = l0, h1 = l0, l2 = l0, h2 = l0, l3 = l0, h3 = l0;
            long runs = ((long) g * blocks + b) * GROUP_BLOCK_BYTES;
            ShortVector fifthLow = ShortVector.fromMemorySegment(SHORTS, quants, runs + FIFTH_LOW, ByteOrder.LITTLE_ENDIAN);
            ShortVector fifthHigh = ShortVector.fromMemorySegment(SHORTS, quants, runs + FIFTH_HIGH, ByteOrder.LITTLE_ENDIAN);
            for (int j = 0; j < BLOCK / 2; j++) {
                ShortVector packed = (ShortVector) ByteVector.fromMemorySegment(BYTES, quants, runs + (long) j * GROUP,
                        ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2S, SHORTS, 0);
                ShortVector wl = packed.and((short) 15)
                        .add(fifthLow.lanewise(VectorOperators.LSHR, j).and((short) 1).sub((short) 1).and((short) -16));
                ShortVector wh = packed.lanewise(VectorOperators.LSHR, 4).and((short) 15)
                        .add(fifthHigh.lanewise(VectorOperators.LSHR, j).and((short) 1).sub((short) 1).and((short) -16));
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
                    .add((IntVector) h0.convertShape(VectorOperators.S2I, INTS, 0))
                    .convertShape(VectorOperators.I2F, FLOATS, 0)).fma(s0.mul(dx[vb]), a00);
            a01 = ((FloatVector) ((IntVector) l0.convertShape(VectorOperators.S2I, INTS, 1))
                    .add((IntVector) h0.convertShape(VectorOperators.S2I, INTS, 1))
                    .convertShape(VectorOperators.I2F, FLOATS, 0)).fma(s1.mul(dx[vb]), a01);
            vb += blocks;
            a10 = ((FloatVector) ((IntVector) l1.convertShape(VectorOperators.S2I, INTS, 0))
                    .add((IntVector) h1.convertShape(VectorOperators.S2I, INTS, 0))
                    .convertShape(VectorOperators.I2F, FLOATS, 0)).fma(s0.mul(dx[vb]), a10);
            a11 = ((FloatVector) ((IntVector) l1.convertShape(VectorOperators.S2I, INTS, 1))
                    .add((IntVector) h1.convertShape(VectorOperators.S2I, INTS, 1))
                    .convertShape(VectorOperators.I2F, FLOATS, 0)).fma(s1.mul(dx[vb]), a11);
            vb += blocks;
            a20 = ((FloatVector) ((IntVector) l2.convertShape(VectorOperators.S2I, INTS, 0))
                    .add((IntVector) h2.convertShape(VectorOperators.S2I, INTS, 0))
                    .convertShape(VectorOperators.I2F, FLOATS, 0)).fma(s0.mul(dx[vb]), a20);
            a21 = ((FloatVector) ((IntVector) l2.convertShape(VectorOperators.S2I, INTS, 1))
                    .add((IntVector) h2.convertShape(VectorOperators.S2I, INTS, 1))
                    .convertShape(VectorOperators.I2F, FLOATS, 0)).fma(s1.mul(dx[vb]), a21);
            vb += blocks;
            a30 = ((FloatVector) ((IntVector) l3.convertShape(VectorOperators.S2I, INTS, 0))
                    .add((IntVector) h3.convertShape(VectorOperators.S2I, INTS, 0))
                    .convertShape(VectorOperators.I2F, FLOATS, 0)).fma(s0.mul(dx[vb]), a30);
            a31 = ((FloatVector) ((IntVector) l3.convertShape(VectorOperators.S2I, INTS, 1))
                    .add((IntVector) h3.convertShape(VectorOperators.S2I, INTS, 1))
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
}
