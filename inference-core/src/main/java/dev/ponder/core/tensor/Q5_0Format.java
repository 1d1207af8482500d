package dev.ponder.core.tensor;

import static dev.ponder.core.tensor.PackedBytes.BYTES;
import static dev.ponder.core.tensor.PackedBytes.INTS;
import static dev.ponder.core.tensor.PackedBytes.LANES;
import static java.nio.ByteOrder.LITTLE_ENDIAN;
import static jdk.incubator.vector.VectorOperators.B2I;
import static jdk.incubator.vector.VectorOperators.I2F;
import static jdk.incubator.vector.VectorOperators.LSHR;
import static jdk.incubator.vector.VectorOperators.OR;

import dev.ponder.core.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import java.util.function.DoubleSupplier;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;

/**
 * Q5_0: blocks of 32 weights: float16 scale {@code d}, a little-endian 32-bit word {@code qh} whose
 * bit i is the fifth bit of element i, then 16 bytes of low 4-bit parts (low nibbles elements 0..15,
 * high nibbles 16..31); weight = {@code d * (q - 16)}. 22 bytes per block.
 */
public final class Q5_0Format extends BlockFormat {
    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 22;
    private static final int QH = 2;
    private static final int QS = 6;
    /** The low LANES bits: one fifth bit per lane of a chunk. */
    static final long LANE_BITS = (1L << LANES) - 1;
    /** The 32 values a 5-bit quant stands for, in units of the block scale: {@code q - 16} for q = 0..31. */
    private static final float[] LEVELS = new float[32];

