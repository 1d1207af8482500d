package dev.ponder.core.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.core.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The matrix product's paths (four-row decode over quarters, also per vector for batches under four;
 * dequantized row blocks with tiles for larger batches; the rows and vectors left over; Q4_0's integer path)
 * against one-row, one-vector products by the path's reference: the same bits for every output, in its
 * place, whatever the batch and the number of threads.
 */
class MatrixTest {
    private static final Parallel ONE = new Parallel(1);
    private static final Parallel TWO = new Parallel(2);

    @AfterAll
    static void closePools() {
        ONE.close();
        TWO.close();
    }

    @Test
    void everyPathGivesEachOutputTheBitsOfItsOwnRowProduct() {
        // 75 rows: several blocks and chunks, and rows left over from fours; 23 vectors: more than one pass.
        check(GgmlType.Q8_0, 75, 96);
        check(GgmlType.Q4_0, 75, 64);
        // Q4_0 through the integer path too (when the machine has it): 75 rows end in a padded group.
        check(GgmlType.Q4_0, 75, 64, true);
        check(GgmlType.Q4_0, 64, 896, true);
        check(GgmlType.Q5_0, 75, 64, true);
        check(GgmlType.Q5_0, 64, 896, true);
        check(GgmlType.Q8_0, 75, 64, true);
        check(GgmlType.Q8_0, 64, 896, true);

        check(GgmlType.Q6_K, 37, 256);
        check(GgmlType.F32, 75, 67);
        // Wide rows: fewer rows per block.
        check(GgmlType.Q8_0, 9, 4864);
    }

    /**
     * Every registered format through every path of the product, so that a format added to the registry is
     * covered without a line here. 512 columns: whole blocks of every format (the K-quants' 256 included).
     */
    @Test
    void everyRegisteredFormatGoesThroughEveryPath() {
        assertThat(WeightFormats.all()).hasSizeGreaterThanOrEqualTo(11);
        for (WeightFormat format : WeightFormats.all()) {
            check(format.type(), 37, 512);
        }
    }

    @Test
    void theIntegerPathStaysCloseToTheFloatKernels() {
        if (!IntegerWeights.supported()) {
            return;
        }
        for (GgmlType type : new GgmlType[] {GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q5_0, GgmlType.Q5_K, GgmlType.Q6_K,
                GgmlType.Q8_0}) {
            int rows = 96;
            int cols = 1024;
            Random rnd = new Random(type.id());
            MemorySegment data = MemorySegment.ofArray(FormatFixtures.randomBlocks(type, rows * cols, rnd));
            WeightFormat format = WeightFormats.of(type, "w");
            float[] x = FormatFixtures.randomVector(3 * cols, rnd);
            float[] onIntegers = new float[3 * rows];
            float[] onFloats = new float[3 * rows];
            IntegerWeights.of(type, data, rows, cols).multiply(
                    new QuantizedVectors().quantize(x, cols, 3, cols, null), onIntegers, rows, 0, 0, rows / 32);
            new Matrix("w", format, data, rows, cols, false).multiply(x, 3, onFloats, TWO);
            double error = 0;
            double norm = 0;
            for (int i = 0; i < onFloats.length; i++) {
                error += (onIntegers[i] - onFloats[i]) * (double) (onIntegers[i] - onFloats[i]);
                norm += onFloats[i] * (double) onFloats[i];
            }
            System.out.printf("%s: relative error of the integer path against the float kernels %.2e%n", type,
                    Math.sqrt(error / norm));
            // 8-bit activations: about 0.5% relative error on random data (llama.cpp's Q8 activations do the same).
            assertThat(Math.sqrt(error / norm)).as("%s relative error of the integer path", type).isLessThan(0.02);
        }
    }

    private static void check(GgmlType type, int rows, int cols) {
        check(type, rows, cols, false);
    }

