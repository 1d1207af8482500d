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
    void panelsHoldTheReferenceIntegersAndScalesOfTheirVectors() {
        Random rnd = new Random(11);
        int cols = 96;
        int xStride = cols + 5;
        int batch = 2 * QuantizedVectors.PANEL + 7;
        float[] x = new float[batch * xStride];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian() * (i % 5 == 0 ? 3 : 0.2f);
        }
        // In the panels: ties, an all-zero block, a block with a NaN and one with an infinity.
        for (int i = 0; i < 32; i++) {
            x[3 * xStride + 32 + i] = (i - 16) + 0.5f;
            x[70 * xStride + i] = 0;
        }
        x[3 * xStride + 32] = 127;
        x[5 * xStride + 40] = Float.NaN;
        x[100 * xStride + 70] = Float.NEGATIVE_INFINITY;
        try (Parallel two = new Parallel(2)) {
            QuantizedVectors fast = new QuantizedVectors().quantize(x, xStride, batch, cols, two, true);
            QuantizedVectors reference = new QuantizedVectors(true).quantize(x, xStride, batch, cols, null);
            assertThat(fast.panels()).isEqualTo(2);
            int blocks = cols / 32;
            for (int v = 0; v < 2 * QuantizedVectors.PANEL; v++) {
                int p = v / QuantizedVectors.PANEL;
                int lane = v % QuantizedVectors.PANEL;
                for (int k = 0; k < cols; k++) {
                    assertThat(fast.panelQuants()[(p * cols + k) * QuantizedVectors.PANEL + lane])
                            .as("vector %d element %d", v, k).isEqualTo(reference.quants()[v * cols + k]);
                }
                for (int b = 0; b < blocks; b++) {
                    int at = (p * blocks + b) * QuantizedVectors.PANEL;
                    float expected = reference.scales()[v * blocks + b];
                    assertThat(Float.floatToRawIntBits(fast.panelScales()[at + lane])).as("vector %d block %d", v, b)
                            .isEqualTo(Float.floatToRawIntBits(expected));
                    assertThat(Float.floatToRawIntBits(fast.pairedPanelScales()[at + lane / 32 * 32
                            + QuantizedVectors.pairedLane(lane % 32)])).isEqualTo(Float.floatToRawIntBits(expected));
                }
            }
            // The vectors after the panels keep the plain layout, with their sums.
            for (int v = 2 * QuantizedVectors.PANEL; v < batch; v++) {
                for (int k = 0; k < cols; k++) {
                    assertThat(fast.quants()[v * cols + k]).isEqualTo(reference.quants()[v * cols + k]);
                }
                for (int b = 0; b < blocks; b++) {
                    assertThat(fast.sums()[v * blocks + b]).isEqualTo(reference.sums()[v * blocks + b]);
                }
            }
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
