package dev.ponder.core.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.core.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Hand-made blocks, built byte by byte from the GGML layouts, against values computed here from the
 * chosen quants and scales. Both the reference and the fast dequantizer must give exactly those values.
 */
class KnownBlocksTest {
    private static final short HALF_0_125 = 0x3000;
    private static final short HALF_0_25 = 0x3400;
    private static final short HALF_0_5 = 0x3800;
    private static final short HALF_MINUS_1 = (short) 0xBC00;
    private static final short HALF_2 = 0x4000;
    private static final short HALF_3 = 0x4200;

    /** Sub-block scales and mins of the K-quant blocks, and their 12-byte packing worked out by hand. */
    static final int[] K_SCALES = {1, 5, 17, 63, 32, 47, 8, 60};
    static final int[] K_MINS = {0, 63, 3, 16, 49, 33, 2, 15};
    static final int[] K_PACKED = {0x81, 0x85, 0x11, 0xFF, 0xC0, 0xBF, 0x03, 0x10, 0x10, 0x1F, 0x28, 0xFC};

    @Test
    void q4_0() {
        byte[] block = new byte[18];
        FormatFixtures.putShort(block, 0, HALF_0_5);
        for (int j = 0; j < 16; j++) {
            block[2 + j] = (byte) (j | ((15 - j) << 4));
        }
        float[] expected = new float[32];
        for (int j = 0; j < 16; j++) {
            expected[j] = 0.5f * (j - 8);
            expected[16 + j] = 0.5f * (7 - j);
        }
        assertThat(expected[0]).isEqualTo(-4f); // spot checks of the arithmetic above
        assertThat(expected[31]).isEqualTo(-4f);
        assertDequantizes(GgmlType.Q4_0, block, expected);
    }

    @Test
    void q4_1() {
        byte[] block = new byte[20];
        FormatFixtures.putShort(block, 0, HALF_0_25);
        FormatFixtures.putShort(block, 2, HALF_MINUS_1);
        float[] expected = new float[32];
        for (int j = 0; j < 16; j++) {
            int lo = (3 * j) % 16;
            block[4 + j] = (byte) (lo | (j << 4));
            expected[j] = 0.25f * lo - 1f;
            expected[16 + j] = 0.25f * j - 1f;
        }
        assertThat(expected[31]).isEqualTo(2.75f);
        assertDequantizes(GgmlType.Q4_1, block, expected);
    }

    @Test
    void q5_0() {
        int[] q = quants(32, i -> (7 * i + 3) % 32);
        byte[] block = new byte[22];
        FormatFixtures.putShort(block, 0, HALF_2);
        FormatFixtures.putInt(block, 2, fifthBits(q));
        packNibbles(q, block, 6);
        float[] expected = new float[32];
        for (int i = 0; i < 32; i++) {
            expected[i] = 2f * (q[i] - 16);
        }
        assertDequantizes(GgmlType.Q5_0, block, expected);
    }

    @Test
    void q5_0FifthBitsAreLittleEndian() {
        // Only byte 3 of qh set: bits 24..31, the fifth bits of elements 24..31 (high nibbles of qs[8..15]).
        byte[] block = new byte[22];
        FormatFixtures.putShort(block, 0, (short) 0x3C00);
        block[2 + 3] = (byte) 0xFF;
        float[] expected = new float[32];
        for (int i = 0; i < 32; i++) {
            expected[i] = i >= 24 ? 0f : -16f;
        }
        assertDequantizes(GgmlType.Q5_0, block, expected);
    }

    @Test
    void q5_1() {
        int[] q = quants(32, i -> (11 * i + 5) % 32);
        byte[] block = new byte[24];
        FormatFixtures.putShort(block, 0, HALF_0_5);
        FormatFixtures.putShort(block, 2, HALF_3);
        FormatFixtures.putInt(block, 4, fifthBits(q));
        packNibbles(q, block, 8);
        float[] expected = new float[32];
        for (int i = 0; i < 32; i++) {
            expected[i] = 0.5f * q[i] + 3f;
        }
        assertDequantizes(GgmlType.Q5_1, block, expected);
    }

    @Test
    void q4_K() {
        int[] q = quants(256, i -> (5 * i + i / 32) % 16);
        byte[] block = new byte[144];
        FormatFixtures.putShort(block, 0, HALF_0_5);
        FormatFixtures.putShort(block, 2, HALF_0_25);
        putPackedScales(block, 4);
        for (int p = 0; p < 4; p++) {
            for (int l = 0; l < 32; l++) {
                block[16 + 32 * p + l] = (byte) (q[64 * p + l] | (q[64 * p + 32 + l] << 4));
            }
        }
        float[] expected = new float[256];
        for (int i = 0; i < 256; i++) {
            int s = i / 32;
            expected[i] = (float) (0.5 * K_SCALES[s] * q[i] - 0.25 * K_MINS[s]); // exact: quarters below 2^11
        }
        assertThat(expected[3 * 32 + 1]).isEqualTo(0.5f * 63 * ((5 + 3) % 16) - 4f);
        assertDequantizes(GgmlType.Q4_K, block, expected);
    }

