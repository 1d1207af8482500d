package dev.ponder.core.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ponder.core.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Quantize then dequantize stays within each format's rounding error. */
class QuantizerTest {

    @Test
    void q8_0ErrorIsHalfAStep() {
        float[] x = sample(1024, new Random(1));
        float[] back = roundTrip(GgmlType.Q8_0, x);
        for (int block = 0; block < x.length / 32; block++) {
            float amax = maxAbs(x, block * 32, 32);
            // Half a step, plus the float16 rounding of d (relative 2^-11) times the largest quant 127.
            double bound = 0.5 * amax / 127 + 127 * (amax / 127) * 0x1p-11 + 1e-7;
            for (int i = block * 32; i < block * 32 + 32; i++) {
                assertThat((double) Math.abs(back[i] - x[i])).as("element %d", i).isLessThanOrEqualTo(bound);
            }
        }
        assertThat(relativeRms(x, back)).isLessThan(0.01);
    }

    @Test
    void q4_0FollowsGgmlRounding() {
        // x_i = (i - 16) / 4: the largest magnitude is -4 (element 0), so d = -4 / -8 = 0.5 and
        // q = min(15, trunc(x / 0.5 + 8.5)) = min(15, trunc(i / 2 + 0.5)).
        float[] x = new float[32];
        for (int i = 0; i < 32; i++) {
            x[i] = (i - 16) / 4f;
        }
        byte[] block = Quantizer.quantize(GgmlType.Q4_0, x, 0, 32);
        assertThat(block).hasSize(18);
        assertThat(Float.float16ToFloat((short) ((block[0] & 0xFF) | (block[1] << 8)))).isEqualTo(0.5f);
        float[] back = new float[32];
        new Q4_0Format().dequantizeReference(MemorySegment.ofArray(block), 0, back, 0, 32);
        for (int i = 0; i < 32; i++) {
            int q = Math.min(15, (int) (i / 2.0 + 0.5));
            assertThat(back[i]).as("element %d", i).isEqualTo(0.5f * (q - 8));
        }
        assertThat(back[0]).isEqualTo(-4f); // the extreme value is exact
    }

    @Test
    void q4_0ErrorIsAtMostOneStep() {
        float[] x = sample(1024, new Random(2));
        float[] back = roundTrip(GgmlType.Q4_0, x);
        for (int block = 0; block < x.length / 32; block++) {
            float d = maxAbs(x, block * 32, 32) / 8;
            // Half a step, except at the positive end where quant 16 is clamped to 15: one step.
            double bound = d * (1 + 16 * 0x1p-11) + 1e-7;
            for (int i = block * 32; i < block * 32 + 32; i++) {
                assertThat((double) Math.abs(back[i] - x[i])).as("element %d", i).isLessThanOrEqualTo(bound);
            }
        }
        assertThat(relativeRms(x, back)).isLessThan(0.12);
    }

    @Test
    void q5_0FollowsGgmlRoundingAndItsFifthBits() {
        // x_i = (i - 16) / 4: the largest magnitude is -4 (element 0), so d = -4 / -16 = 0.25 and
        // q = min(31, trunc(x / 0.25 + 16.5)) = min(31, i) = i: every level, so every fifth bit pattern.
        float[] x = new float[32];
        for (int i = 0; i < 32; i++) {
            x[i] = (i - 16) / 4f;
        }
        byte[] block = Quantizer.quantize(GgmlType.Q5_0, x, 0, 32);
        assertThat(block).hasSize(22);
        float[] back = new float[32];
        new Q5_0Format().dequantizeReference(MemorySegment.ofArray(block), 0, back, 0, 32);
        for (int i = 0; i < 32; i++) {
            assertThat(back[i]).as("element %d", i).isEqualTo(0.25f * (i - 16));
        }
        float[] y = sample(1024, new Random(4));
        float[] yBack = roundTrip(GgmlType.Q5_0, y);
        assertThat(relativeRms(y, yBack)).isLessThan(0.06);
    }