    static {
        for (int q = 0; q < 32; q++) {
            LEVELS[q] = q - 16;
        }
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q5_0;
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
            int qh = data.get(LE_INT, base + QH);
            for (int j = 0; j < 16; j++) {
                int b = u8(data, base + QS + j);
                int q0 = (b & 0x0F) | (((qh >>> j) & 1) << 4);
                int q1 = (b >> 4) | (((qh >>> (j + 16)) & 1) << 4);
                out[o + j] = d * (q0 - 16);
                out[o + j + 16] = d * (q1 - 16);
            }
        }
    }

    /** The fifth bits of a chunk become a lane mask, and a masked OR sets 16 in those lanes. */
    @Override
    public void dequantize(MemorySegment data, long byteOffset, float[] out, int outOffset, int count) {
        if (!PackedBytes.VECTOR) {
            dequantizeReference(data, byteOffset, out, outOffset, count);
            return;
        }
        if (LANES == 16) {
            // As in dotSingle4: two tables of the block's weights and a two-table permute per chunk.
            FloatVector lowLevels = FloatVector.fromArray(VectorMath.F, LEVELS, 0);
            FloatVector highLevels = FloatVector.fromArray(VectorMath.F, LEVELS, 16);
            for (int block = 0; block < count / BLOCK; block++) {
                long base = byteOffset + (long) block * BLOCK_BYTES;
                int o = outOffset + block * BLOCK;
                FloatVector scale = FloatVector.broadcast(VectorMath.F, Float.float16ToFloat(data.get(LE_SHORT, base)));
                IntVector low = lowLevels.mul(scale).reinterpretAsInts();
                IntVector high = highLevels.mul(scale).reinterpretAsInts();
                int qh = data.get(LE_INT, base + QH);
                IntVector q = (IntVector) ByteVector.fromMemorySegment(BYTES, data, base + QS, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                q.and(0x0F).lanewise(OR, 16, VectorMask.fromLong(INTS, qh & 0xFFFF)).selectFrom(low, high)
                        .reinterpretAsFloats().intoArray(out, o);
                q.lanewise(LSHR, 4).and(0x0F).lanewise(OR, 16, VectorMask.fromLong(INTS, qh >>> 16))
                        .selectFrom(low, high).reinterpretAsFloats().intoArray(out, o + 16);
            }
            return;
        }
        for (int block = 0; block < count / BLOCK; block++) {
            long base = byteOffset + (long) block * BLOCK_BYTES;
            int o = outOffset + block * BLOCK;
            float d = Float.float16ToFloat(data.get(LE_SHORT, base));
            long qh = Integer.toUnsignedLong(data.get(LE_INT, base + QH));
            for (int j = 0; j < 16; j += LANES) {
                IntVector q = (IntVector) PackedBytes.loadBytes(data, base + QS + j)
                        .convertShape(B2I, INTS, 0);
                VectorMask<Integer> lowFifth = VectorMask.fromLong(INTS, (qh >>> j) & LANE_BITS);
                VectorMask<Integer> highFifth = VectorMask.fromLong(INTS, (qh >>> (16 + j)) & LANE_BITS);
                ((FloatVector) q.and(0x0F).lanewise(OR, 16, lowFifth).sub(16).convert(I2F, 0)).mul(d)
                        .intoArray(out, o + j);
                ((FloatVector) q.lanewise(LSHR, 4).and(0x0F).lanewise(OR, 16, highFifth).sub(16).convert(I2F, 0)).mul(d)
                        .intoArray(out, o + 16 + j);
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
        // With 16 lanes a block is two chunks (elements 0..15, 16..31).
        FloatVector a0 = FloatVector.zero(VectorMath.F);
        int blocks = cols / BLOCK;
        for (int block = 0; block < blocks; block++) {
            long base = rowOffset + (long) block * BLOCK_BYTES;
            int xi = xOffset + block * BLOCK;
            float d = Float.float16ToFloat(data.get(LE_SHORT, base));
            long qh = Integer.toUnsignedLong(data.get(LE_INT, base + QH));
            IntVector q = (IntVector) ByteVector.fromMemorySegment(BYTES, data, base + QS, LITTLE_ENDIAN)
                    .convertShape(B2I, INTS, 0);
            FloatVector lo = ((FloatVector) q.and(0x0F).lanewise(OR, 16, VectorMask.fromLong(INTS, qh & 0xFFFF))
                    .sub(16).convert(I2F, 0)).mul(d);
            FloatVector hi = ((FloatVector) q.lanewise(LSHR, 4).and(0x0F)
                    .lanewise(OR, 16, VectorMask.fromLong(INTS, qh >>> 16)).sub(16).convert(I2F, 0)).mul(d);
            a0 = lo.fma(FloatVector.fromArray(VectorMath.F, x, xi), a0);
            a0 = hi.fma(FloatVector.fromArray(VectorMath.F, x, xi + 16), a0);
        }
        float[] buffer = PackedBytes.accumulatorBuffer(scratch);
        a0.intoArray(buffer, 0);
        return VectorMath.sumStored(buffer, 0);
    }

    /**
     * {@link #dotSingle} on vectors of 8 floats (256-bit, as AVX2): a block is four chunks in index order, the low
     * nibbles of bytes 0..7 and 8..15 with fifth bits 0..15 of qh (elements 0..15), then their high nibbles with
     * bits 16..31 (16..31), each weight computed as the generic path of {@link #dequantize} computes it.
     */
    private float dotSingleEightLanes(MemorySegment data, long rowOffset, int cols, float[] x, int xOffset,
                                      float[] scratch) {
        FloatVector acc = FloatVector.zero(VectorMath.F);
        for (int block = 0; block < cols / BLOCK; block++) {
            long base = rowOffset + (long) block * BLOCK_BYTES;
            int xi = xOffset + block * BLOCK;
            float d = Float.float16ToFloat(data.get(LE_SHORT, base));
            long qh = Integer.toUnsignedLong(data.get(LE_INT, base + QH));
            IntVector q0 = (IntVector) ByteVector.fromMemorySegment(BYTES, data, base + QS, LITTLE_ENDIAN)
                    .convertShape(B2I, INTS, 0);
            IntVector q1 = (IntVector) ByteVector.fromMemorySegment(BYTES, data, base + QS + 8, LITTLE_ENDIAN)
                    .convertShape(B2I, INTS, 0);
            acc = ((FloatVector) q0.and(0x0F).lanewise(OR, 16, VectorMask.fromLong(INTS, qh & 0xFF)).sub(16)
                    .convert(I2F, 0)).mul(d).fma(FloatVector.fromArray(VectorMath.F, x, xi), acc);
            acc = ((FloatVector) q1.and(0x0F).lanewise(OR, 16, VectorMask.fromLong(INTS, (qh >>> 8) & 0xFF)).sub(16)
                    .convert(I2F, 0)).mul(d).fma(FloatVector.fromArray(VectorMath.F, x, xi + 8), acc);
            acc = ((FloatVector) q0.lanewise(LSHR, 4).and(0x0F).lanewise(OR, 16,
                    VectorMask.fromLong(INTS, (qh >>> 16) & 0xFF)).sub(16).convert(I2F, 0)).mul(d)
                    .fma(FloatVector.fromArray(VectorMath.F, x, xi + 16), acc);
            acc = ((FloatVector) q1.lanewise(LSHR, 4).and(0x0F).lanewise(OR, 16,
                    VectorMask.fromLong(INTS, (qh >>> 24) & 0xFF)).sub(16).convert(I2F, 0)).mul(d)
                    .fma(FloatVector.fromArray(VectorMath.F, x, xi + 24), acc);
        }
        float[] buffer = PackedBytes.accumulatorBuffer(scratch);
        acc.intoArray(buffer, 0);
        return VectorMath.sumStored(buffer, 0);
    }

    /**
     * Four rows side by side, each exactly as {@link #dotSingle}: four independent FMA chains, one activation
     * load per chunk for the four rows. A block's 32 possible weights {@code d * (q - 16)} are computed once as
     * two 16-lane tables (the reference's products, so the same bits) and each chunk's weights are picked by a
     * two-table permute of the 5-bit quants.
     */
    @Override
    protected void dotSingle4(MemorySegment data, long rowOffset, long rowStep, int cols, float[] x, int xOffset,
                              float[] out, int outOffset, int outRowStep, float[] scratch) {
        if (LANES != 16) {
            super.dotSingle4(data, rowOffset, rowStep, cols, x, xOffset, out, outOffset, outRowStep, scratch);
            return;
        }
        FloatVector lowLevels = FloatVector.fromArray(VectorMath.F, LEVELS, 0);
        FloatVector highLevels = FloatVector.fromArray(VectorMath.F, LEVELS, 16);
        FloatVector a0 = FloatVector.zero(VectorMath.F), a1 = a0, a2 = a0, a3 = a0;
        long r0 = rowOffset, r1 = rowOffset + rowStep, r2 = rowOffset + 2 * rowStep, r3 = rowOffset + 3 * rowStep;
        for (int block = 0; block < cols / BLOCK; block++) {
            long off = (long) block * BLOCK_BYTES;
            int xi = xOffset + block * BLOCK;
            FloatVector x0 = FloatVector.fromArray(VectorMath.F, x, xi);
            FloatVector x1 = FloatVector.fromArray(VectorMath.F, x, xi + 16);
            int qh = data.get(LE_INT, r0 + off + QH);
            FloatVector scale = FloatVector.broadcast(VectorMath.F, Float.float16ToFloat(data.get(LE_SHORT, r0 + off)));
            IntVector low = lowLevels.mul(scale).reinterpretAsInts();
            IntVector high = highLevels.mul(scale).reinterpretAsInts();
            IntVector q = (IntVector) ByteVector.fromMemorySegment(BYTES, data, r0 + off + QS, LITTLE_ENDIAN)
                    .convertShape(B2I, INTS, 0);
            a0 = q.and(0x0F).lanewise(OR, 16, VectorMask.fromLong(INTS, qh & 0xFFFF)).selectFrom(low, high)
                    .reinterpretAsFloats().fma(x0, a0);
            a0 = q.lanewise(LSHR, 4).and(0x0F).lanewise(OR, 16, VectorMask.fromLong(INTS, qh >>> 16))
                    .selectFrom(low, high).reinterpretAsFloats().fma(x1, a0);

            qh = data.get(LE_INT, r1 + off + QH);
            scale = FloatVector.broadcast(VectorMath.F, Float.float16ToFloat(data.get(LE_SHORT, r1 + off)));
            low = lowLevels.mul(scale).reinterpretAsInts();
            high = highLevels.mul(scale).reinterpretAsInts();
            q = (IntVector) ByteVector.fromMemorySegment(BYTES, data, r1 + off + QS, LITTLE_ENDIAN)
                    .convertShape(B2I, INTS, 0);
            a1 = q.and(0x0F).lanewise(OR, 16, VectorMask.fromLong(INTS, qh & 0xFFFF)).selectFrom(low, high)
                    .reinterpretAsFloats().fma(x0, a1);
            a1 = q.lanewise(LSHR, 4).and(0x0F).lanewise(OR, 16, VectorMask.fromLong(INTS, qh >>> 16))
                    .selectFrom(low, high).reinterpretAsFloats().fma(x1, a1);

            qh = data.get(LE_INT, r2 + off + QH);
            scale = FloatVector.broadcast(VectorMath.F, Float.float16ToFloat(data.get(LE_SHORT, r2 + off)));
            low = lowLevels.mul(scale).reinterpretAsInts();
            high = highLevels.mul(scale).reinterpretAsInts();
            q = (IntVector) ByteVector.fromMemorySegment(BYTES, data, r2 + off + QS, LITTLE_ENDIAN)
                    .convertShape(B2I, INTS, 0);
            a2 = q.and(0x0F).lanewise(OR, 16, VectorMask.fromLong(INTS, qh & 0xFFFF)).selectFrom(low, high)
                    .reinterpretAsFloats().fma(x0, a2);
            a2 = q.lanewise(LSHR, 4).and(0x0F).lanewise(OR, 16, VectorMask.fromLong(INTS, qh >>> 16))
                    .selectFrom(low, high).reinterpretAsFloats().fma(x1, a2);

            qh = data.get(LE_INT, r3 + off + QH);
            scale = FloatVector.broadcast(VectorMath.F, Float.float16ToFloat(data.get(LE_SHORT, r3 + off)));
            low = lowLevels.mul(scale).reinterpretAsInts();
            high = highLevels.mul(scale).reinterpretAsInts();
            q = (IntVector) ByteVector.fromMemorySegment(BYTES, data, r3 + off + QS, LITTLE_ENDIAN)
                    .convertShape(B2I, INTS, 0);
            a3 = q.and(0x0F).lanewise(OR, 16, VectorMask.fromLong(INTS, qh & 0xFFFF)).selectFrom(low, high)
                    .reinterpretAsFloats().fma(x0, a3);
            a3 = q.lanewise(LSHR, 4).and(0x0F).lanewise(OR, 16, VectorMask.fromLong(INTS, qh >>> 16))
                    .selectFrom(low, high).reinterpretAsFloats().fma(x1, a3);
        }
        float[] buffer = PackedBytes.accumulatorBuffer(scratch);
        a0.intoArray(buffer, 0);
        a1.intoArray(buffer, LANES);
        a2.intoArray(buffer, 2 * LANES);
        a3.intoArray(buffer, 3 * LANES);
        PackedBytes.finish4(buffer, out, outOffset, outRowStep);
    }

    /** Batches of 2 and 3 go through {@link #dotVectorPair4} (see {@link BlockFormat#hasVectorPairKernel}). */
    @Override
    protected boolean hasVectorPairKernel() {
        return LANES == 16;
    }

    /**
     * Four rows with two vectors (at {@code x[first..]} and {@code x[second..]}), each result exactly as
     * {@link #dotSingle} gives it: each chunk's weights are picked from the tables once for both vectors.
     */
    @Override
    protected void dotVectorPair4(MemorySegment data, long rowOffset, long rowStep, int cols, float[] x, int first,
                                  int second, float[] out, int outOffset, int outRowStep, int outStride,
                                  float[] scratch) {
        FloatVector lowLevels = FloatVector.fromArray(VectorMath.F, LEVELS, 0);
        FloatVector highLevels = FloatVector.fromArray(VectorMath.F, LEVELS, 16);
        FloatVector a0 = FloatVector.zero(VectorMath.F), a1 = a0, a2 = a0, a3 = a0;
        FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        long r0 = rowOffset, r1 = rowOffset + rowStep, r2 = rowOffset + 2 * rowStep, r3 = rowOffset + 3 * rowStep;
        for (int block = 0; block < cols / BLOCK; block++) {
            long off = (long) block * BLOCK_BYTES;
            int xi = first + block * BLOCK;
            int yi = second + block * BLOCK;
            FloatVector x0 = FloatVector.fromArray(VectorMath.F, x, xi);
            FloatVector x1 = FloatVector.fromArray(VectorMath.F, x, xi + 16);
            FloatVector y0 = FloatVector.fromArray(VectorMath.F, x, yi);
            FloatVector y1 = FloatVector.fromArray(VectorMath.F, x, yi + 16);
            int qh = data.get(LE_INT, r0 + off + QH);
            FloatVector scale = FloatVector.broadcast(VectorMath.F, Float.float16ToFloat(data.get(LE_SHORT, r0 + off)));
            IntVector low = lowLevels.mul(scale).reinterpretAsInts();
            IntVector high = highLevels.mul(scale).reinterpretAsInts();
            IntVector q = (IntVector) ByteVector.fromMemorySegment(BYTES, data, r0 + off + QS, LITTLE_ENDIAN)
                    .convertShape(B2I, INTS, 0);
            FloatVector w = q.and(0x0F).lanewise(OR, 16, VectorMask.fromLong(INTS, qh & 0xFFFF)).selectFrom(low, high)
                    .reinterpretAsFloats();
            a0 = w.fma(x0, a0);
            b0 = w.fma(y0, b0);
            w = q.lanewise(LSHR, 4).and(0x0F).lanewise(OR, 16, VectorMask.fromLong(INTS, qh >>> 16))
                    .selectFrom(low, high).reinterpretAsFloats();
            a0 = w.fma(x1, a0);
            b0 = w.fma(y1, b0);

            qh = data.get(LE_INT, r1 + off + QH);
            scale = FloatVector.broadcast(VectorMath.F, Float.float16ToFloat(data.get(LE_SHORT, r1 + off)));
            low = lowLevels.mul(scale).reinterpretAsInts();
            high = highLevels.mul(scale).reinterpretAsInts();
            q = (IntVector) ByteVector.fromMemorySegment(BYTES, data, r1 + off + QS, LITTLE_ENDIAN)
                    .convertShape(B2I, INTS, 0);
            w = q.and(0x0F).lanewise(OR, 16, VectorMask.fromLong(INTS, qh & 0xFFFF)).selectFrom(low, high)
                    .reinterpretAsFloats();
            a1 = w.fma(x0, a1);
            b1 = w.fma(y0, b1);
            w = q.lanewise(LSHR, 4).and(0x0F).lanewise(OR, 16, VectorMask.fromLong(INTS, qh >>> 16))
                    .selectFrom(low, high).reinterpretAsFloats();
            a1 = w.fma(x1, a1);
            b1 = w.fma(y1, b1);

            qh = data.get(LE_INT, r2 + off + QH);
            scale = FloatVector.broadcast(VectorMath.F, Float.float16ToFloat(data.get(LE_SHORT, r2 + off)));
            low = lowLevels.mul(scale).reinterpretAsInts();
            high = highLevels.mul(scale).reinterpretAsInts();
            q = (IntVector) ByteVector.fromMemorySegment(BYTES, data, r2 + off + QS, LITTLE_ENDIAN)
                    .convertShape(B2I, INTS, 0);
            w = q.and(0x0F).lanewise(OR, 16, VectorMask.fromLong(INTS, qh & 0xFFFF)).selectFrom(low, high)
                    .reinterpretAsFloats();
            a2 = w.fma(x0, a2);
            b2 = w.fma(y0, b2);
            w = q.lanewise(LSHR, 4).and(0x0F).lanewise(OR, 16, VectorMask.fromLong(INTS, qh >>> 16))
                    .selectFrom(low, high).reinterpretAsFloats();
            a2 = w.fma(x1, a2);
            b2 = w.fma(y1, b2);

            qh = data.get(LE_INT, r3 + off + QH);
            scale = FloatVector.broadcast(VectorMath.F, Float.float16ToFloat(data.get(LE_SHORT, r3 + off)));
            low = lowLevels.mul(scale).reinterpretAsInts();
            high = highLevels.mul(scale).reinterpretAsInts();
            q = (IntVector) ByteVector.fromMemorySegment(BYTES, data, r3 + off + QS, LITTLE_ENDIAN)
                    .convertShape(B2I, INTS, 0);
            w = q.and(0x0F).lanewise(OR, 16, VectorMask.fromLong(INTS, qh & 0xFFFF)).selectFrom(low, high)
                    .reinterpretAsFloats();
            a3 = w.fma(x0, a3);
            b3 = w.fma(y0, b3);
            w = q.lanewise(LSHR, 4).and(0x0F).lanewise(OR, 16, VectorMask.fromLong(INTS, qh >>> 16))
                    .selectFrom(low, high).reinterpretAsFloats();
            a3 = w.fma(x1, a3);
            b3 = w.fma(y1, b3);
        }
        // Row k's accumulator for vector j at scratch[(4k + j) * LANES], as finishTile reads them.
        a0.intoArray(scratch, 0);
        b0.intoArray(scratch, LANES);
        a1.intoArray(scratch, 4 * LANES);
        b1.intoArray(scratch, 5 * LANES);
        a2.intoArray(scratch, 8 * LANES);
        b2.intoArray(scratch, 9 * LANES);
        a3.intoArray(scratch, 12 * LANES);
        b3.intoArray(scratch, 13 * LANES);
        PackedBytes.finishTile(scratch, 2, out, outOffset, outRowStep, outStride);
    }
}