    @Test
    void q5_K() {
        int[] q = quants(256, i -> (3 * i + i / 64) % 32);
        byte[] block = new byte[176];
        FormatFixtures.putShort(block, 0, HALF_0_25);
        FormatFixtures.putShort(block, 2, HALF_0_5);
        putPackedScales(block, 4);
        for (int l = 0; l < 32; l++) {
            int qh = 0;
            for (int s = 0; s < 8; s++) {
                qh |= (q[32 * s + l] >> 4) << s;
            }
            block[16 + l] = (byte) qh;
        }
        for (int p = 0; p < 4; p++) {
            for (int l = 0; l < 32; l++) {
                block[48 + 32 * p + l] = (byte) ((q[64 * p + l] & 15) | ((q[64 * p + 32 + l] & 15) << 4));
            }
        }
        float[] expected = new float[256];
        for (int i = 0; i < 256; i++) {
            int s = i / 32;
            expected[i] = (float) (0.25 * K_SCALES[s] * q[i] - 0.5 * K_MINS[s]);
        }
        assertDequantizes(GgmlType.Q5_K, block, expected);
    }

    @Test
    void q6_K() {
        int[] q = quants(256, i -> (13 * i + 7) % 64);
        int[] scales = {1, -1, 2, -3, 127, -128, 5, 7, -7, 9, 10, -11, 12, 13, -14, 15};
        byte[] block = new byte[210];
        for (int h = 0; h < 2; h++) {
            for (int l = 0; l < 32; l++) {
                int e = 128 * h + l;
                block[64 * h + l] = (byte) ((q[e] & 15) | ((q[e + 64] & 15) << 4));
                block[64 * h + 32 + l] = (byte) ((q[e + 32] & 15) | ((q[e + 96] & 15) << 4));
                block[128 + 32 * h + l] = (byte) ((q[e] >> 4) | ((q[e + 32] >> 4) << 2)
                        | ((q[e + 64] >> 4) << 4) | ((q[e + 96] >> 4) << 6));
            }
        }
        for (int g = 0; g < 16; g++) {
            block[192 + g] = (byte) scales[g];
        }
        FormatFixtures.putShort(block, 208, HALF_0_125);
        float[] expected = new float[256];
        for (int i = 0; i < 256; i++) {
            expected[i] = (float) (0.125 * scales[i / 16] * (q[i] - 32));
        }
        assertDequantizes(GgmlType.Q6_K, block, expected);
    }

    @Test
    void f16EveryNonNanValue() {
        byte[] all = new byte[2 * 65536];
        for (int bits = 0; bits < 65536; bits++) {
            FormatFixtures.putShort(all, 2 * bits, (short) bits);
        }
        float[] ref = new float[65536];
        float[] fast = new float[65536];
        WeightFormat f16 = WeightFormats.of(GgmlType.F16, "t");
        f16.dequantizeReference(MemorySegment.ofArray(all), 0, ref, 0, 65536);
        f16.dequantize(MemorySegment.ofArray(all), 0, fast, 0, 65536);
        for (int bits = 0; bits < 65536; bits++) {
            int exponent = (bits >> 10) & 31;
            int mantissa = bits & 1023;
            double sign = (bits & 0x8000) != 0 ? -1 : 1;
            if (exponent == 31 && mantissa != 0) {
                assertThat(ref[bits]).isNaN();
                assertThat(fast[bits]).isNaN();
                continue;
            }
            double value = exponent == 31 ? Double.POSITIVE_INFINITY
                    : exponent == 0 ? Math.scalb((double) mantissa, -24)
                    : Math.scalb((double) (1024 + mantissa), exponent - 25);
            float expected = (float) (sign * value);
            assertThat(Float.floatToRawIntBits(ref[bits])).as("half 0x%04x", bits)
                    .isEqualTo(Float.floatToRawIntBits(expected));
            assertThat(Float.floatToRawIntBits(fast[bits])).as("half 0x%04x", bits)
                    .isEqualTo(Float.floatToRawIntBits(expected));
        }
    }

    @Test
    void f16HandPicked() {
        short[] halves = {0x3C00, (short) 0xC000, 0x7BFF, 0x0001, 0x0400, (short) 0x8000, 0x3555, 0x3E00};
        float[] values = {1f, -2f, 65504f, 0x1p-24f, 0x1p-14f, -0f, 0.333251953125f, 1.5f};
        assertDequantizes(GgmlType.F16, repeated(halves, 5), repeated(values, 5));
    }

