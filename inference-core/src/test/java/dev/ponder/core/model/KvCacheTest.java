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
}
