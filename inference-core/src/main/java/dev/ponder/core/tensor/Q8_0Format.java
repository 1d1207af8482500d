package dev.ponder.core.tensor;

import dev.ponder.core.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.function.DoubleSupplier;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q8_0: blocks of 32 weights, each block a float16 scale {@code d} followed by 32 signed bytes
 * {@code q}; weight {@code i} is {@code d * q[i]}. 34 bytes per block.
 */
public final class Q8_0Format extends BlockFormat {
    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 34;
    private static final int LANES = VectorMath.LANES;
    /** Bytes that widen to one float vector. */
    private static final VectorSpecies<Byte> BYTES = LANES == 16 ? ByteVector.SPECIES_128 : ByteVector.SPECIES_64;

    @Override
    public GgmlType type() {
        return GgmlType.Q8_0;
    }

    @Override
    public void writeFloatFields(byte[] blocks, int blockOffset, DoubleSupplier values) {
        FloatFields.putHalf(blocks, blockOffset, values.getAsDouble()); // d
    }

    @Override
    public void dequantizeReference(MemorySegment data, long byteOffset, float[] out, int outOffset, int count) {
        for (int block = 0; block < count / BLOCK; block++) {
            long base = byteOffset + (long) block * BLOCK_BYTES;
            float d = f16(data, base);
            for (int i = 0; i < BLOCK; i++) {
                out[outOffset + block * BLOCK + i] = d * i8(data, base + 2 + i);
            }
        }
    }

    @Override
    public void dequantize(MemorySegment data, long byteOffset, float[] out, int outOffset, int count) {
        if (!PackedBytes.VECTOR) {
            dequantizeReference(data, byteOffset, out, outOffset, count);
            return;
        }
        for (int block = 0; block < count / BLOCK; block++) {
            long base = byteOffset + (long) block * BLOCK_BYTES;
            float d = f16(data, base);
            for (int part = 0; part < BLOCK; part += LANES) {
                weights(data, base + 2 + part, d).intoArray(out, outOffset + block * BLOCK + part);
            }
        }
    }

    /** LANES weights: the bytes at {@code offset} widened to float and multiplied by the scale. */
    private static FloatVector weights(MemorySegment data, long offset, float d) {
        ByteVector q = PackedBytes.loadBytes(data, offset);
        return ((FloatVector) q.convertShape(VectorOperators.B2F, VectorMath.F, 0)).mul(d);
    }

