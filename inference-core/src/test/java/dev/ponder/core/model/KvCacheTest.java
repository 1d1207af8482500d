package dev.ponder.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ponder.core.tensor.FastExp;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class KvCacheTest {
    @Test
    void aClosedCacheHasFreedItsMemoryAndRefusesUse() {
        KvCache cache = new KvCache(2, 32, 4, 8);
        cache.copyBlock(0, 1);
        cache.close();
        cache.close(); // idempotent
        assertThatThrownBy(() -> cache.copyBlock(0, 1)).isInstanceOf(IllegalStateException.class);
    }


    @Test
    void storedKeysAndValuesAreReadBackThroughTheBlockTable() {
        Random r = new Random(3);
        // Q8_0 has its own test below: it stores runs of 32 values, and rounds them.
        for (KvCache.Precision precision : new KvCache.Precision[] {KvCache.Precision.F32, KvCache.Precision.F16}) {
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

    @Test
    void q8KeysAndValuesAreWithinHalfAStepOfWhatWasStored() {
        Random r = new Random(5);
        KvCache cache = new KvCache(1, 2, 64, 16, 4, KvCache.Precision.Q8_0);
        int[] table = {3};
        float[] k = new float[128];
        float[] v = new float[128];
        for (int d = 0; d < 128; d++) {
            k[d] = (float) r.nextGaussian() * (d < 32 ? 0.01f : 3f);
            v[d] = (float) r.nextGaussian();
        }
        k[40] = 0; // a zero stays zero
        cache.store(0, table, 9, k, 0, v, 0);
        for (int head = 0; head < 2; head++) {
            for (int run = 0; run < 2; run++) {
                float kMax = 0, vMax = 0;
                for (int d = 0; d < 32; d++) {
                    kMax = Math.max(kMax, Math.abs(k[head * 64 + run * 32 + d]));
                    vMax = Math.max(vMax, Math.abs(v[head * 64 + run * 32 + d]));
                }
                for (int d = run * 32; d < run * 32 + 32; d++) {
                    // half a step of max/127, plus the scale's rounding to half precision (2^-11 relative)
                    assertThat(Math.abs(cache.key(0, table, 9, head, d) - k[head * 64 + d]))
                            .as("key %d of head %d", d, head).isLessThanOrEqualTo(kMax / 127 * 0.5f + kMax * 6e-4f);
                    assertThat(Math.abs(cache.value(0, table, 9, head, d) - v[head * 64 + d]))
                            .as("value %d of head %d", d, head).isLessThanOrEqualTo(vMax / 127 * 0.5f + vMax * 6e-4f);
                }
            }
        }
        assertThat(cache.key(0, table, 9, 0, 40)).isZero();
        assertThat(cache.bytesPerToken()).as("34 bytes per 32 values, keys and values").isEqualTo(2 * 128 * 34 / 32);
        assertThatThrownBy(() -> new KvCache(1, 1, 20, 16, 4, KvCache.Precision.Q8_0))
                .hasMessageContaining("multiple of 32");
    }

    /**
     * Attention of a group of query heads against the rule (class comment of KvCache), computed one element at a
     * time from the stored keys and values: the same bits for every head count (kernels of four heads and of one),
     * head size (vector and scalar paths), block size and precision, with a partly filled last block. And close to
     * softmax attention computed in double precision.
     */
    @Test
    void attentionFollowsTheRuleBitForBit() {
        Random r = new Random(11);
        for (int headDim : new int[] {64, 32, 20}) {
            for (int blockSize : new int[] {16, 4}) {
                for (KvCache.Precision precision : KvCache.Precision.values()) {
                    if (precision == KvCache.Precision.Q8_0 && headDim % 32 != 0) {
                        continue;
                    }
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
                // scores that grow along the sequence, so that the running maximum moves
                k[d] = (float) r.nextGaussian() * (1 + p / 8f);
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
        float[] out = new float[2 + heads * headDim + 1];
        Arrays.fill(out, Float.NaN);
        cache.attend(0, table, head, q, 3, heads, count, scale, out, 2, cache.newScratch(heads));
        String what = String.format("head size %d, blocks of %d, %s, %d heads", headDim, blockSize, precision, heads);
        for (int j = 0; j < heads; j++) {
            float[] expected = reference(cache, table, head, q, 3 + j * headDim, count, scale);
            double[] exact = exact(cache, table, head, q, 3 + j * headDim, count, scale);
            for (int d = 0; d < headDim; d++) {
                assertThat(Float.floatToRawIntBits(out[2 + j * headDim + d]))
                        .as("%s: output %d of head %d", what, d, j).isEqualTo(Float.floatToRawIntBits(expected[d]));
                assertThat((double) out[2 + j * headDim + d]).as("%s: output %d of head %d, exact", what, d, j)
                        .isCloseTo(exact[d], org.assertj.core.data.Offset.offset(1e-5));
            }
        }
        assertThat(out[1]).as("before the outputs").isNaN();
        assertThat(out[out.length - 1]).as("after the outputs").isNaN();
    }

    /** The rule, one element at a time: block by block, online softmax. */
    private static float[] reference(KvCache cache, int[] table, int head, float[] q, int q0, int count, float scale) {
        int headDim = cache.headDim();
        int blockSize = cache.blockSize();
        float[] out = new float[headDim];
        float max = Float.NEGATIVE_INFINITY;
        float sum = 0;
        for (int first = 0; first < count; first += blockSize) {
            int slots = Math.min(blockSize, count - first);
            float[] w = new float[slots];
            float m = max;
            for (int p = 0; p < slots; p++) {
                float s = 0;
                for (int d = 0; d < headDim; d++) {
                    s = Math.fma(cache.key(0, table, first + p, head, d), q[q0 + d], s);
                }
                w[p] = s * scale;
                m = Math.max(m, w[p]);
            }
            if (m > max && first > 0) {
                float factor = FastExp.exp(max - m);
                sum *= factor;
                for (int d = 0; d < headDim; d++) {
                    out[d] *= factor;
                }
            }
            max = m;
            sum += FastExp.expShiftedInPlace(w, 0, slots, m);
            for (int d = 0; d < headDim; d++) {
                float o = out[d];
                for (int p = 0; p < slots; p++) {
                    o = Math.fma(cache.value(0, table, first + p, head, d), w[p], o);
                }
                out[d] = o;
            }
        }
        float inverse = 1f / sum;
        for (int d = 0; d < headDim; d++) {
            out[d] *= inverse;
        }
        return out;
    }

    /** Softmax attention in double precision over the stored keys and values. */
    private static double[] exact(KvCache cache, int[] table, int head, float[] q, int q0, int count, float scale) {
        int headDim = cache.headDim();
        double[] s = new double[count];
        double max = Double.NEGATIVE_INFINITY;
        for (int p = 0; p < count; p++) {
            for (int d = 0; d < headDim; d++) {
                s[p] += (double) cache.key(0, table, p, head, d) * q[q0 + d];
            }
            s[p] *= scale;
            max = Math.max(max, s[p]);
        }
        double sum = 0;
        double[] out = new double[headDim];
        for (int p = 0; p < count; p++) {
            double w = Math.exp(s[p] - max);
            sum += w;
            for (int d = 0; d < headDim; d++) {
                out[d] += w * cache.value(0, table, p, head, d);
            }
        }
        for (int d = 0; d < headDim; d++) {
            out[d] /= sum;
        }
        return out;
    }
}
