package dev.ponder.core.tensor;

import dev.ponder.core.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import java.util.function.DoubleSupplier;

/**
 * One GGML storage format: its block geometry, a plain scalar dequantizer that is the reference, and
 * the fast (Vector API) kernels the model runs.
 *
 * <p>Batch invariance: {@link #dotRow} must give every activation vector bit-for-bit the same result
 * whatever {@code batch} is and wherever the vector sits in the batch, so that a request's output
 * never depends on which other requests share its step. Implementations achieve it by computing each
 * weight as one fixed float expression and accumulating each vector in one fixed order (see
 * {@link VectorMath}).
 */
public interface WeightFormat {

    GgmlType type();

    /**
     * Writes the float fields of the block at {@code blockOffset} in {@code blocks} (its scales and minimums; for
     * the float formats, the value itself), each from {@code values}, in layout order. Random bytes elsewhere then
     * make a valid block whose values are finite and of a chosen size: the test fixtures and the synthetic models
     * build blocks of every registered format this way.
     */
    void writeFloatFields(byte[] blocks, int blockOffset, DoubleSupplier values);

    default int blockSize() {
        return type().blockSize();
    }

    default int bytesPerBlock() {
        return type().bytesPerBlock();
    }

    /** Bytes of one row of {@code cols} elements. */
    default long rowBytes(int cols) {
        return type().byteSize(cols);
    }

    /**
     * The reference: dequantizes {@code count} elements (a whole number of blocks) starting at
     * {@code byteOffset} into {@code out[outOffset..]}, one element at a time, straight from the GGML
     * block layout.
     */
    void dequantizeReference(MemorySegment data, long byteOffset, float[] out, int outOffset, int count);

    /** Fast dequantization; must equal {@link #dequantizeReference} bit for bit. */
    default void dequantize(MemorySegment data, long byteOffset, float[] out, int outOffset, int count) {
        dequantizeReference(data, byteOffset, out, outOffset, count);
    }

    /**
     * Dot products of one weight row of {@code cols} elements (at {@code rowOffset}) with {@code batch}
     * activation vectors: {@code out[outOffset + b * outStride] = sum_i w[i] * x[b * xStride + i]}.
     * Batch-invariant (see the class comment). {@code scratch} holds at least {@code cols} floats.
     */
    void dotRow(MemorySegment data, long rowOffset, int cols, float[] x, int xStride, int batch,
                float[] out, int outOffset, int outStride, float[] scratch);

    /**
     * {@link #dotRow} for four rows at once: row k (k = 0..3) at {@code rowOffset + k * rowStep}, its result
     * for vector b at {@code out[outOffset + k * outRowStep + b * outStride]}, each exactly as {@link #dotRow}
     * gives it. Four rows share every load of an activation chunk, and their four independent sums keep
     * the FMA units busy. {@code scratch} holds at least {@link #rows4Scratch(int)} floats.
     */
    default void dotRows4(MemorySegment data, long rowOffset, long rowStep, int cols, float[] x, int xStride,
                          int batch, float[] out, int outOffset, int outRowStep, int outStride, float[] scratch) {
        for (int k = 0; k < 4; k++) {
            dotRow(data, rowOffset + k * rowStep, cols, x, xStride, batch, out, outOffset + k * outRowStep, outStride,
                    scratch);
        }
    }

    /**
     * Whether {@link #dotRows4} reads the quantized rows directly for batches of up to {@code batch} vectors
     * (instead of dequantizing them into scratch first): then the matrix product streams the weights as in
     * decode, which is faster for small batches.
     */
    default boolean fusesBatch(int batch) {
        return false;
    }

    /** Scratch floats that {@link #dotRows4} needs for rows of {@code cols}. */
    static int rows4Scratch(int cols) {
        return 4 * cols + 24 * VectorMath.LANES;
    }
}
