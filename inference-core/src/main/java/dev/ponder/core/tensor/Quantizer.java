package dev.ponder.core.tensor;

import dev.ponder.core.gguf.GgmlType;

/**
 * Turns float rows into GGML blocks (F32, F16, Q8_0, Q4_0, Q5_0, Q4_K), for writing synthetic models and
 * tests. Plain round-to-nearest quantization: good enough for benchmark weights, not tuned for quality
 * like llama.cpp's importance-weighted quantizers.
 */
public final class Quantizer {

    private Quantizer() {
    }

    public static boolean supports(GgmlType type) {
        return switch (type) {
            case F32, F16, Q8_0, Q4_0, Q5_0, Q4_K -> true;
            default -> false;
        };
    }

    /** {@code src[offset .. offset+count)} as blocks of {@code type}; count must be a whole number of blocks. */
    public static byte[] quantize(GgmlType type, float[] src, int offset, int count) {
        byte[] dst = new byte[Math.toIntExact(type.byteSize(count))];
        quantize(type, src, offset, count, dst, 0);
        return dst;
    }

    /** Writes {@code type.byteSize(count)} bytes at {@code dst[dstOffset..]}. */
    public static void quantize(GgmlType type, float[] src, int offset, int count, byte[] dst, int dstOffset) {
        int blocks = Math.toIntExact(type.byteSize(count) / type.bytesPerBlock());
        for (int b = 0; b < blocks; b++) {
            int in = offset + b * type.blockSize();
            int out = dstOffset + b * type.bytesPerBlock();
            switch (type) {
                case F32 -> putInt(dst, out, Float.floatToRawIntBits(src[in]));
                case F16 -> putShort(dst, out, Float.floatToFloat16(src[in]));
                case Q8_0 -> q8_0Block(src, in, dst, out);
                case Q4_0 -> q4_0Block(src, in, dst, out);
                case Q5_0 -> q5_0Block(src, in, dst, out);
                case Q4_K -> q4_KBlock(src, in, dst, out);
                default -> throw new UnsupportedOperationException("cannot quantize to " + type);
            }
        }
    }

    /** d = max|x| / 127, q = round(x / d). */
    private static void q8_0Block(float[] x, int in, byte[] dst, int out) {
        float amax = 0;
        for (int i = 0; i < 32; i++) {
            amax = Math.max(amax, Math.abs(x[in + i]));
        }
        float d = amax / 127;
        float id = d != 0 ? 1 / d : 0;
        putShort(dst, out, Float.floatToFloat16(d));
        for (int i = 0; i < 32; i++) {
            dst[out + 2 + i] = (byte) clamp(Math.round(x[in + i] * id), -127, 127);
        }
    }

    /**
     * As GGML's reference: d = (the value of largest magnitude) / -8, so that value maps exactly to
     * quant 0 and the full -8..7 range is used on its side; q = min(15, trunc(x/d + 8.5)).
     */
    private static void q4_0Block(float[] x, int in, byte[] dst, int out) {
        float d = largestMagnitude(x, in) / -8;
        float id = d != 0 ? 1 / d : 0;
        putShort(dst, out, Float.floatToFloat16(d));
        for (int j = 0; j < 16; j++) {
            int lo = Math.min(15, (int) (x[in + j] * id + 8.5f));
            int hi = Math.min(15, (int) (x[in + 16 + j] * id + 8.5f));
            dst[out + 2 + j] = (byte) (lo | (hi << 4));
        }
    }

    /** The value of largest magnitude among {@code x[in .. in + 32)}, with its sign (the first of equals). */
    private static float largestMagnitude(float[] x, int in) {
        float amax = 0;
        float max = 0;
        for (int i = 0; i < 32; i++) {
            float v = x[in + i];
            if (Math.abs(v) > amax) {
                amax = Math.abs(v);
                max = v;
            }
        }
        return max;
    }

    /**
     * As GGML's reference, with five bits: d = (the value of largest magnitude) / -16, q = min(31, trunc(x/d + 16.5));
     * the low four bits of weights j and j + 16 share byte j, their fifth bits go to bits j and j + 16 of qh.
     */
    private static void q5_0Block(float[] x, int in, byte[] dst, int out) {
        float d = largestMagnitude(x, in) / -16;
        float id = d != 0 ? 1 / d : 0;
        putShort(dst, out, Float.floatToFloat16(d));
        int qh = 0;
        for (int j = 0; j < 16; j++) {
            int lo = Math.min(31, (int) (x[in + j] * id + 16.5f));
            int hi = Math.min(31, (int) (x[in + 16 + j] * id + 16.5f));
            dst[out + 6 + j] = (byte) ((lo & 15) | ((hi & 15) << 4));
            qh |= (lo >> 4) << j | (hi >> 4) << (j + 16);
        }
        putInt(dst, out + 2, qh);
    }

