package dev.ponder.core.tensor;

/**
 * Products of rows already dequantized to floats with a batch of activation vectors, through the tiles
 * of {@link VectorMath}: each result is the canonical dot product of {@link VectorMath#dotAny}, whatever
 * tile computed it.
 */
final class FloatRows {
    private FloatRows() {
    }

    /**
     * Four rows ({@code w[w0 + k * cols ..]}, k = 0..3) with vectors [from, to) of the batch (vector b at
     * {@code x[b * xStride]}); the result of row k and vector b goes to
     * {@code out[outOffset + k * outRowStep + b * outStride]}. {@code acc[accOffset ..]} holds 24 LANES floats.
     */
    static void multiply4(float[] w, int w0, int cols, float[] x, int xStride, int from, int to,
                          float[] out, int outOffset, int outRowStep, int outStride, float[] acc, int accOffset) {
        int main = cols - cols % VectorMath.LANES;
        int b = from;
        for (; b + 6 <= to; b += 6) {
            VectorMath.tile4x6(w, w0, cols, x, b * xStride, xStride, main, acc, accOffset);
            finish(acc, accOffset, 6, w, w0, cols, main, x, xStride, b, out, outOffset, outRowStep, outStride);
        }
        for (; b + 4 <= to; b += 4) {
            VectorMath.tile4x4(w, w0, cols, x, b * xStride, xStride, main, acc, accOffset);
            finish(acc, accOffset, 4, w, w0, cols, main, x, xStride, b, out, outOffset, outRowStep, outStride);
        }
        for (; b < to; b++) {
            VectorMath.tile4x1(w, w0, cols, x, b * xStride, main, acc, accOffset);
            finish(acc, accOffset, 1, w, w0, cols, main, x, xStride, b, out, outOffset, outRowStep, outStride);
        }
    }

    /**
     * The results of a tile of four rows and {@code width} vectors starting at vector {@code b}: the lane sum
     * of the accumulator of row k and vector j (stored at {@code acc[accOffset + (width * k + j) * LANES]}),
     * plus the columns [main, cols) that the tile left out.
     */
    private static void finish(float[] acc, int accOffset, int width, float[] w, int w0, int cols, int main,
                               float[] x, int xStride, int b, float[] out, int outOffset, int outRowStep,
                               int outStride) {
        for (int k = 0; k < 4; k++) {
            for (int j = 0; j < width; j++) {
                float sum = VectorMath.sumStored(acc, accOffset + (width * k + j) * VectorMath.LANES);
                out[outOffset + k * outRowStep + (b + j) * outStride] =
                        addTail(sum, w, w0 + k * cols, x, (b + j) * xStride, main, cols);
            }
        }
    }

    /** {@code sum} plus the elements [from, to) of the product in index order, as {@link VectorMath#dotAny} adds them. */
    private static float addTail(float sum, float[] w, int wOff, float[] x, int xOff, int from, int to) {
        for (int i = from; i < to; i++) {
            sum += w[wOff + i] * x[xOff + i];
        }
        return sum;
    }
}
