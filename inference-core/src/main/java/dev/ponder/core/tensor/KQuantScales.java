package dev.ponder.core.tensor;

import static dev.ponder.core.tensor.PackedBytes.BYTES;
import static dev.ponder.core.tensor.PackedBytes.INTS;
import static java.nio.ByteOrder.LITTLE_ENDIAN;
import static jdk.incubator.vector.VectorOperators.B2I;
import static jdk.incubator.vector.VectorOperators.I2F;
import static jdk.incubator.vector.VectorOperators.LSHR;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;

/**
 * The scales and mins of a Q4_K or Q5_K super-block, which both formats store alike: the half-precision factors
 * d and dmin (bytes 0..3), then eight 6-bit scales and eight 6-bit mins packed in 12 bytes b0..b11 (bytes
 * 4..15): sub-blocks 0..3 keep their scale in the low 6 bits of b0..b3 and their min in those of b4..b7;
 * sub-blocks 4..7 their scale in the low nibble of b8..b11 plus, as bits 4-5, the top two bits of b0..b3, and
 * their min in the high nibble of b8..b11 plus the top two bits of b4..b7. Sub-block j's weights are
 * {@code d * scale_j * q - dmin * min_j}.
 *
 * <p>Three spellings, all giving the reference's products: {@link #scale}/{@link #min} one field at a time (the
 * references); {@link #unpack} one super-block with a few word-wide masks (the one-row kernels); and
 * {@link #unpackFour} four rows' super-blocks, a 16-lane pass each (the four-row kernels). None takes or returns
 * vectors, so a call inside a kernel's loop costs no boxing.
 */
final class KQuantScales {
    /** Floats {@link #unpack} writes: eight scales, then eight mins. */
    static final int FLOATS = 16;
    private static final int SCALES = 4;
    private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /*
     * The 16-lane pass (lanes 0..7 the scales of sub-blocks 0..7, lanes 8..15 the mins), with b0..b11 widened to
     * int lanes:  field = (b[FIELD_BYTES] >>> FIELD_SHIFTS) & FIELD_MASKS  |  (b[TOP_BYTES] >>> 2) & TOP_MASKS
     */
    private static final int[] FIELD_BYTES = {0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 8, 9, 10, 11};
    private static final int[] FIELD_SHIFTS = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 4, 4, 4};
    private static final int[] FIELD_MASKS = {63, 63, 63, 63, 15, 15, 15, 15, 63, 63, 63, 63, 15, 15, 15, 15};
    private static final int[] TOP_BYTES = {0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 0, 0, 4, 5, 6, 7};
    private static final int[] TOP_MASKS = {0, 0, 0, 0, 0x30, 0x30, 0x30, 0x30, 0, 0, 0, 0, 0x30, 0x30, 0x30, 0x30};

    private KQuantScales() {
    }

    /** The 6-bit scale of sub-block j (0..7) of the super-block at {@code block}. */
    static int scale(MemorySegment data, long block, int j) {
        long b = block + SCALES;
        if (j < 4) {
            return u8(data, b + j) & 63;
        }
        return (u8(data, b + j + 4) & 0x0F) | ((u8(data, b + j - 4) >> 6) << 4);
    }

    /** The 6-bit min of sub-block j (0..7) of the super-block at {@code block}. */
    static int min(MemorySegment data, long block, int j) {
        long b = block + SCALES;
        if (j < 4) {
            return u8(data, b + j + 4) & 63;
        }
        return (u8(data, b + j + 4) >> 4) | ((u8(data, b + j) >> 6) << 4);
    }

    /**
     * {@code out[j]} = d * scale_j and {@code out[8 + j]} = dmin * min_j for the super-block at {@code block}. The 12
     * bytes are read as three little-endian words w0, w1, w2, and four words whose byte k is a 6-bit field come
     * from a few masks: scales 0..3 {@code w0 & 0x3F3F3F3F}, mins 0..3 {@code w1 & 0x3F3F3F3F}, scales 4..7
     * {@code (w2 & 0x0F0F0F0F) | ((w0 >>> 2) & 0x30303030)}, mins 4..7 {@code ((w2 >>> 4) & 0x0F0F0F0F) |
     * ((w1 >>> 2) & 0x30303030)} (the {@code >>> 2} moves each byte's top two bits to bits 4-5).
     */
    static void unpack(MemorySegment data, long block, float[] out) {
        unpack(data, block, out, 0);
    }

    /** As {@link #unpack(MemorySegment, long, float[])}, to {@code out[offset ..]}. */
    static void unpack(MemorySegment data, long block, float[] out, int offset) {
        int halves = data.get(LE_INT, block);
        float d = Float.float16ToFloat((short) halves);
        float dmin = Float.float16ToFloat((short) (halves >>> 16));
        int w0 = data.get(LE_INT, block + SCALES);
        int w1 = data.get(LE_INT, block + SCALES + 4);
        int w2 = data.get(LE_INT, block + SCALES + 8);
        int scalesLow = w0 & 0x3F3F3F3F;
        int minsLow = w1 & 0x3F3F3F3F;
        int scalesHigh = (w2 & 0x0F0F0F0F) | ((w0 >>> 2) & 0x30303030);
        int minsHigh = ((w2 >>> 4) & 0x0F0F0F0F) | ((w1 >>> 2) & 0x30303030);
        for (int k = 0; k < 4; k++) {
            out[offset + k] = d * ((scalesLow >>> (8 * k)) & 0xFF);
            out[offset + 4 + k] = d * ((scalesHigh >>> (8 * k)) & 0xFF);
            out[offset + 8 + k] = dmin * ((minsLow >>> (8 * k)) & 0xFF);
            out[offset + 12 + k] = dmin * ((minsHigh >>> (8 * k)) & 0xFF);
        }
    }

    /**
     * As {@link #unpack} for the super-blocks at {@code block + k * rowStep}, k = 0..3 (four rows), to
     * {@code out[16k ..]}: one 16-lane pass per row with the field tables above.
     */
    static void unpackFour(MemorySegment data, long block, long rowStep, float[] out) {
        VectorMask<Float> firstEight = VectorMath.F.indexInRange(0, 8);
        for (int k = 0; k < 4; k++) {
            long row = block + k * rowStep;
            int halves = data.get(LE_INT, row);
            IntVector packed = ((IntVector) ByteVector.fromMemorySegment(BYTES, data, row + SCALES, LITTLE_ENDIAN)
                    .convertShape(B2I, INTS, 0)).and(0xFF);
            IntVector fields = IntVector.fromArray(INTS, FIELD_BYTES, 0).selectFrom(packed)
                    .lanewise(LSHR, IntVector.fromArray(INTS, FIELD_SHIFTS, 0))
                    .and(IntVector.fromArray(INTS, FIELD_MASKS, 0))
                    .or(IntVector.fromArray(INTS, TOP_BYTES, 0).selectFrom(packed).lanewise(LSHR, 2)
                            .and(IntVector.fromArray(INTS, TOP_MASKS, 0)));
            FloatVector factors = FloatVector.broadcast(VectorMath.F, Float.float16ToFloat((short) (halves >>> 16)))
                    .blend(Float.float16ToFloat((short) halves), firstEight);
            factors.mul((FloatVector) fields.convert(I2F, 0)).intoArray(out, 16 * k);
        }
    }

    private static int u8(MemorySegment data, long at) {
        return data.get(ValueLayout.JAVA_BYTE, at) & 0xFF;
    }
}