    /**
     * The integer kernels against their reference, bit for bit, panels included, Q4_K's and Q6_K's too (off in models,
     * see IntegerWeights).
     */
    @Test
    void integerKernelsGiveTheirReferenceBits() {
        if (!IntegerWeights.supported()) {
            return;
        }
        for (GgmlType type : new GgmlType[] {GgmlType.Q4_K, GgmlType.Q5_0, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.Q8_0}) {
            for (int rows : new int[] {37, 64}) {
                int cols = 512;
                Random rnd = new Random(rows);
                MemorySegment data = MemorySegment.ofArray(FormatFixtures.randomBlocks(type, rows * cols, rnd));
                IntegerWeights weights = IntegerWeights.of(type, data, rows, cols);
                long rowBytes = type.byteSize(cols);
                // 64 and 133: one panel and two with some left over, for the formats with a panel kernel.
                for (int batch : new int[] {1, 2, 3, 5, 9, 64, 133}) {
                    float[] vectors = FormatFixtures.randomVector(batch * cols, rnd);
                    QuantizedVectors x = new QuantizedVectors().quantize(vectors, cols, batch, cols, null,
                            weights.hasPanelKernel());
                    // The reference reads the plain layout, which panel vectors do not keep.
                    QuantizedVectors plain = new QuantizedVectors().quantize(vectors, cols, batch, cols, null);
                    int yStride = rows + 3;
                    float[] y = new float[batch * yStride];
                    Arrays.fill(y, Float.NaN);
                    weights.multiply(x, y, yStride, 1, 0, weights.groups());
                    for (int b = 0; b < batch; b++) {
                        for (int r = 0; r < rows; r++) {
                            float expected = IntegerWeights.referenceDot(type, data, r * rowBytes, cols, plain, b);
                            assertThat(Float.floatToRawIntBits(y[1 + b * yStride + r]))
                                    .as("%s %d rows, batch %d: row %d vector %d", type, rows, batch, r, b)
                                    .isEqualTo(Float.floatToRawIntBits(expected));
                        }
                        assertThat(y[b * yStride]).as("before the outputs").isNaN();
                    }
                }
            }
        }
    }

    private static void check(GgmlType type, int rows, int cols, boolean integerPath) {
        WeightFormat format = WeightFormats.of(type, "w");
        Random rnd = new Random(type.id() * 13L + cols);
        MemorySegment data = MemorySegment.ofArray(FormatFixtures.randomBlocks(type, rows * cols, rnd));
        Matrix matrix = new Matrix("w", format, data, rows, cols, integerPath);
        assertThat(matrix.usesIntegerPath()).isEqualTo(integerPath && IntegerWeights.supported());
        // The integer path also takes panels of 64 vectors in the lanes (prompts): one panel, two and some left over.
        int[] batches = matrix.usesIntegerPath() ? new int[] {1, 2, 3, 5, 23, 64, 133} : new int[] {1, 2, 3, 5, 23};
        for (int batch : batches) {
            int xStride = cols + 2;
            float[] x = FormatFixtures.randomVector(batch * xStride, rnd);
            // Outputs side by side at an offset, as the model lays out q, k and v.
            int yStride = rows + 3;
            for (Parallel parallel : new Parallel[] {ONE, TWO}) {
                float[] y = new float[batch * yStride];
                Arrays.fill(y, Float.NaN);
                matrix.multiply(x, xStride, batch, y, yStride, 2, parallel);
                for (int b = 0; b < batch; b++) {
                    for (int r = 0; r < rows; r++) {
                        float expected = matrix.rowProduct(r, x, b * xStride);
                        assertThat(Float.floatToRawIntBits(y[2 + b * yStride + r]))
                                .as("%s %dx%d batch %d, %d threads: row %d vector %d", type, rows, cols, batch,
                                        parallel.threads(), r, b)
                                .isEqualTo(Float.floatToRawIntBits(expected));
                    }
                    assertThat(y[b * yStride]).as("before the outputs").isNaN();
                    assertThat(y[b * yStride + 1]).as("before the outputs").isNaN();
                    if (b + 1 < batch) {
                        assertThat(y[b * yStride + 2 + rows]).as("after the outputs").isNaN();
                    }
                }
            }
        }
    }
}
