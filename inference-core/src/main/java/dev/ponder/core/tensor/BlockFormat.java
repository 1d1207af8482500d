package dev.ponder.core.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Base of the formats: a batched row product that dequantizes the row once into scratch and then
 * runs the fixed-order {@link VectorMath#dot} for every vector. A format may override
 * {@link #dotSingle} with a fused kernel for the single-vector case (decode), provided it computes
 * each weight exactly as {@link #dequantize} does and accumulates in the same order, so both paths
 * agree bit for bit.
 */
public abstract class BlockFormat implements WeightFormat {
    protected static final ValueLayout.OfShort LE_SHORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    protected static final ValueLayout.OfFloat LE_FLOAT =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    protected static final ValueLayout.OfInt LE_INT =
            ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** An IEEE half-precision value at {@code offset}. */
    protected static float f16(MemorySegment data, long offset) {
        return Float.float16ToFloat(data.get(LE_SHORT, offset));
    }

    protected static int u8(MemorySegment data, long offset) {
        return data.get(ValueLayout.JAVA_BYTE, offset) & 0xff;
    }

    protected static byte i8(MemorySegment data, long offset) {
        return data.get(ValueLayout.JAVA_BYTE, offset);
    }

    @Override
    public final void dotRow(MemorySegment data, long rowOffset, int cols, float[] x, int xStride, int batch,
                             float[] out, int outOffset, int outStride, float[] scratch) {
        if (batch == 1) {
            out[outOffset] = dotSingle(data, rowOffset, cols, x, 0, scratch);
            return;
        }
        dequantize(data, rowOffset, scratch, 0, cols);
        for (int b = 0; b < batch; b++) {
            out[outOffset + b * outStride] = VectorMath.dotAny(scratch, 0, x, b * xStride, cols);
        }
    }

    /**
     * Two rows for a batch: both are dequantized once, then vectors go through {@link VectorMath#dotTile} two
     * at a time, which loads each chunk once for four products; results equal {@link #dotRow}'s bit for bit.
     */
    @Override
    public final void dotRowPair(MemorySegment data, long rowOffsetA, long rowOffsetB, int cols, float[] x, int xStride,
                                 int batch, float[] out, int outOffsetA, int outOffsetB, int outStride, float[] scratch) {
        if (batch < 2 || cols % (4 * VectorMath.LANES) != 0) {
            WeightFormat.super.dotRowPair(data, rowOffsetA, rowOffsetB, cols, x, xStride, batch, out, outOffsetA,
                    outOffsetB, outStride, scratch);
            return;
        }
        dequantize(data, rowOffsetA, scratch, 0, cols);
        dequantize(data, rowOffsetB, scratch, cols, cols);
        int acc = 2 * cols;
        int b = 0;
        for (; b + 2 <= batch; b += 2) {
            // The four combined accumulators land in scratch after the two rows.
            VectorMath.dotTile(scratch, 0, cols, x, b * xStride, (b + 1) * xStride, cols, scratch, acc);
            out[outOffsetA + b * outStride] = VectorMath.sumStored(scratch, acc);
            out[outOffsetA + (b + 1) * outStride] = VectorMath.sumStored(scratch, acc + VectorMath.LANES);
            out[outOffsetB + b * outStride] = VectorMath.sumStored(scratch, acc + 2 * VectorMath.LANES);
            out[outOffsetB + (b + 1) * outStride] = VectorMath.sumStored(scratch, acc + 3 * VectorMath.LANES);
        }
        for (; b < batch; b++) {
            out[outOffsetA + b * outStride] = VectorMath.dotAny(scratch, 0, x, b * xStride, cols);
            out[outOffsetB + b * outStride] = VectorMath.dotAny(scratch, cols, x, b * xStride, cols);
        }
    }

    /** One row with one vector; by default dequantize then dot, as the batched path does. */
    protected float dotSingle(MemorySegment data, long rowOffset, int cols, float[] x, int xOffset, float[] scratch) {
        dequantize(data, rowOffset, scratch, 0, cols);
        return VectorMath.dotAny(scratch, 0, x, xOffset, cols);
    }

    @Override
    public String toString() {
        return type().toString();
    }
}