    /**
     * Fused decode kernel: weights computed as in {@link #dequantize}, accumulated in the canonical order.
     * The loop body is written out in full on purpose: calling a helper that returns a vector from
     * inside this loop defeats C2's inlining budget, and the boxed vectors made it six times slower.
     */
    @Override
    protected float dotSingle(MemorySegment data, long rowOffset, int cols, float[] x, int xOffset, float[] scratch) {
        if (LANES == 8) {
            return dotSingleEightLanes(data, rowOffset, cols, x, xOffset, scratch);
        }
        if (LANES != 16) {
            return super.dotSingle(data, rowOffset, cols, x, xOffset, scratch);
        }
        // With 16 lanes a block is two chunks.
        FloatVector acc = FloatVector.zero(VectorMath.F);
        int blocks = cols / BLOCK;
        for (int block = 0; block < blocks; block++) {
            long base = rowOffset + (long) block * BLOCK_BYTES;
            int xi = xOffset + block * BLOCK;
            float d = Float.float16ToFloat(data.get(LE_SHORT, base));
            acc = ((FloatVector) ByteVector.fromMemorySegment(BYTES, data, base + 2, ByteOrder.LITTLE_ENDIAN)
                    .convertShape(VectorOperators.B2F, VectorMath.F, 0)).mul(d)
                    .fma(FloatVector.fromArray(VectorMath.F, x, xi), acc);
            acc = ((FloatVector) ByteVector.fromMemorySegment(BYTES, data, base + 18, ByteOrder.LITTLE_ENDIAN)
                    .convertShape(VectorOperators.B2F, VectorMath.F, 0)).mul(d)
                    .fma(FloatVector.fromArray(VectorMath.F, x, xi + 16), acc);
        }
        float[] buffer = PackedBytes.accumulatorBuffer(scratch);
        acc.intoArray(buffer, 0);
        return VectorMath.sumStored(buffer, 0);
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
        FloatVector a0 = FloatVector.zero(VectorMath.F), a1 = a0, a2 = a0, a3 = a0;
        long r0 = rowOffset, r1 = rowOffset + rowStep, r2 = rowOffset + 2 * rowStep, r3 = rowOffset + 3 * rowStep;
        int blocks = cols / BLOCK;
        for (int block = 0; block < blocks; block++) {
            long off = (long) block * BLOCK_BYTES;
            int xi = xOffset + block * BLOCK;
            float d0 = Float.float16ToFloat(data.get(LE_SHORT, r0 + off));
            float d1 = Float.float16ToFloat(data.get(LE_SHORT, r1 + off));
            float d2 = Float.float16ToFloat(data.get(LE_SHORT, r2 + off));
            float d3 = Float.float16ToFloat(data.get(LE_SHORT, r3 + off));
            FloatVector v = FloatVector.fromArray(VectorMath.F, x, xi);
            a0 = ((FloatVector) ByteVector.fromMemorySegment(BYTES, data, r0 + off + 2, ByteOrder.LITTLE_ENDIAN)
                    .convertShape(VectorOperators.B2F, VectorMath.F, 0)).mul(d0).fma(v, a0);
            a1 = ((FloatVector) ByteVector.fromMemorySegment(BYTES, data, r1 + off + 2, ByteOrder.LITTLE_ENDIAN)
                    .convertShape(VectorOperators.B2F, VectorMath.F, 0)).mul(d1).fma(v, a1);
            a2 = ((FloatVector) ByteVector.fromMemorySegment(BYTES, data, r2 + off + 2, ByteOrder.LITTLE_ENDIAN)
                    .convertShape(VectorOperators.B2F, VectorMath.F, 0)).mul(d2).fma(v, a2);
            a3 = ((FloatVector) ByteVector.fromMemorySegment(BYTES, data, r3 + off + 2, ByteOrder.LITTLE_ENDIAN)
                    .convertShape(VectorOperators.B2F, VectorMath.F, 0)).mul(d3).fma(v, a3);
            v = FloatVector.fromArray(VectorMath.F, x, xi + 16);
            a0 = ((FloatVector) ByteVector.fromMemorySegment(BYTES, data, r0 + off + 18, ByteOrder.LITTLE_ENDIAN)
                    .convertShape(VectorOperators.B2F, VectorMath.F, 0)).mul(d0).fma(v, a0);
            a1 = ((FloatVector) ByteVector.fromMemorySegment(BYTES, data, r1 + off + 18, ByteOrder.LITTLE_ENDIAN)
                    .convertShape(VectorOperators.B2F, VectorMath.F, 0)).mul(d1).fma(v, a1);
            a2 = ((FloatVector) ByteVector.fromMemorySegment(BYTES, data, r2 + off + 18, ByteOrder.LITTLE_ENDIAN)
                    .convertShape(VectorOperators.B2F, VectorMath.F, 0)).mul(d2).fma(v, a2);
            a3 = ((FloatVector) ByteVector.fromMemorySegment(BYTES, data, r3 + off + 18, ByteOrder.LITTLE_ENDIAN)
                    .convertShape(VectorOperators.B2F, VectorMath.F, 0)).mul(d3).fma(v, a3);
        }
        float[] buffer = PackedBytes.accumulatorBuffer(scratch);
        a0.intoArray(buffer, 0);
        a1.intoArray(buffer, LANES);
        a2.intoArray(buffer, 2 * LANES);
        a3.intoArray(buffer, 3 * LANES);
        PackedBytes.finish4(buffer, out, outOffset, outRowStep);
    }

