package dev.ponder.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class KvCacheTest {

    @Test
    void storedKeysAndValuesAreReadBackThroughTheBlockTable() {
        Random r = new Random(3);
        for (KvCache.Precision precision : KvCache.Precision.values()) {
            KvCache cache = new KvCache(2, 2, 8, 4, 10, precision);
            int[] table = {7, 2};
            float[] k = new float[16];
            float[] v = new float[16];
            for (int position : new int[] {0, 3, 5}) {
                for (int d = 0; d < 16; d++) {
                    k[d] = (float) r.nextGaussian();
                    v[d] = (float) r.nextGaussian();
                }
                cache.store(1, table, position, k, 0, v, 0);
                for (int head = 0; head < 2; head++) {
                    for (int d = 0; d < 8; d++) {
                        assertThat(cache.key(1, table, position, head, d)).isEqualTo(stored(precision, k[head * 8 + d]));
                        assertThat(cache.value(1, table, position, head, d)).isEqualTo(stored(precision, v[head * 8 + d]));
                    }
                }
            }
            assertThat(cache.key(0, table, 3, 0, 0)).as("another layer").isZero();
        }
        assertThat(new KvCache(1, 64, 4, 2, KvCache.Precision.F16).bytesPerToken() * 2)
                .isEqualTo(new KvCache(1, 64, 4, 2, KvCache.Precision.F32).bytesPerToken());
    }

    private static float stored(KvCache.Precision precision, float x) {
        return precision == KvCache.Precision.F32 ? x : Float.float16ToFloat(Float.floatToFloat16(x));
    }

    /**
     * Scores and weighted values of a group of query heads against the rule, computed one element at a time from
     * the stored keys and values: the same bits for every head count (kernels of four heads and of one), head
     * size (vector and scalar paths), block size and precision, with a partly filled last block.
     */
    @Test
    void groupScoresAndValuesFollowTheRuleBitForBit() {
        Random r = new Random(11);
        for (int headDim : new int[] {64, 32, 20}) {
            for (int blockSize : new int[] {16, 4}) {
                for (KvCache.Precision precision : KvCache.Precision.values()) {
                    for (int heads : new int[] {1, 5, 7}) {
                        check(r, headDim, blockSize, precision, heads);
                    }
                }
            }
        }
    }

    private static void check(Random r, int headDim, int blockSize, KvCache.Precision precision, int heads) {
        int kvHeads = 2;
        int kvDim = kvHeads * headDim;
        int count = 37;
        KvCache cache = new KvCache(1, kvHeads, headDim, blockSize, 64, precision);
        int[] table = new int[(count + blockSize - 1) / blockSize];
        for (int b = 0; b < table.length; b++) {
            table[b] = 60 - 3 * b;
        }
        float[] k = new float[kvDim];
        float[] v = new float[kvDim];
        for (int p = 0; p < count; p++) {
            for (int d = 0; d < kvDim; d++) {
                k[d] = (float) r.nextGaussian();
                v[d] = (float) r.nextGaussian();
            }
            cache.store(0, table, p, k, 0, v, 0);
        }
        int head = 1;
        float[] q = new float[3 + heads * headDim];
        for (int i = 0; i < q.length; i++) {
            q[i] = (float) r.nextGaussian();
        }
        float scale = 0.125f;
        int stride = count + 2;
        float[] scores = new float[heads * stride];
        float[] max = new float[heads];
        float[] scratch = new float[cache.scratchFloats()];
        cache.groupScores(0, table, head, q, 3, heads, count, scale, scores, stride, max, scratch);
        String what = String.format("head size %d, blocks of %d, %s, %d heads", headDim, blockSize, precision, heads);
        for (int j = 0; j < heads; j++) {
            float expectedMax = Float.NEGATIVE_INFINITY;
            for (int p = 0; p < count; p++) {
                float s = 0;
                for (int d = 0; d < headDim; d++) {
                    s = Math.fma(cache.key(0, table, p, head, d), q[3 + j * headDim + d], s);
                }
                s *= scale;
                assertThat(scores[j * stride + p]).as("%s: score of head %d, position %d", what, j, p).isEqualTo(s);
                expectedMax = Math.max(expectedMax, s);
            }
            assertThat(max[j]).isEqualTo(expectedMax);
        }
        float[] weights = new float[heads * stride];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = r.nextFloat();
        }
        float[] out = new float[2 + heads * headDim + 1];
        Arrays.fill(out, Float.NaN);
        cache.groupValues(0, table, head, weights, stride, heads, count, out, 2, scratch);
        for (int j = 0; j < heads; j++) {
            for (int d = 0; d < headDim; d++) {
                float expected = 0;
                for (int p = 0; p < count; p++) {
                    expected = Math.fma(cache.value(0, table, p, head, d), weights[j * stride + p], expected);
                }
                assertThat(Float.floatToRawIntBits(out[2 + j * headDim + d]))
                        .as("%s: output %d of head %d", what, d, j).isEqualTo(Float.floatToRawIntBits(expected));
            }
        }
        assertThat(out[1]).as("before the outputs").isNaN();
        assertThat(out[out.length - 1]).as("after the outputs").isNaN();
    }
}
