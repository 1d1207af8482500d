package dev.ponder.core.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class VectorMathTest {
    private static float[] random(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }

    @Test
    void dotIsCloseToADoublePrecisionReference() {
        Random r = new Random(1);
        for (int n : new int[] {16, 48, 64, 896, 4864, 1000}) {
            float[] w = random(r, n);
            float[] x = random(r, n);
            double exact = 0;
            for (int i = 0; i < n; i++) {
                exact += (double) w[i] * x[i];
            }
            assertThat((double) VectorMath.dotAny(w, 0, x, 0, n)).as("n=%d", n).isCloseTo(exact,
                    org.assertj.core.data.Offset.offset(1e-4 * Math.sqrt(n)));
        }
    }

    @Test
    void tilesGiveEachPairTheBitsOfItsOwnDot() {
        Random r = new Random(5);
        int n = 896;
        int wStride = n + 3;
        int xStride = n + 5;
        float[] w = random(r, 3 + 4 * wStride);
        float[] x = random(r, 1 + 4 * xStride);
        float[] acc = new float[7 + 24 * VectorMath.LANES];
        VectorMath.tile4x4(w, 3, wStride, x, 1, xStride, n, acc, 7);
        for (int k = 0; k < 4; k++) {
            for (int j = 0; j < 4; j++) {
                assertThat(VectorMath.sumStored(acc, 7 + (4 * k + j) * VectorMath.LANES)).as("row %d vector %d", k, j)
                        .isEqualTo(VectorMath.dot(w, 3 + k * wStride, x, 1 + j * xStride, n));
            }
        }
        float[] x6 = random(r, 1 + 6 * xStride);
        VectorMath.tile4x6(w, 3, wStride, x6, 1, xStride, n, acc, 7);
        for (int k = 0; k < 4; k++) {
            for (int j = 0; j < 6; j++) {
                assertThat(VectorMath.sumStored(acc, 7 + (6 * k + j) * VectorMath.LANES)).as("6: row %d vector %d", k, j)
                        .isEqualTo(VectorMath.dot(w, 3 + k * wStride, x6, 1 + j * xStride, n));
            }
        }
        VectorMath.tile4x1(w, 3, wStride, x, 1 + 2 * xStride, n, acc, 7);
        for (int k = 0; k < 4; k++) {
            assertThat(VectorMath.sumStored(acc, 7 + k * VectorMath.LANES)).as("row %d", k)
                    .isEqualTo(VectorMath.dot(w, 3 + k * wStride, x, 1 + 2 * xStride, n));
        }
    }

    @Test
    void laneSumsAreTheSameInTheInterpreterAndCompiled() {
        // Run the same sum many times so the JIT compiles it mid-way; every result must be identical.
        Random r = new Random(3);
        float[] w = random(r, 640);
        float[] x = random(r, 640);
        float first = VectorMath.dot(w, 0, x, 0, 640);
        for (int i = 0; i < 200_000; i++) {
            float again = VectorMath.dot(w, 0, x, 0, 640);
            if (Float.floatToRawIntBits(again) != Float.floatToRawIntBits(first)) {
                throw new AssertionError("iteration " + i + " gave " + again + " after " + first);
            }
        }
    }
}