    /**
     * {@link #dotSingle} on vectors of 8 floats (256-bit, as AVX2): a block is four chunks, walked by a loop (the
     * 16-lane kernels above write their two chunks out: as a loop they measured 17% slower at 16 lanes).
     */
    private float dotSingleEightLanes(MemorySegment data, long rowOffset, int cols, float[] x, int xOffset,
                                      float[] scratch) {
        FloatVector acc = FloatVector.zero(VectorMath.F);
        int blocks = cols / BLOCK;
        for (int block = 0; block < blocks; block++) {
            long base = rowOffset + (long) block * BLOCK_BYTES;
            int xi = xOffset + block * BLOCK;
            float d = Float.float16ToFloat(data.get(LE_SHORT, base));
            for (int c = 0; c < BLOCK; c += LANES) {
                acc = ((FloatVector) ByteVector.fromMemorySegment(BYTES, data, base + 2 + c, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.B2F, VectorMath.F, 0)).mul(d)
                        .fma(FloatVector.fromArray(VectorMath.F, x, xi + c), acc);
            }
        }
        float[] buffer = PackedBytes.accumulatorBuffer(scratch);
        acc.intoArray(buffer, 0);
        return VectorMath.sumStored(buffer, 0);
    }

    /** {@link #dotSingle4} on vectors of 8 floats, as {@link #dotSingleEightLanes}. */
    private void dotSingle4EightLanes(MemorySegment data, long rowOffset, long rowStep, int cols, float[] x,
                                      int xOffset, float[] out, int outOffset, int outRowStep, float[] scratch) {
        FloatVector a0 = FloatVector.zero(VectorMath.F), a1 = a0, a2 = a0, a3 = a0;
        long r0 = rowOffset, r1 = rowOffset + rowStep, r2 = rowOffset + 2 * rowStep, r3 = rowOffset + 3 * rowStep;
        int blocks = cols / BLOCK;
        for (int block = 0; block < blocks; block++) {
            long off = (long) block * BLOCK_BYTES;
            int xi = xOffset + block * BLOCK;
            float d0 = Float.float16ToFloat(data.get(LE_SHORT, r0 + off));
            float d1 = Float.float16ToFloat(data.get(LE_SHORT, r1 + off));
            float d2 = Float.float16ToFloat(data.get(LE_SHORT, r2 + off));
            float d3 = Float.float16ToFloat(data.get(LE_SHORT, r3 + off));
            for (int c = 0; c < BLOCK; c += LANES) {
                long q = off + 2 + c;
                FloatVector v = FloatVector.fromArray(VectorMath.F, x, xi + c);
                a0 = ((FloatVector) ByteVector.fromMemorySegment(BYTES, data, r0 + q, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.B2F, VectorMath.F, 0)).mul(d0).fma(v, a0);
                a1 = ((FloatVector) ByteVector.fromMemorySegment(BYTES, data, r1 + q, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.B2F, VectorMath.F, 0)).mul(d1).fma(v, a1);
                a2 = ((FloatVector) ByteVector.fromMemorySegment(BYTES, data, r2 + q, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.B2F, VectorMath.F, 0)).mul(d2).fma(v, a2);
                a3 = ((FloatVector) ByteVector.fromMemorySegment(BYTES, data, r3 + q, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.B2F, VectorMath.F, 0)).mul(d3).fma(v, a3);
            }
        }
        float[] buffer = PackedBytes.accumulatorBuffer(scratch);
        a0.intoArray(buffer, 0);
        a1.intoArray(buffer, LANES);
        a2.intoArray(buffer, 2 * LANES);
        a3.intoArray(buffer, 3 * LANES);
        PackedBytes.finish4(buffer, out, outOffset, outRowStep);
    }

    /**
     * Batches of 2 to 8 vectors go through {@link #dotBatch4} when the vectors are 16 floats wide: faster than
     * dequantized tiles up to 8 vectors, slower at 16, where converting each chunk once per four vectors costs
     * more than dequantizing once (BENCHMARKS.md, "Which kernel a batch takes").
     */
    @Override
    public boolean fusesBatch(int batch) {
        return LANES == 16 && batch <= 8;
    }

