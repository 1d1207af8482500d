package dev.ponder.core.tensor;

import static dev.ponder.core.tensor.PackedBytes.BYTES;
import static dev.ponder.core.tensor.PackedBytes.INTS;
import static dev.ponder.core.tensor.PackedBytes.LANES;
import static java.nio.ByteOrder.LITTLE_ENDIAN;
import static jdk.incubator.vector.VectorOperators.B2I;
import static jdk.incubator.vector.VectorOperators.I2F;
import static jdk.incubator.vector.VectorOperators.LSHR;

import dev.ponder.core.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import java.util.function.DoubleSupplier;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;

/**
 * Q4_0: blocks of 32 weights: a float16 scale {@code d}, then 16 bytes of 4-bit quants. Byte j holds
 * element j in its low nibble and element j + 16 in its high nibble; weight = {@code d * (q - 8)}.
 * 18 bytes per block.
 */
public final class Q4_0Format extends BlockFormat {
    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 18;
    private static final int QS = 2;
    /**
     * The sixteen weights a block can hold, in units of its scale: {@code q - 8} for q = 0..15. With 16 lanes
     * a block's table {@code LEVELS * d} holds exactly the reference's products {@code d * (q - 8)}, so a lane
     * permute by the quant ({@code selectFrom}, which takes the index modulo 16 and so needs no mask for the
     * low nibble) gives the weights bit for bit in one instruction instead of mask, subtract, convert, multiply.
     */
    private static final float[] LEVELS = {-8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7};

    @Override
    public GgmlType type() {
        return GgmlType.Q4_0;
    }

    @Override
    public void writeFloatFields(byte[] blocks, int blockOffset, DoubleSupplier values) {
        FloatFields.putHalf(blocks, blockOffset, values.getAsDouble()); // d
    }

    @Override
    public void dequantizeReference(MemorySegment data, long byteOffset, float[] out, int outOffset, int count) {
        for (int block = 0; block < count / BLOCK; block++) {
            long base = byteOffset + (long) block * BLOCK_BYTES;
            int o = outOffset + block * BLOCK;
            float d = f16(data, base);
            for (int j = 0; j < 16; j++) {
                int b = u8(data, base + QS + j);
                out[o + j] = d * ((b & 0x0F) - 8);
                out[o + j + 16] = d * ((b >> 4) - 8);
            }
        }
    }

