package dev.ponder.core.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Base of the formats. By default, batched row products dequantize rows once into scratch and then run the
 * canonical dot product of {@link VectorMath} for every vector (four rows at a time through the tiles of
 * {@link FloatRows}). A format may override {@link #dotSingle} and {@link #dotSingle4} with fused kernels for
 * the single-vector case (decode), and {@link #dotBatch4} (with {@link #fusesBatch}) or {@link #dotVectorPair4}
 * for small batches that read the quantized rows directly, provided they compute each weight exactly as
 * {@link #dequantize} does and accumulate in the canonical order, so that all paths agree bit for bit.
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
     * Four rows. Alone (decode), the format's fused four-row kernel; in a small batch the format fuses
     * ({@link #fusesBatch}), its batch kernel on the quantized rows; otherwise the four rows are dequantized once
     * into scratch and the vectors go through the tiles of {@link FloatRows}.
     */
    @Override
    public final void dotRows4(MemorySegment data, long rowOffset, long rowStep, int cols, float[] x, int xStride,
                               int batch, float[] out, int outOffset, int outRowStep, int outStride, float[] scratch) {
        if (batch == 1) {
            dotSingle4(data, rowOffset, rowStep, cols, x, 0, out, outOffset, outRowStep, scratch);
            return;
        }
        if (fusesBatch(batch)) {
            dotBatch4(data, rowOffset, rowStep, cols, x, xStride, batch, out, outOffset, outRowStep, outStride, scratch);
            return;
        }
        for (int k = 0; k < 4; k++) {
            dequantize(data, rowOffset + k * rowStep, scratch, k * cols, cols);
        }
        FloatRows.multiply4(scratch, 0, cols, x, xStride, 0, batch, out, outOffset, outRowStep, outStride, scratch,
                4 * cols);
    }

    /** One row with one vector; by default dequantize then dot, as the batched path does. */
    protected float dotSingle(MemorySegment data, long rowOffset, int cols, float[] x, int xOffset, float[] scratch) {
        dequantize(data, rowOffset, scratch, 0, cols);
        return VectorMath.dotAny(scratch, 0, x, xOffset, cols);
    }

    /**
     * Four rows (at {@code rowOffset + k * rowStep}) with one vector; by default one row at a time (a fused
     * single-row kernel measured faster than dequantizing the four rows and multiplying them together;
     * BENCHMARKS.md, "Which kernel a batch takes"). A format overrides it with a fused kernel that walks the four
     * rows together (four independent FMA chains and one activation load for four rows), computing each result
     * exactly as {@link #dotSingle} does.
     */
    protected void dotSingle4(MemorySegment data, long rowOffset, long rowStep, int cols, float[] x, int xOffset,
                              float[] out, int outOffset, int outRowStep, float[] scratch) {
        for (int k = 0; k < 4; k++) {
            out[outOffset + k * outRowStep] = dotSingle(data, rowOffset + k * rowStep, cols, x, xOffset, scratch);
        }
    }

    /**
     * Four rows with a small batch, reading the quantized rows directly; called only when {@link #fusesBatch}
     * says so, each result exactly as {@link #dotSingle} would give it. One mechanism for every format: groups of
     * four vectors through {@link #dotVectorQuads4} (formats that have such a kernel), then pairs through
     * {@link #dotVectorPair4} (formats that have it), then each vector left through the four-row decode kernel.
     */
    protected final void dotBatch4(MemorySegment data, long rowOffset, long rowStep, int cols, float[] x, int xStride,
                                   int batch, float[] out, int outOffset, int outRowStep, int outStride,
                                   float[] scratch) {
        int b = 0;
        if (scratch.length >= 16 * VectorMath.LANES) {
            b = dotVectorQuads4(data, rowOffset, rowStep, cols, x, xStride, batch, out, outOffset, outRowStep,
                    outStride, scratch);
            if (hasVectorPairKernel()) {
                for (; b + 2 <= batch; b += 2) {
                    dotVectorPair4(data, rowOffset, rowStep, cols, x, b * xStride, (b + 1) * xStride, out,
                            outOffset + b * outStride, outRowStep, outStride, scratch);
                }
            }
        }
        dotLeftoverVectors(data, rowOffset, rowStep, cols, x, xStride, b, batch, out, outOffset, outRowStep, outStride,
                scratch);
    }

    /**
     * The vectors of a small batch four at a time, as many whole groups of four as the batch holds, each result
     * exactly as {@link #dotSingle} gives it; returns how many vectors it took (by default none). {@code scratch}
     * holds at least 16 LANES floats.
     */
    protected int dotVectorQuads4(MemorySegment data, long rowOffset, long rowStep, int cols, float[] x, int xStride,
                                  int batch, float[] out, int outOffset, int outRowStep, int outStride, float[] scratch) {
        return 0;
    }

    /**
     * Whether the format has {@link #dotVectorPair4}. Then pairs of vectors read the quantized rows once per pair
     * instead of once per vector through the decode kernel: for a large model, whose decode is bound by memory,
     * reading the rows is the whole cost of a small batch.
     */
    protected boolean hasVectorPairKernel() {
        return false;
    }

    @Override
    public boolean fusesBatch(int batch) {
        return hasVectorPairKernel() && batch <= 3;
    }

    /**
     * Four rows with the two vectors at {@code x[first..]} and {@code x[second..]}, each result exactly as
     * {@link #dotSingle} gives it, to {@code out[outOffset + k * outRowStep]} and the next column
     * ({@code + outStride}). {@code scratch} holds at least 16 LANES floats. Only called when
     * {@link #hasVectorPairKernel}.
     */
    protected void dotVectorPair4(MemorySegment data, long rowOffset, long rowStep, int cols, float[] x, int first,
                                  int second, float[] out, int outOffset, int outRowStep, int outStride,
                                  float[] scratch) {
        throw new UnsupportedOperationException(type() + " has no two-vector kernel");
    }

    /** Vectors [from, batch) of a fused batch kernel that did not fill a group: the four-row decode kernel each. */
    protected final void dotLeftoverVectors(MemorySegment data, long rowOffset, long rowStep, int cols, float[] x,
                                            int xStride, int from, int batch, float[] out, int outOffset,
                                            int outRowStep, int outStride, float[] scratch) {
        for (int b = from; b < batch; b++) {
            dotSingle4(data, rowOffset, rowStep, cols, x, b * xStride, out, outOffset + b * outStride, outRowStep,
                    scratch);
        }
    }

    @Override
    public String toString() {
        return type().toString();
    }
}
