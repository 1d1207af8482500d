package dev.ponder.core.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class FastExpTest {
    @Test
    void isWithinAFewUlpOfTheExactExponential() {
        double worst = 0;
        for (float x = -87f; x <= 88f; x += 0.001f) {
            double exact = Math.exp(x);
            worst = Math.max(worst, Math.abs(FastExp.exp(x) - exact) / exact);
        }
        assertThat(worst).isLessThan(3e-7);
        assertThat(FastExp.exp(0f)).isEqualTo(1f);
    }

    @Test
    void clampsInsteadOfUnderflowingOrOverflowing() {
        assertThat(FastExp.exp(-1000f)).isPositive().isLessThan(2e-38f);
        assertThat(FastExp.exp(1000f)).isFinite().isGreaterThan(1e38f);
    }

    @Test
    void vectorLanesAndScalarTailGiveTheSameBitsWhereverAValueSits() {
        Random r = new Random(9);
        float[] values = new float[53];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (r.nextGaussian() * 20);
        }
        for (int count : new int[] {values.length, 17, 16, 5}) {
            float[] a = values.clone();
            float sum = FastExp.expShiftedInPlace(a, count, 3.5f);
            float expectedSum = 0;
            for (int i = 0; i < count; i++) {
                float expected = FastExp.exp(values[i] - 3.5f);
                assertThat(Float.floatToRawIntBits(a[i])).as("count %d element %d", count, i)
                        .isEqualTo(Float.floatToRawIntBits(expected));
                expectedSum += expected;
            }
            assertThat(sum).isEqualTo(expectedSum);
            assertThat(a[count < values.length ? count : 0]).isEqualTo(count < values.length ? values[count] : a[0]);
        }
    }

    @Test
    void swiGluMatchesItsScalarFormAndTheExactOne() {
        Random r = new Random(4);
        float[] gate = new float[70];
        float[] up = new float[70];
        for (int i = 0; i < gate.length; i++) {
            gate[i] = (float) (r.nextGaussian() * 6);
            up[i] = (float) r.nextGaussian();
        }
        // Two ranges that split the array at a point that is not a multiple of the lanes.
        float[] result = gate.clone();
        FastExp.swiGlu(result, up, 0, 23);
        FastExp.swiGlu(result, up, 23, 70);
        for (int i = 0; i < gate.length; i++) {
            float g = gate[i];
            float expected = g / (1f + FastExp.exp(-g)) * up[i];
            assertThat(Float.floatToRawIntBits(result[i])).as("element %d", i).isEqualTo(Float.floatToRawIntBits(expected));
            double exact = g / (1 + Math.exp(-g)) * up[i];
            assertThat((double) result[i]).isCloseTo(exact, within(1e-6 * Math.max(1, Math.abs(exact))));
        }
    }
}
