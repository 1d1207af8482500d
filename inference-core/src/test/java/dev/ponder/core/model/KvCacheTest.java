package dev.ponder.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class KvCacheTest {
    @Test
    void slotsFollowTheBlockTable() {
        KvCache cache = new KvCache(2, 8, 4, 10);
        int[] table = {7, 2};
        assertThat(cache.offset(table, 0)).isEqualTo(7 * 4 * 8);
        assertThat(cache.offset(table, 3)).isEqualTo((7 * 4 + 3) * 8);
        assertThat(cache.offset(table, 5)).isEqualTo((2 * 4 + 1) * 8);
    }

    @Test
    void halfPrecisionStoresRoundedValuesAndHalvesTheBytes() {
        Random r = new Random(4);
        int dim = 64;
        KvCache f32 = new KvCache(1, dim, 4, 2, KvCache.Precision.F32);
        KvCache f16 = new KvCache(1, dim, 4, 2, KvCache.Precision.F16);
        assertThat(f16.bytesPerToken() * 2).isEqualTo(f32.bytesPerToken());
        float[] k = new float[dim];
        float[] v = new float[dim];
        float[] q = new float[dim];
        for (int d = 0; d < dim; d++) {
            k[d] = (float) r.nextGaussian();
            v[d] = (float) r.nextGaussian();
            q[d] = (float) r.nextGaussian();
        }
        f32.store(0, dim * 5, k, 0, v, 0);
        f16.store(0, dim * 5, k, 0, v, 0);
        float[] scratch = new float[dim];
        float exact = f32.dotKey(0, dim * 5, q, 0, dim, scratch);
        float half = f16.dotKey(0, dim * 5, q, 0, dim, scratch);
        assertThat(half).isNotEqualTo(exact).isCloseTo(exact, org.assertj.core.data.Offset.offset(0.02f));
        // the half-precision key is exactly the rounded key
        float[] rounded = new float[dim];
        for (int d = 0; d < dim; d++) {
            rounded[d] = Float.float16ToFloat(Float.floatToFloat16(k[d]));
        }
        KvCache roundedCache = new KvCache(1, dim, 4, 2, KvCache.Precision.F32);
        roundedCache.store(0, 0, rounded, 0, v, 0);
        assertThat(half).isEqualTo(roundedCache.dotKey(0, 0, q, 0, dim, scratch));
        float[] out = new float[dim];
        f16.addValue(0, dim * 5, 0.5f, out, 0, dim, scratch);
        for (int d = 0; d < dim; d++) {
            assertThat(out[d]).isEqualTo(0.5f * Float.float16ToFloat(Float.floatToFloat16(v[d])));
        }
    }

    @Test
    void blockWiseScoresAndValuesEqualThePerPositionOnesBitForBit() {
        Random r = new Random(11);
        // 64 and 128: groups of four chunks; 48: one group and leftover chunks; 80 with a 2-head offset; 20: no whole chunks.
        for (int dim : new int[] {64, 128, 48, 160, 20}) {
            for (KvCache.Precision precision : KvCache.Precision.values()) {
                int kvDim = 2 * dim;
                KvCache cache = new KvCache(1, kvDim, 4, 6, precision);
                int[] table = {5, 2, 0, 3};
                int count = 13;
                float[] k = new float[kvDim];
                float[] v = new float[kvDim];
                for (int p = 0; p < count; p++) {
                    for (int d = 0; d < kvDim; d++) {
                        k[d] = (float) r.nextGaussian();
                        v[d] = (float) r.nextGaussian();
                    }
                    cache.store(0, cache.offset(table, p), k, 0, v, 0);
                }
                float[] weights = new float[count];
                for (int p = 0; p < count; p++) {
                    weights[p] = r.nextFloat();
                }
                float[] scratch = new float[kvDim];
                float[] expected = new float[3 + dim];
                for (int p = 0; p < count; p++) {
                    cache.addValue(0, cache.offset(table, p) + dim, weights[p], expected, 3, dim, scratch);
                }
                float[] got = new float[3 + dim];
                java.util.Arrays.fill(got, Float.NaN);
                cache.weightedValues(0, table, dim, weights, count, got, 3, dim, scratch);
                for (int d = 0; d < dim; d++) {
                    assertThat(Float.floatToRawIntBits(got[3 + d])).as("%s dim %d lane %d", precision, dim, d)
                            .isEqualTo(Float.floatToRawIntBits(expected[3 + d]));
                }
                assertThat(got[2]).as("before the output").isNaN();
                float[] q = new float[dim];
                for (int d = 0; d < dim; d++) {
                    q[d] = (float) r.nextGaussian();
                }
                float[] scores = new float[count];
                float max = cache.keyScores(0, table, dim, q, 0, dim, 0.125f, scores, count, scratch);
                float expectedMax = Float.NEGATIVE_INFINITY;
                for (int p = 0; p < count; p++) {
                    float s = cache.dotKey(0, cache.offset(table, p) + dim, q, 0, dim, scratch) * 0.125f;
                    assertThat(scores[p]).as("%s dim %d score %d", precision, dim, p).isEqualTo(s);
                    expectedMax = Math.max(expectedMax, s);
                }
                assertThat(max).isEqualTo(expectedMax);
            }
        }
    }
}