    /**
     * Four rows with a small batch: each chunk of the four rows is converted once per group of four vectors
     * and used for sixteen FMAs, one accumulator per (row, vector) as {@link #dotSingle} accumulates. The
     * vectors go four at a time; the rows stay in the first-level cache between groups, so memory is read
     * once, in the long runs of the decode path.
     */
    @Override
    protected int dotVectorQuads4(MemorySegment data, long rowOffset, long rowStep, int cols, float[] x, int xStride,
                                  int batch, float[] out, int outOffset, int outRowStep, int outStride, float[] scratch) {
        long r0 = rowOffset, r1 = rowOffset + rowStep, r2 = rowOffset + 2 * rowStep, r3 = rowOffset + 3 * rowStep;
        int blocks = cols / BLOCK;
        float[] buffer = scratch;
        int b = 0;
        for (; b + 4 <= batch; b += 4) {
            int x0 = b * xStride, x1 = x0 + xStride, x2 = x1 + xStride, x3 = x2 + xStride;
            FloatVector c00 = FloatVector.zero(VectorMath.F), c01 = c00, c02 = c00, c03 = c00;
            FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
            FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00;
            FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00;
            for (int block = 0; block < blocks; block++) {
                long off = (long) block * BLOCK_BYTES;
                float d0 = Float.float16ToFloat(data.get(LE_SHORT, r0 + off));
                float d1 = Float.float16ToFloat(data.get(LE_SHORT, r1 + off));
                float d2 = Float.float16ToFloat(data.get(LE_SHORT, r2 + off));
                float d3 = Float.float16ToFloat(data.get(LE_SHORT, r3 + off));
                for (int half = 0; half < BLOCK; half += 16) {
                    int xi = block * BLOCK + half;
                    long q = off + 2 + half;
                    FloatVector w0 = ((FloatVector) ByteVector.fromMemorySegment(BYTES, data, r0 + q, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.B2F, VectorMath.F, 0)).mul(d0);
                    FloatVector w1 = ((FloatVector) ByteVector.fromMemorySegment(BYTES, data, r1 + q, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.B2F, VectorMath.F, 0)).mul(d1);
                    FloatVector w2 = ((FloatVector) ByteVector.fromMemorySegment(BYTES, data, r2 + q, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.B2F, VectorMath.F, 0)).mul(d2);
                    FloatVector w3 = ((FloatVector) ByteVector.fromMemorySegment(BYTES, data, r3 + q, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.B2F, VectorMath.F, 0)).mul(d3);
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
                }
            }
            c00.intoArray(buffer, 0);
            c01.intoArray(buffer, LANES);
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
        FloatVector c00 = FloatVector.zero(VectorMath.F), c01 = c00, c10 = c00, c11 = c00;
        FloatVector c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        for (int block = 0; block < cols / BLOCK; block++) {
            long off = (long) block * BLOCK_BYTES;
            float d0 = Float.float16ToFloat(data.get(LE_SHORT, r0 + off));
            float d1 = Float.float16ToFloat(data.get(LE_SHORT, r1 + off));
            float d2 = Float.float16ToFloat(data.get(LE_SHORT, r2 + off));
            float d3 = Float.float16ToFloat(data.get(LE_SHORT, r3 + off));
                for (int half = 0; half < BLOCK; half += 16) {
                    int xi = block * BLOCK + half;
                    long q = off + 2 + half;
                    FloatVector w0 = ((FloatVector) ByteVector.fromMemorySegment(BYTES, data, r0 + q, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.B2F, VectorMath.F, 0)).mul(d0);
                    FloatVector w1 = ((FloatVector) ByteVector.fromMemorySegment(BYTES, data, r1 + q, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.B2F, VectorMath.F, 0)).mul(d1);
                    FloatVector w2 = ((FloatVector) ByteVector.fromMemorySegment(BYTES, data, r2 + q, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.B2F, VectorMath.F, 0)).mul(d2);
                    FloatVector w3 = ((FloatVector) ByteVector.fromMemorySegment(BYTES, data, r3 + q, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.B2F, VectorMath.F, 0)).mul(d3);
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
                }
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
