package dev.ponder.core.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The activation quantization of the integer path: its rule, and the vector code against the scalar reference. */
class QuantizedVectorsTest {

    @Test
    void vectorCodeGivesTheScalarReferenceBits() {
        Random rnd = new Random(7);
        int cols = 128;
        int batch = 9;
        float[] x = new float[batch * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian() * (i % 3 == 0 ? 10 : 0.01f);
        }
        // A block of ties (scale 1, values k + 0.5), an all-zero block, and a block with a NaN.
        for (int i = 0; i < 32; i++) {
            x[32 + i] = (i - 16) + 0.5f;
            x[64 + i] = 0;
        }
        x[32] = 127;
        x[100] = Float.NaN;
        QuantizedVectors fast = new QuantizedVectors().quantize(x, cols, batch, cols, null);
        QuantizedVectors reference = new QuantizedVectors(true).quantize(x, cols, batch, cols, null);
        for (int i = 0; i < batch * cols; i++) {
            assertThat(fast.quants()[i]).as("quant %d", i).isEqualTo(reference.quants()[i]);
        }
        for (int b = 0; b < batch * cols / 32; b++) {
            assertThat(Float.floatToRawIntBits(fast.scales()[b])).as("scale %d", b)
                    .isEqualTo(Float.floatToRawIntBits(reference.scales()[b]));
            assertThat(fast.sums()[b]).as("sum %d", b).isEqualTo(reference.sums()[b]);
        }
    }

    @Test
    void theRuleScalesByTheLargestMagnitudeAndRoundsTiesToEven() {
        float[] x = new float[32];
        x[0] = -12.7f; // the largest magnitude: scale 0.1, quant -127
        x[3] = 1.0f; // 10
        QuantizedVectors q = new QuantizedVectors(true).quantize(x, 32, 1, 32, null);
        assertThat(q.scales()[0]).isEqualTo(12.7f / 127f);
        assertThat(q.quants()[0]).isEqualTo((short) -127);
        assertThat(q.quants()[3]).isEqualTo((short) 10);
        assertThat(q.sums()[0]).isEqualTo(-117);
        float[] ties = new float[32];
        ties[0] = 127;
        ties[1] = 2.5f;
        ties[2] = 3.5f;
        ties[3] = -2.5f;
        QuantizedVectors t = new QuantizedVectors(true).quantize(ties, 32, 1, 32, null);
        assertThat(t.quants()[1]).isEqualTo((short) 2);
        assertThat(t.quants()[2]).isEqualTo((short) 4);
        assertThat(t.quants()[3]).isEqualTo((short) -2);
        float[] zeros = new float[32];
        assertThat(new QuantizedVectors().quantize(zeros, 32, 1, 32, null).scales()[0]).isZero();
        float[] nan = new float[32];
        nan[5] = Float.POSITIVE_INFINITY;
        assertThat(new QuantizedVectors().quantize(nan, 32, 1, 32, null).scales()[0]).isNaN();
    }
}