    @Override
    public void dequantize(MemorySegment data, long byteOffset, float[] out, int outOffset, int count) {
        if (!PackedBytes.VECTOR) {
            dequantizeReference(data, byteOffset, out, outOffset, count);
            return;
        }
        if (LANES == 16) {
            FloatVector levels = FloatVector.fromArray(VectorMath.F, LEVELS, 0);
            for (int block = 0; block < count / BLOCK; block++) {
                long base = byteOffset + (long) block * BLOCK_BYTES;
                int o = outOffset + block * BLOCK;
                IntVector t = levels.mul(Float.float16ToFloat(data.get(LE_SHORT, base))).reinterpretAsInts();
                IntVector q = (IntVector) ByteVector.fromMemorySegment(BYTES, data, base + QS, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                q.selectFrom(t).reinterpretAsFloats().intoArray(out, o);
                q.lanewise(LSHR, 4).selectFrom(t).reinterpretAsFloats().intoArray(out, o + 16);
            }
            return;
        }
        for (int block = 0; block < count / BLOCK; block++) {
            long base = byteOffset + (long) block * BLOCK_BYTES;
            int o = outOffset + block * BLOCK;
            float d = Float.float16ToFloat(data.get(LE_SHORT, base));
            for (int j = 0; j < 16; j += LANES) {
                IntVector q = (IntVector) PackedBytes.loadBytes(data, base + QS + j)
                        .convertShape(B2I, INTS, 0);
                ((FloatVector) q.and(0x0F).sub(8).convert(I2F, 0)).mul(d).intoArray(out, o + j);
                ((FloatVector) q.lanewise(LSHR, 4).and(0x0F).sub(8).convert(I2F, 0)).mul(d).intoArray(out, o + 16 + j);
            }
        }
    }

    /** Fused decode kernel: weights as in {@link #dequantize}, accumulated in the canonical order. */
    @Override
    protected float dotSingle(MemorySegment data, long rowOffset, int cols, float[] x, int xOffset, float[] scratch) {
        if (LANES == 8) {
            return dotSingleEightLanes(data, rowOffset, cols, x, xOffset, scratch);
        }
        if (LANES != 16) {
            return super.dotSingle(data, rowOffset, cols, x, xOffset, scratch);
        }
        // With 16 lanes a block is two chunks: the low nibbles (elements 0..15), then the high ones.
        FloatVector levels = FloatVector.fromArray(VectorMath.F, LEVELS, 0);
        FloatVector acc = FloatVector.zero(VectorMath.F);
        int blocks = cols / BLOCK;
        for (int block = 0; block < blocks; block++) {
            long base = rowOffset + (long) block * BLOCK_BYTES;
            int xi = xOffset + block * BLOCK;
            IntVector t = levels.mul(Float.float16ToFloat(data.get(LE_SHORT, base))).reinterpretAsInts();
            IntVector q = (IntVector) ByteVector.fromMemorySegment(BYTES, data, base + QS, LITTLE_ENDIAN)
                    .convertShape(B2I, INTS, 0);
            acc = q.selectFrom(t).reinterpretAsFloats()
                    .fma(FloatVector.fromArray(VectorMath.F, x, xi), acc);
            acc = q.lanewise(LSHR, 4).selectFrom(t).reinterpretAsFloats()
                    .fma(FloatVector.fromArray(VectorMath.F, x, xi + 16), acc);
        }
        float[] buffer = PackedBytes.accumulatorBuffer(scratch);
        acc.intoArray(buffer, 0);
        return VectorMath.sumStored(buffer, 0);
    }

    /**
     * {@link #dotSingle} on vectors of 8 floats (256-bit, as AVX2): a block is four chunks in index order, the low
     * nibbles of bytes 0..7 and 8..15 (elements 0..15), then their high nibbles (16..31), each weight computed as
     * the generic path of {@link #dequantize} computes it.
     */
    private float dotSingleEightLanes(MemorySegment data, long rowOffset, int cols, float[] x, int xOffset,
                                      float[] scratch) {
        FloatVector acc = FloatVector.zero(VectorMath.F);
        for (int block = 0; block < cols / BLOCK; block++) {
            long base = rowOffset + (long) block * BLOCK_BYTES;
            int xi = xOffset + block * BLOCK;
            float d = Float.float16ToFloat(data.get(LE_SHORT, base));
            IntVector q0 = (IntVector) ByteVector.fromMemorySegment(BYTES, data, base + QS, LITTLE_ENDIAN)
                    .convertShape(B2I, INTS, 0);
            IntVector q1 = (IntVector) ByteVector.fromMemorySegment(BYTES, data, base + QS + 8, LITTLE_ENDIAN)
                    .convertShape(B2I, INTS, 0);
            acc = ((FloatVector) q0.and(0x0F).sub(8).convert(I2F, 0)).mul(d)
                    .fma(FloatVector.fromArray(VectorMath.F, x, xi), acc);
            acc = ((FloatVector) q1.and(0x0F).sub(8).convert(I2F, 0)).mul(d)
                    .fma(FloatVector.fromArray(VectorMath.F, x, xi + 8), acc);
            acc = ((FloatVector) q0.lanewise(LSHR, 4).and(0x0F).sub(8).convert(I2F, 0)).mul(d)
                    .fma(FloatVector.fromArray(VectorMath.F, x, xi + 16), acc);
            acc = ((FloatVector) q1.lanewise(LSHR, 4).and(0x0F).sub(8).convert(I2F, 0)).mul(d)
                    .fma(FloatVector.fromArray(VectorMath.F, x, xi + 24), acc);
        }
        float[] buffer = PackedBytes.accumulatorBuffer(scratch);
        acc.intoArray(buffer, 0);
        return VectorMath.sumStored(buffer, 0);
    }

    /**
     * {@link #dotSingle4} on vectors of 8 floats: four rows side by side, each exactly as
     * {@link #dotSingleEightLanes}, one activation load per chunk for four FMAs.
     */
    private void dotSingle4EightLanes(MemorySegment data, long rowOffset, long rowStep, int cols, float[] x,
                                      int xOffset, float[] out, int outOffset, int outRowStep, float[] scratch) {
        FloatVector a0 = FloatVector.zero(VectorMath.F), a1 = a0, a2 = a0, a3 = a0;
        long r0 = rowOffset, r1 = rowOffset + rowStep, r2 = rowOffset + 2 * rowStep, r3 = rowOffset + 3 * rowStep;
        for (int block = 0; block < cols / BLOCK; block++) {
            long off = (long) block * BLOCK_BYTES;
            int xi = xOffset + block * BLOCK;
            float d0 = Float.float16ToFloat(data.get(LE_SHORT, r0 + off));
            float d1 = Float.float16ToFloat(data.get(LE_SHORT, r1 + off));
            float d2 = Float.float16ToFloat(data.get(LE_SHORT, r2 + off));
            float d3 = Float.float16ToFloat(data.get(LE_SHORT, r3 + off));
            for (int half = 0; half < 16; half += 8) {
                IntVector q0 = (IntVector) ByteVector.fromMemorySegment(BYTES, data, r0 + off + QS + half, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                IntVector q1 = (IntVector) ByteVector.fromMemorySegment(BYTES, data, r1 + off + QS + half, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                IntVector q2 = (IntVector) ByteVector.fromMemorySegment(BYTES, data, r2 + off + QS + half, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                IntVector q3 = (IntVector) ByteVector.fromMemorySegment(BYTES, data, r3 + off + QS + half, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                FloatVector v = FloatVector.fromArray(VectorMath.F, x, xi + half);
                a0 = ((FloatVector) q0.and(0x0F).sub(8).convert(I2F, 0)).mul(d0).fma(v, a0);
                a1 = ((FloatVector) q1.and(0x0F).sub(8).convert(I2F, 0)).mul(d1).fma(v, a1);
                a2 = ((FloatVector) q2.and(0x0F).sub(8).convert(I2F, 0)).mul(d2).fma(v, a2);
                a3 = ((FloatVector) q3.and(0x0F).sub(8).convert(I2F, 0)).mul(d3).fma(v, a3);
            }
            // the high nibbles (elements 16..31) after the low ones, chunks in index order as in dotSingleEightLanes
            // (the bytes are loaded again rather than kept: keeping them means eight more live vectors beside the four
            // accumulators, against AVX2's 16 registers; the second load comes from the first-level cache)
            for (int half = 0; half < 16; half += 8) {
                IntVector q0 = (IntVector) ByteVector.fromMemorySegment(BYTES, data, r0 + off + QS + half, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                IntVector q1 = (IntVector) ByteVector.fromMemorySegment(BYTES, data, r1 + off + QS + half, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                IntVector q2 = (IntVector) ByteVector.fromMemorySegment(BYTES, data, r2 + off + QS + half, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                IntVector q3 = (IntVector) ByteVector.fromMemorySegment(BYTES, data, r3 + off + QS + half, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                FloatVector v = FloatVector.fromArray(VectorMath.F, x, xi + 16 + half);
                a0 = ((FloatVector) q0.lanewise(LSHR, 4).and(0x0F).sub(8).convert(I2F, 0)).mul(d0).fma(v, a0);
                a1 = ((FloatVector) q1.lanewise(LSHR, 4).and(0x0F).sub(8).convert(I2F, 0)).mul(d1).fma(v, a1);
                a2 = ((FloatVector) q2.lanewise(LSHR, 4).and(0x0F).sub(8).convert(I2F, 0)).mul(d2).fma(v, a2);
                a3 = ((FloatVector) q3.lanewise(LSHR, 4).and(0x0F).sub(8).convert(I2F, 0)).mul(d3).fma(v, a3);
            }
        }
        float[] buffer = PackedBytes.accumulatorBuffer(scratch);
        a0.intoArray(buffer, 0);
        a1.intoArray(buffer, LANES);
        a2.intoArray(buffer, 2 * LANES);
        a3.intoArray(buffer, 3 * LANES);
        PackedBytes.finish4(buffer, out, outOffset, outRowStep);
    }

    /** Four rows side by side, each exactly as {@link #dotSingle}: one activation load per chunk for four FMAs. */
    @Override
    protected void dotSingle4(MemorySegment data, long rowOffset, long rowStep, int cols, float[] x, int xOffset,
                              float[] out, int outOffset, int outRowStep, float[] scratch) {
        if (LANES == 8) {
            dotSingle4EightLanes(data, rowOffset, rowStep, cols, x, xOffset, out, outOffset, outRowStep, scratch);
            return;
        }
        if (LANES != 16) {
            super.dotSingle4(data, rowOffset, rowStep, cols, x, xOffset, out, outOffset, outRowStep, scratch);
            return;
        }
        FloatVector levels = FloatVector.fromArray(VectorMath.F, LEVELS, 0);
        FloatVector a0 = FloatVector.zero(VectorMath.F), a1 = a0, a2 = a0, a3 = a0;
        long r0 = rowOffset, r1 = rowOffset + rowStep, r2 = rowOffset + 2 * rowStep, r3 = rowOffset + 3 * rowStep;
        int blocks = cols / BLOCK;
        for (int block = 0; block < blocks; block++) {
            long off = (long) block * BLOCK_BYTES;
            int xi = xOffset + block * BLOCK;
            IntVector t0 = levels.mul(Float.float16ToFloat(data.get(LE_SHORT, r0 + off))).reinterpretAsInts();
            IntVector t1 = levels.mul(Float.float16ToFloat(data.get(LE_SHORT, r1 + off))).reinterpretAsInts();
            IntVector t2 = levels.mul(Float.float16ToFloat(data.get(LE_SHORT, r2 + off))).reinterpretAsInts();
            IntVector t3 = levels.mul(Float.float16ToFloat(data.get(LE_SHORT, r3 + off))).reinterpretAsInts();
            IntVector q0 = (IntVector) ByteVector.fromMemorySegment(BYTES, data, r0 + off + QS, LITTLE_ENDIAN)
                    .convertShape(B2I, INTS, 0);
            IntVector q1 = (IntVector) ByteVector.fromMemorySegment(BYTES, data, r1 + off + QS, LITTLE_ENDIAN)
                    .convertShape(B2I, INTS, 0);
            IntVector q2 = (IntVector) ByteVector.fromMemorySegment(BYTES, data, r2 + off + QS, LITTLE_ENDIAN)
                    .convertShape(B2I, INTS, 0);
            IntVector q3 = (IntVector) ByteVector.fromMemorySegment(BYTES, data, r3 + off + QS, LITTLE_ENDIAN)
                    .convertShape(B2I, INTS, 0);
            FloatVector v = FloatVector.fromArray(VectorMath.F, x, xi);
            a0 = q0.selectFrom(t0).reinterpretAsFloats().fma(v, a0);
            a1 = q1.selectFrom(t1).reinterpretAsFloats().fma(v, a1);
            a2 = q2.selectFrom(t2).reinterpretAsFloats().fma(v, a2);
            a3 = q3.selectFrom(t3).reinterpretAsFloats().fma(v, a3);
            v = FloatVector.fromArray(VectorMath.F, x, xi + 16);
            a0 = q0.lanewise(LSHR, 4).selectFrom(t0).reinterpretAsFloats().fma(v, a0);
            a1 = q1.lanewise(LSHR, 4).selectFrom(t1).reinterpretAsFloats().fma(v, a1);
            a2 = q2.lanewise(LSHR, 4).selectFrom(t2).reinterpretAsFloats().fma(v, a2);
            a3 = q3.lanewise(LSHR, 4).selectFrom(t3).reinterpretAsFloats().fma(v, a3);
        }
        float[] buffer = PackedBytes.accumulatorBuffer(scratch);
        a0.intoArray(buffer, 0);
        a1.intoArray(buffer, LANES);
        a2.intoArray(buffer, 2 * LANES);
        a3.intoArray(buffer, 3 * LANES);
        PackedBytes.finish4(buffer, out, outOffset, outRowStep);
    }

    /**
     * Batches of 2 to 8 vectors go through {@link #dotBatch4} when the vectors are 16 floats wide (as Q8_0):
     * faster than dequantized tiles at 4 vectors, even at 8 (BENCHMARKS.md, "Which kernel a batch takes").
     */
    @Override
    public boolean fusesBatch(int batch) {
        return LANES == 16 && batch <= 8;
    }

    /**
     * Four rows with a small batch, as {@link Q8_0Format} does it: each chunk of the four rows is unpacked
     * once per group of four vectors and used for sixteen FMAs, one accumulator per (row, vector).
     */
    @Override
    protected int dotVectorQuads4(MemorySegment data, long rowOffset, long rowStep, int cols, float[] x, int xStride,
                                  int batch, float[] out, int outOffset, int outRowStep, int outStride, float[] scratch) {
        long r0 = rowOffset, r1 = rowOffset + rowStep, r2 = rowOffset + 2 * rowStep, r3 = rowOffset + 3 * rowStep;
        int blocks = cols / BLOCK;
        float[] buffer = scratch;
        FloatVector levels = FloatVector.fromArray(VectorMath.F, LEVELS, 0);
        int b = 0;
        for (; b + 4 <= batch; b += 4) {
            int x0 = b * xStride, x1 = x0 + xStride, x2 = x1 + xStride, x3 = x2 + xStride;
            FloatVector c00 = FloatVector.zero(VectorMath.F), c01 = c00, c02 = c00, c03 = c00;
            FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
            FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00;
            FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00;
            for (int block = 0; block < blocks; block++) {
                long off = (long) block * BLOCK_BYTES;
                int xi = block * BLOCK;
                IntVector t0 = levels.mul(Float.float16ToFloat(data.get(LE_SHORT, r0 + off))).reinterpretAsInts();
                IntVector t1 = levels.mul(Float.float16ToFloat(data.get(LE_SHORT, r1 + off))).reinterpretAsInts();
                IntVector t2 = levels.mul(Float.float16ToFloat(data.get(LE_SHORT, r2 + off))).reinterpretAsInts();
                IntVector t3 = levels.mul(Float.float16ToFloat(data.get(LE_SHORT, r3 + off))).reinterpretAsInts();
                IntVector q0 = (IntVector) ByteVector.fromMemorySegment(BYTES, data, r0 + off + QS, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                IntVector q1 = (IntVector) ByteVector.fromMemorySegment(BYTES, data, r1 + off + QS, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                IntVector q2 = (IntVector) ByteVector.fromMemorySegment(BYTES, data, r2 + off + QS, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                IntVector q3 = (IntVector) ByteVector.fromMemorySegment(BYTES, data, r3 + off + QS, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                FloatVector w0 = q0.selectFrom(t0).reinterpretAsFloats();
                FloatVector w1 = q1.selectFrom(t1).reinterpretAsFloats();
                FloatVector w2 = q2.selectFrom(t2).reinterpretAsFloats();
                FloatVector w3 = q3.selectFrom(t3).reinterpretAsFloats();
                FloatVector v = FloatVector.fromArray(VectorMath.F, x, x0 + xi);
                c00 = w0.fma(v, c00);
                c10 = w1.fma(v, c10);
                c20 = w2.fma(v, c20);
                c30 = w3.fma(v, c30);
                v = FloatVector.fromArray(VectorMath.F, x, x1 + xi);
                c01 = w0.fma(v, c01);
                c11 = w1.fma(v, c11);
                c21 = w2.fma(v, c21);
                c31 = w3.fma(v, c31);
                v = FloatVector.fromArray(VectorMath.F, x, x2 + xi);
                c02 = w0.fma(v, c02);
                c12 = w1.fma(v, c12);
                c22 = w2.fma(v, c22);
                c32 = w3.fma(v, c32);
                v = FloatVector.fromArray(VectorMath.F, x, x3 + xi);
                c03 = w0.fma(v, c03);
                c13 = w1.fma(v, c13);
                c23 = w2.fma(v, c23);
                c33 = w3.fma(v, c33);
                w0 = q0.lanewise(LSHR, 4).selectFrom(t0).reinterpretAsFloats();
                w1 = q1.lanewise(LSHR, 4).selectFrom(t1).reinterpretAsFloats();
                w2 = q2.lanewise(LSHR, 4).selectFrom(t2).reinterpretAsFloats();
                w3 = q3.lanewise(LSHR, 4).selectFrom(t3).reinterpretAsFloats();
                v = FloatVector.fromArray(VectorMath.F, x, x0 + xi + 16);
                c00 = w0.fma(v, c00);
                c10 = w1.fma(v, c10);
                c20 = w2.fma(v, c20);
                c30 = w3.fma(v, c30);
                v = FloatVector.fromArray(VectorMath.F, x, x1 + xi + 16);
                c01 = w0.fma(v, c01);
                c11 = w1.fma(v, c11);
                c21 = w2.fma(v, c21);
                c31 = w3.fma(v, c31);
                v = FloatVector.fromArray(VectorMath.F, x, x2 + xi + 16);
                c02 = w0.fma(v, c02);
                c12 = w1.fma(v, c12);
                c22 = w2.fma(v, c22);
                c32 = w3.fma(v, c32);
                v = FloatVector.fromArray(VectorMath.F, x, x3 + xi + 16);
                c03 = w0.fma(v, c03);
                c13 = w1.fma(v, c13);
                c23 = w2.fma(v, c23);
                c33 = w3.fma(v, c33);
            }
            c00.intoArray(buffer, 0 * LANES);
            c01.intoArray(buffer, 1 * LANES);
            c02.intoArray(buffer, 2 * LANES);
            c03.intoArray(buffer, 3 * LANES);
            c10.intoArray(buffer, 4 * LANES);
            c11.intoArray(buffer, 5 * LANES);
            c12.intoArray(buffer, 6 * LANES);
            c13.intoArray(buffer, 7 * LANES);
            c20.intoArray(buffer, 8 * LANES);
            c21.intoArray(buffer, 9 * LANES);
            c22.intoArray(buffer, 10 * LANES);
            c23.intoArray(buffer, 11 * LANES);
            c30.intoArray(buffer, 12 * LANES);
            c31.intoArray(buffer, 13 * LANES);
            c32.intoArray(buffer, 14 * LANES);
            c33.intoArray(buffer, 15 * LANES);
            PackedBytes.finishTile(buffer, 4, out, outOffset + b * outStride, outRowStep, outStride);
        }
        return b;
    }

    @Override
    protected boolean hasVectorPairKernel() {
        return LANES == 16;
    }

    /**
     * Four rows with two vectors (at {@code x[first..]} and {@code x[second..]}), as {@link #dotVectorQuads4} does
     * four: eight accumulators, each chunk of the rows converted once for two FMAs per row.
     */
    @Override
    protected void dotVectorPair4(MemorySegment data, long rowOffset, long rowStep, int cols, float[] x, int first,
                                  int second, float[] out, int outOffset, int outRowStep, int outStride,
                                  float[] buffer) {
        long r0 = rowOffset, r1 = rowOffset + rowStep, r2 = rowOffset + 2 * rowStep, r3 = rowOffset + 3 * rowStep;
        FloatVector levels = FloatVector.fromArray(VectorMath.F, LEVELS, 0);
        FloatVector c00 = FloatVector.zero(VectorMath.F), c01 = c00, c10 = c00, c11 = c00;
        FloatVector c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        for (int block = 0; block < cols / BLOCK; block++) {
            long off = (long) block * BLOCK_BYTES;
            IntVector t0 = levels.mul(Float.float16ToFloat(data.get(LE_SHORT, r0 + off))).reinterpretAsInts();
            IntVector t1 = levels.mul(Float.float16ToFloat(data.get(LE_SHORT, r1 + off))).reinterpretAsInts();
            IntVector t2 = levels.mul(Float.float16ToFloat(data.get(LE_SHORT, r2 + off))).reinterpretAsInts();
            IntVector t3 = levels.mul(Float.float16ToFloat(data.get(LE_SHORT, r3 + off))).reinterpretAsInts();
            int xi = block * BLOCK;
            IntVector q0 = (IntVector) ByteVector.fromMemorySegment(BYTES, data, r0 + off + QS, LITTLE_ENDIAN)
                    .convertShape(B2I, INTS, 0);
            IntVector q1 = (IntVector) ByteVector.fromMemorySegment(BYTES, data, r1 + off + QS, LITTLE_ENDIAN)
                    .convertShape(B2I, INTS, 0);
            IntVector q2 = (IntVector) ByteVector.fromMemorySegment(BYTES, data, r2 + off + QS, LITTLE_ENDIAN)
                    .convertShape(B2I, INTS, 0);
            IntVector q3 = (IntVector) ByteVector.fromMemorySegment(BYTES, data, r3 + off + QS, LITTLE_ENDIAN)
                    .convertShape(B2I, INTS, 0);
            FloatVector w0 = q0.selectFrom(t0).reinterpretAsFloats();
            FloatVector w1 = q1.selectFrom(t1).reinterpretAsFloats();
            FloatVector w2 = q2.selectFrom(t2).reinterpretAsFloats();
            FloatVector w3 = q3.selectFrom(t3).reinterpretAsFloats();
            FloatVector v = FloatVector.fromArray(VectorMath.F, x, first + xi);
            c00 = w0.fma(v, c00);
            c10 = w1.fma(v, c10);
            c20 = w2.fma(v, c20);
            c30 = w3.fma(v, c30);
            v = FloatVector.fromArray(VectorMath.F, x, second + xi);
            c01 = w0.fma(v, c01);
            c11 = w1.fma(v, c11);
            c21 = w2.fma(v, c21);
            c31 = w3.fma(v, c31);
            w0 = q0.lanewise(LSHR, 4).selectFrom(t0).reinterpretAsFloats();
            w1 = q1.lanewise(LSHR, 4).selectFrom(t1).reinterpretAsFloats();
            w2 = q2.lanewise(LSHR, 4).selectFrom(t2).reinterpretAsFloats();
            w3 = q3.lanewise(LSHR, 4).selectFrom(t3).reinterpretAsFloats();
            v = FloatVector.fromArray(VectorMath.F, x, first + xi + 16);
            c00 = w0.fma(v, c00);
            c10 = w1.fma(v, c10);
            c20 = w2.fma(v, c20);
            c30 = w3.fma(v, c30);
            v = FloatVector.fromArray(VectorMath.F, x, second + xi + 16);
            c01 = w0.fma(v, c01);
            c11 = w1.fma(v, c11);
            c21 = w2.fma(v, c21);
            c31 = w3.fma(v, c31);
        }
        c00.intoArray(buffer, 0 * LANES);
        c01.intoArray(buffer, 1 * LANES);
        c10.intoArray(buffer, 4 * LANES);
        c11.intoArray(buffer, 5 * LANES);
        c20.intoArray(buffer, 8 * LANES);
        c21.intoArray(buffer, 9 * LANES);
        c30.intoArray(buffer, 12 * LANES);
        c31.intoArray(buffer, 13 * LANES);
        PackedBytes.finishTile(buffer, 2, out, outOffset, outRowStep, outStride);
    }
}