    /**
     * Per sub-block of 32: an offset (the min, never above 0, stored as dmin*m) and a step (d*sc) chosen
     * so that offset + 15*step covers the sub-block's max. The 6-bit m and sc are rounded up, and d and
     * dmin rounded up to float16, so the covered range never shrinks below the data's: every value then
     * rounds to its nearest level, an error of at most half a step.
     */
    private static void q4_KBlock(float[] x, int in, byte[] dst, int out) {
        float[] negMin = new float[8];
        float[] max = new float[8];
        float maxNegMin = 0;
        for (int s = 0; s < 8; s++) {
            float lo = 0;
            float hi = -Float.MAX_VALUE;
            for (int l = 0; l < 32; l++) {
                lo = Math.min(lo, x[in + 32 * s + l]);
                hi = Math.max(hi, x[in + 32 * s + l]);
            }
            negMin[s] = -lo;
            max[s] = hi;
            maxNegMin = Math.max(maxNegMin, negMin[s]);
        }
        short dminBits = float16AtLeast(maxNegMin / 63);
        float dmin = Float.float16ToFloat(dminBits);
        int[] m = new int[8];
        float[] step = new float[8];
        float maxStep = 0;
        for (int s = 0; s < 8; s++) {
            m[s] = dmin > 0 ? clamp((int) Math.ceil(negMin[s] / dmin), 0, 63) : 0;
            step[s] = Math.max(0, (max[s] + dmin * m[s]) / 15);
            maxStep = Math.max(maxStep, step[s]);
        }
        short dBits = float16AtLeast(maxStep / 63);
        float d = Float.float16ToFloat(dBits);
        int[] sc = new int[8];
        for (int s = 0; s < 8; s++) {
            sc[s] = d > 0 ? clamp((int) Math.ceil(step[s] / d), 0, 63) : 0;
        }
        putShort(dst, out, dBits);
        putShort(dst, out + 2, dminBits);
        packScalesAndMins(sc, m, dst, out + Q4_KFormat.SCALES);
        for (int s = 0; s < 8; s++) {
            // The same float expressions the dequantizer uses, so levels are rounded against real weights.
            float scale = d * sc[s];
            float offsetValue = dmin * m[s];
            for (int l = 0; l < 32; l++) {
                int q = scale > 0 ? clamp(Math.round((x[in + 32 * s + l] + offsetValue) / scale), 0, 15) : 0;
                int at = out + 16 + 32 * (s / 2) + l;
                dst[at] = (byte) (s % 2 == 0 ? (dst[at] & 0xF0) | q : (dst[at] & 0x0F) | (q << 4));
            }
        }
    }

    /**
     * The 12-byte packing of eight 6-bit scales and mins (the inverse of {@link KQuantScales#scale} and
     * {@link KQuantScales#min}): bytes 0..3 scales 0..3, bytes 4..7 mins 0..3, bytes 8..11 the low
     * nibbles of scale and min 4..7, and the top two bits of scales/mins 4..7 in bits 6-7 of bytes 0..7.
     */
    static void packScalesAndMins(int[] sc, int[] m, byte[] dst, int at) {
        for (int j = 0; j < 4; j++) {
            dst[at + j] = (byte) (sc[j] | ((sc[j + 4] >> 4) << 6));
            dst[at + 4 + j] = (byte) (m[j] | ((m[j + 4] >> 4) << 6));
            dst[at + 8 + j] = (byte) ((sc[j + 4] & 0x0F) | ((m[j + 4] & 0x0F) << 4));
        }
    }

    /** The smallest float16 not below {@code v} (v >= 0 and finite in half precision). */
    private static short float16AtLeast(float v) {
        short h = Float.floatToFloat16(v);
        return Float.float16ToFloat(h) < v ? (short) (h + 1) : h;
    }

    private static int clamp(int v, int lo, int hi) {
        return Math.max(lo, Math.min(hi, v));
    }

    private static void putShort(byte[] dst, int at, short v) {
        dst[at] = (byte) v;
        dst[at + 1] = (byte) (v >> 8);
    }

    private static void putInt(byte[] dst, int at, int v) {
        putShort(dst, at, (short) v);
        putShort(dst, at + 2, (short) (v >> 16));
    }
}
