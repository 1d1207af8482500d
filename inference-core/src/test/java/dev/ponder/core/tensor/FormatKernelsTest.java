package dev.ponder.core.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.ponder.core.gguf.GgmlType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every format's fast kernels against its scalar reference on random blocks: dequantize bit for bit,
 * and row products that do not depend on the batch and agree with a double-precision dot product.
 */
class FormatKernelsTest {
    /** Leading bytes before the first row, odd so that no load is aligned. */
    private static final int PREFIX = 5;

    static Stream<GgmlType> types() {
        return FormatFixtures.TYPES.stream();
    }

    /** Row lengths: 1, 2, 3 and 7 blocks; for one-element blocks, lengths that leave vector tails. */
    private static int[] rowLengths(GgmlType type) {
        int b = type.blockSize();
        return b == 1 ? new int[] {1, 3, 7, 16, 33, 100} : new int[] {b, 2 * b, 3 * b, 7 * b};
    }

    @ParameterizedTest
    @MethodSource("types")
    void fastDequantizeEqualsReferenceBitForBit(GgmlType type) {
        WeightFormat format = WeightFormats.of(type, "t");
        Random rnd = new Random(type.id() * 31L + 1);
        for (int cols : rowLengths(type)) {
            for (int rows : new int[] {1, 3, 5}) {
                byte[] bytes = withPrefix(FormatFixtures.randomBlocks(type, rows * cols, rnd));
                try (Arena arena = Arena.ofConfined()) {
                    for (MemorySegment data : new MemorySegment[] {
                            MemorySegment.ofArray(bytes), FormatFixtures.nativeCopy(bytes, 0, arena)}) {
                        float[] ref = new float[rows * cols];
                        float[] whole = new float[rows * cols];
                        float[] byRow = new float[rows * cols];
                        format.dequantizeReference(data, PREFIX, ref, 0, rows * cols);
                        format.dequantize(data, PREFIX, whole, 0, rows * cols);
                        for (int r = 0; r < rows; r++) {
                            format.dequantize(data, PREFIX + r * format.rowBytes(cols), byRow, r * cols, cols);
                        }
                        assertSameBits(whole, ref, type + " " + rows + "x" + cols + " whole");
                        assertSameBits(byRow, ref, type + " " + rows + "x" + cols + " by row");
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("types")
    void dotRowIsBatchInvariantAndMatchesDoubleReference(GgmlType type) {
        WeightFormat format = WeightFormats.of(type, "t");
        Random rnd = new Random(type.id() * 17L + 3);
        int rows = 3;
        int batch = 5;
        for (int cols : rowLengths(type)) {
            MemorySegment data = MemorySegment.ofArray(withPrefix(FormatFixtures.randomBlocks(type, rows * cols, rnd)));
            int xStride = cols + 3;
            float[] xs = FormatFixtures.randomVector(batch * xStride, rnd);
            float[] scratch = new float[cols];
            float[] reference = new float[cols];
            for (int r = 0; r < rows; r++) {
                long rowOffset = PREFIX + r * format.rowBytes(cols);
                format.dequantizeReference(data, rowOffset, reference, 0, cols);
                // Batched: results land at out[r + b * rows], as a matrix product would lay them out.
                float[] batched = new float[rows * batch];
                format.dotRow(data, rowOffset, cols, xs, xStride, batch, batched, r, rows, scratch);
                for (int b = 0; b < batch; b++) {
                    float[] alone = new float[cols];
                    System.arraycopy(xs, b * xStride, alone, 0, cols);
                    float[] single = {Float.NaN, Float.NaN};
                    format.dotRow(data, rowOffset, cols, alone, cols, 1, single, 1, 1, new float[cols]);
                    String what = type + " cols " + cols + " row " + r + " vector " + b;
                    assertThat(Float.floatToRawIntBits(batched[r + b * rows])).as(what)
                            .isEqualTo(Float.floatToRawIntBits(single[1]));
                    assertThat(single[0]).as("untouched neighbour").isNaN();
                    assertCloseToExact(single[1], reference, alone, what);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("types")
    void fourRowsGiveTheSameBitsAsSingleRows(GgmlType type) {
        WeightFormat format = WeightFormats.of(type, "t");
        Random rnd = new Random(type.id() * 31L + 1);
        int b = type.blockSize();
        int[] lengths = b == 1 ? new int[] {7, 64, 67, 256, 896} : new int[] {b, 3 * b, 896 - 896 % b};
        for (int cols : lengths) {
            if (cols == 0) {
                continue;
            }
            // Eight rows of data; the four rows taken are 0, 2, 4, 6 (a row step of two rows).
            MemorySegment data = MemorySegment.ofArray(withPrefix(FormatFixtures.randomBlocks(type, 8 * cols, rnd)));
            long rowBytes = format.rowBytes(cols);
            // 1: the decode kernel; 2, 3: a pair (and one left); 6, 7, 9: groups of four, a pair, one left.
            for (int batch : new int[] {1, 2, 3, 6, 7, 9}) {
                int xStride = cols + 1;
                float[] xs = FormatFixtures.randomVector(batch * xStride, rnd);
                float[] four = new float[8 * batch];
                float[] single = new float[8 * batch];
                format.dotRows4(data, PREFIX, 2 * rowBytes, cols, xs, xStride, batch, four, 0, 2, 8,
                        new float[WeightFormat.rows4Scratch(cols)]);
                for (int k = 0; k < 4; k++) {
                    format.dotRow(data, PREFIX + 2 * k * rowBytes, cols, xs, xStride, batch, single, 2 * k, 8,
                            new float[cols]);
                }
                for (int i = 0; i < four.length; i++) {
                    assertThat(Float.floatToRawIntBits(four[i])).as("%s cols %d batch %d output %d", type, cols, batch, i)
                            .isEqualTo(Float.floatToRawIntBits(single[i]));
                }
            }
        }
    }

    /**
     * The tests above mostly run interpreted; this one repeats the kernels until C2 has compiled them
     * (with the Vector API intrinsics) and checks that the compiled code still gives the same bits.
     */
    @ParameterizedTest
    @MethodSource("types")
    void compiledKernelsGiveTheSameBits(GgmlType type) {
        WeightFormat format = WeightFormats.of(type, "t");
        Random rnd = new Random(type.id() * 7L + 5);
        int cols = type.blockSize() == 1 ? 67 : 3 * type.blockSize();
        MemorySegment data = MemorySegment.ofArray(withPrefix(FormatFixtures.randomBlocks(type, cols, rnd)));
        float[] x = FormatFixtures.randomVector(cols, rnd);
        float[] reference = new float[cols];
        format.dequantizeReference(data, PREFIX, reference, 0, cols);
        float expectedDot = VectorMath.dotAny(reference, 0, x, 0, cols);
        float[] weights = new float[cols];
        float[] scratch = new float[cols];
        float[] out = new float[1];
        float[] four = new float[4];
        float[] fourScratch = new float[WeightFormat.rows4Scratch(cols)];
        for (int i = 0; i < 20_000; i++) {
            format.dequantize(data, PREFIX, weights, 0, cols);
            format.dotRow(data, PREFIX, cols, x, cols, 1, out, 0, 1, scratch);
            if (Float.floatToRawIntBits(out[0]) != Float.floatToRawIntBits(expectedDot)) {
                throw new AssertionError(type + " iteration " + i + ": dot " + out[0] + ", expected " + expectedDot);
            }
            // The same row four times through the four-row decode kernel.
            format.dotRows4(data, PREFIX, 0, cols, x, cols, 1, four, 0, 1, 1, fourScratch);
            for (int k = 0; k < 4; k++) {
                if (Float.floatToRawIntBits(four[k]) != Float.floatToRawIntBits(expectedDot)) {
                    throw new AssertionError(type + " iteration " + i + ": four-row dot " + four[k] + ", expected "
                            + expectedDot);
                }
            }
        }
        assertSameBits(weights, reference, type + " compiled dequantize");
    }

    @Test
    void everyFormatIsRegisteredUnderItsType() {
        for (GgmlType type : FormatFixtures.TYPES) {
            assertThat(WeightFormats.isSupported(type)).as(type.toString()).isTrue();
            assertThat(WeightFormats.of(type, "t").type()).isEqualTo(type);
        }
        assertThat(WeightFormats.isSupported(GgmlType.Q2_K)).isFalse();
        assertThatThrownBy(() -> WeightFormats.of(GgmlType.Q2_K, "blk.0.ffn_up.weight"))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("blk.0.ffn_up.weight").hasMessageContaining("Q2_K");
    }

    /** Float accumulation error is a small multiple of eps times the sum of |w*x|; 1e-5 of it is generous. */
    static void assertCloseToExact(float got, float[] w, float[] x, String what) {
        double exact = 0;
        double magnitude = 0;
        for (int i = 0; i < w.length; i++) {
            exact += (double) w[i] * x[i];
            magnitude += Math.abs((double) w[i] * x[i]);
        }
        assertThat((double) got).as(what).isCloseTo(exact, within(1e-5 * magnitude + 1e-30));
    }

    private static byte[] withPrefix(byte[] blocks) {
        byte[] bytes = new byte[PREFIX + blocks.length];
        System.arraycopy(blocks, 0, bytes, PREFIX, blocks.length);
        return bytes;
    }

    private static void assertSameBits(float[] actual, float[] expected, String what) {
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(actual[i]) != Float.floatToRawIntBits(expected[i])) {
                throw new AssertionError(what + ": element " + i + " is " + actual[i] + ", reference " + expected[i]);
            }
        }
    }
}