    @Test
    void q4_KErrorIsHalfASubBlockStep() {
        Random rnd = new Random(3);
        float[] x = sample(2048, rnd);
        for (int i = 256; i < 512; i++) {
            x[i] = Math.abs(x[i]) + 3; // all positive: mins 0
        }
        for (int i = 512; i < 768; i++) {
            x[i] = -Math.abs(x[i]) - 1; // all negative
        }
        Arrays.fill(x, 768, 1024, 0f); // an all-zero super-block
        byte[] bytes = Quantizer.quantize(GgmlType.Q4_K, x, 0, x.length);
        float[] back = new float[x.length];
        new Q4_KFormat().dequantizeReference(MemorySegment.ofArray(bytes), 0, back, 0, x.length);
        MemorySegment data = MemorySegment.ofArray(bytes);
        for (int block = 0; block < x.length / 256; block++) {
            long base = block * 144L;
            float d = Float.float16ToFloat(data.get(BlockFormat.LE_SHORT, base));
            float dmin = Float.float16ToFloat(data.get(BlockFormat.LE_SHORT, base + 2));
            for (int s = 0; s < 8; s++) {
                float step = d * KQuantScales.scale(data, base, s);
                int from = block * 256 + s * 32;
                float lo = Math.min(0, min(x, from, 32));
                float hi = max(x, from, 32);
                // Not wasteful: the step exceeds the ideal range/15 only by the rounding-up of m and sc.
                assertThat((double) step).isLessThanOrEqualTo(((hi - lo) / 15 + dmin / 15 + d) * 1.001 + 1e-9);
                for (int i = from; i < from + 32; i++) {
                    double bound = 0.5 * step * 1.0001 + 1e-6 * (Math.abs(x[i]) + 1);
                    assertThat((double) Math.abs(back[i] - x[i])).as("element %d", i).isLessThanOrEqualTo(bound);
                }
            }
        }
        for (int i = 768; i < 1024; i++) {
            assertThat(back[i]).isZero();
        }
        float[] gaussianPart = Arrays.copyOfRange(x, 1024, 2048);
        assertThat(relativeRms(gaussianPart, Arrays.copyOfRange(back, 1024, 2048))).isLessThan(0.12);
    }

    @Test
    void q4_KScalePackingMatchesTheLayout() {
        byte[] packed = new byte[12];
        Quantizer.packScalesAndMins(KnownBlocksTest.K_SCALES, KnownBlocksTest.K_MINS, packed, 0);
        for (int i = 0; i < 12; i++) {
            assertThat(packed[i] & 0xFF).as("byte %d", i).isEqualTo(KnownBlocksTest.K_PACKED[i]);
        }
    }

    @Test
    void floatFormatsRoundTrip() {
        float[] x = sample(64, new Random(4));
        assertThat(roundTrip(GgmlType.F32, x)).containsExactly(x);
        float[] halves = roundTrip(GgmlType.F16, x);
        for (int i = 0; i < x.length; i++) {
            assertThat(halves[i]).isEqualTo(Float.float16ToFloat(Float.floatToFloat16(x[i])));
        }
    }

    @Test
    void refusesWhatItCannotQuantize() {
        assertThat(Quantizer.supports(GgmlType.Q6_K)).isFalse();
        assertThatThrownBy(() -> Quantizer.quantize(GgmlType.Q6_K, new float[256], 0, 256))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> Quantizer.quantize(GgmlType.Q4_0, new float[40], 0, 40))
                .isInstanceOf(IllegalArgumentException.class);
    }

    // --- helpers ---

    private static float[] roundTrip(GgmlType type, float[] x) {
        byte[] bytes = Quantizer.quantize(type, x, 0, x.length);
        assertThat((long) bytes.length).isEqualTo(type.byteSize(x.length));
        float[] back = new float[x.length];
        WeightFormats.of(type, "t").dequantizeReference(MemorySegment.ofArray(bytes), 0, back, 0, x.length);
        return back;
    }

    /** Gaussian values with a different scale per 32 elements, as real weight rows have. */
    private static float[] sample(int n, Random rnd) {
        float[] x = new float[n];
        for (int i = 0; i < n; i += 32) {
            double scale = Math.scalb(1.0, rnd.nextInt(8) - 6);
            for (int j = i; j < i + 32; j++) {
                x[j] = (float) (rnd.nextGaussian() * scale);
            }
        }
        return x;
    }

    private static double relativeRms(float[] x, float[] back) {
        double err = 0;
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            err += (double) (back[i] - x[i]) * (back[i] - x[i]);
            sum += (double) x[i] * x[i];
        }
        return Math.sqrt(err / sum);
    }

    private static float maxAbs(float[] x, int from, int n) {
        float m = 0;
        for (int i = from; i < from + n; i++) {
            m = Math.max(m, Math.abs(x[i]));
        }
        return m;
    }

    private static float min(float[] x, int from, int n) {
        float m = Float.MAX_VALUE;
        for (int i = from; i < from + n; i++) {
            m = Math.min(m, x[i]);
        }
        return m;
    }

    private static float max(float[] x, int from, int n) {
        float m = -Float.MAX_VALUE;
        for (int i = from; i < from + n; i++) {
            m = Math.max(m, x[i]);
        }
        return m;
    }
}
