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
    void aTileOfTwoRowsAndTwoVectorsEqualsFourDotsBitForBit() {
        Random r = new Random(5);
        int n = 896;
        float[] w = random(r, 2 * n + 3);
        float[] x = random(r, 3 * n + 1);
        float[] acc = new float[5 + 4 * VectorMath.LANES];
        VectorMath.dotTile(w, 3, 3 + n, x, 1, 1 + 2 * n, n, acc, 5);
        assertThat(VectorMath.sumStored(acc, 5)).isEqualTo(VectorMath.dot(w, 3, x, 1, n));
        assertThat(VectorMath.sumStored(acc, 5 + VectorMath.LANES)).isEqualTo(VectorMath.dot(w, 3, x, 1 + 2 * n, n));
        assertThat(VectorMath.sumStored(acc, 5 + 2 * VectorMath.LANES)).isEqualTo(VectorMath.dot(w, 3 + n, x, 1, n));
        assertThat(VectorMath.sumStored(acc, 5 + 3 * VectorMath.LANES)).isEqualTo(VectorMath.dot(w, 3 + n, x, 1 + 2 * n, n));
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