    @Test
    void bf16EveryNonNanValue() {
        byte[] all = new byte[2 * 65536];
        for (int bits = 0; bits < 65536; bits++) {
            FormatFixtures.putShort(all, 2 * bits, (short) bits);
        }
        float[] ref = new float[65536];
        float[] fast = new float[65536];
        WeightFormat bf16 = WeightFormats.of(GgmlType.BF16, "t");
        bf16.dequantizeReference(MemorySegment.ofArray(all), 0, ref, 0, 65536);
        bf16.dequantize(MemorySegment.ofArray(all), 0, fast, 0, 65536);
        for (int bits = 0; bits < 65536; bits++) {
            int exponent = (bits >> 7) & 255;
            int mantissa = bits & 127;
            double sign = (bits & 0x8000) != 0 ? -1 : 1;
            if (exponent == 255 && mantissa != 0) {
                continue; // NaN payloads are not part of the contract
            }
            double value = exponent == 255 ? Double.POSITIVE_INFINITY
                    : exponent == 0 ? Math.scalb((double) mantissa, -133)
                    : Math.scalb((double) (128 + mantissa), exponent - 134);
            float expected = (float) (sign * value);
            assertThat(Float.floatToRawIntBits(ref[bits])).as("bf16 0x%04x", bits)
                    .isEqualTo(Float.floatToRawIntBits(expected));
            assertThat(Float.floatToRawIntBits(fast[bits])).as("bf16 0x%04x", bits)
                    .isEqualTo(Float.floatToRawIntBits(expected));
        }
    }

    @Test
    void bf16HandPicked() {
        short[] raw = {0x3F80, (short) 0xC0A0, 0x4049, 0x7F80, 0x0000, (short) 0xBF00};
        float[] values = {1f, -5f, 3.140625f, Float.POSITIVE_INFINITY, 0f, -0.5f};
        assertDequantizes(GgmlType.BF16, repeated(raw, 7), repeated(values, 7));
    }

    // --- helpers ---

    private static void assertDequantizes(GgmlType type, byte[] block, float[] expected) {
        WeightFormat format = WeightFormats.of(type, "t");
        assertThat(format.type()).isEqualTo(type);
        float[] ref = new float[expected.length + 2];
        float[] fast = new float[expected.length + 2];
        format.dequantizeReference(MemorySegment.ofArray(block), 0, ref, 1, expected.length);
        format.dequantize(MemorySegment.ofArray(block), 0, fast, 1, expected.length);
        for (int i = 0; i < expected.length; i++) {
            int bits = Float.floatToRawIntBits(expected[i]);
            assertThat(Float.floatToRawIntBits(ref[1 + i])).as("%s reference element %d: %s", type, i, ref[1 + i])
                    .isEqualTo(bits);
            assertThat(Float.floatToRawIntBits(fast[1 + i])).as("%s fast element %d: %s", type, i, fast[1 + i])
                    .isEqualTo(bits);
        }
        assertThat(ref[0]).isZero(); // nothing written outside the requested range
        assertThat(fast[expected.length + 1]).isZero();
    }

    private static int[] quants(int n, IntUnaryOperator f) {
        int[] q = new int[n];
        for (int i = 0; i < n; i++) {
            q[i] = f.applyAsInt(i);
        }
        return q;
    }

    /** Q5_0/Q5_1 fifth bits: bit i of the word is bit 4 of element i. */
    private static int fifthBits(int[] q) {
        int qh = 0;
        for (int i = 0; i < 32; i++) {
            qh |= (q[i] >> 4) << i;
        }
        return qh;
    }

    /** Q4/Q5 legacy nibbles: byte j holds element j low and element j + 16 high. */
    private static void packNibbles(int[] q, byte[] block, int at) {
        for (int j = 0; j < 16; j++) {
            block[at + j] = (byte) ((q[j] & 15) | ((q[j + 16] & 15) << 4));
        }
    }

    private static void putPackedScales(byte[] block, int at) {
        for (int i = 0; i < 12; i++) {
            block[at + i] = (byte) K_PACKED[i];
        }
    }

    private static byte[] repeated(short[] values, int times) {
        byte[] b = new byte[2 * values.length * times];
        for (int i = 0; i < values.length * times; i++) {
            FormatFixtures.putShort(b, 2 * i, values[i % values.length]);
        }
        return b;
    }

    private static float[] repeated(float[] values, int times) {
        float[] f = new float[values.length * times];
        for (int i = 0; i < f.length; i++) {
            f[i] = values[i % values.length];
        }
        return f;
    }
}
