package dev.ponder.core.tensor;

import static dev.ponder.core.tensor.PackedBytes.BYTES;
import static dev.ponder.core.tensor.PackedBytes.INTS;
import static dev.ponder.core.tensor.PackedBytes.LANES;
import static java.nio.ByteOrder.LITTLE_ENDIAN;
import static jdk.incubator.vector.VectorOperators.B2I;
import static jdk.incubator.vector.VectorOperators.I2F;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;

import dev.ponder.core.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.DoubleSupplier;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;

/**
 * Q6_K: super-blocks of 256 weights in 16 groups of 16, stored as 128 bytes {@code ql} (low 4 bits),
 * 64 bytes {@code qh} (high 2 bits), 16 signed 8-bit group scales, and last a float16 {@code d}.
 * Each half of 128 weights uses 64 bytes of ql and 32 of qh: for l in 0..31, element l takes ql[l]'s
 * low nibble, l+32 ql[l+32]'s low nibble, l+64 ql[l]'s high nibble, l+96 ql[l+32]'s high nibble, and
 * their high bits are bit pairs 0-1, 2-3, 4-5, 6-7 of qh[l]. Weight = {@code (d*scale) * (q - 32)}.
 * 210 bytes per super-block.
 */
public final class Q6_KFormat extends BlockFormat {
    static final int BLOCK = 256;
    static final int BLOCK_BYTES = 210;
    private static final int QH = 128;
    private static final int SCALES = 192;
    private static final int D = 208;
    private static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(LITTLE_ENDIAN);

    @Override
    public GgmlType type() {
        return GgmlType.Q6_K;
    }

    @Override
    public void writeFloatFields(byte[] blocks, int blockOffset, DoubleSupplier values) {
        FloatFields.putHalf(blocks, blockOffset + 208, values.getAsDouble()); // d, after ql, qh and the scales
    }

    @Override
    public void dequantizeReference(MemorySegment data, long byteOffset, float[] out, int outOffset, int count) {
        for (int block = 0; block < count / BLOCK; block++) {
            long base = byteOffset + (long) block * BLOCK_BYTES;
            float d = f16(data, base + D);
            for (int i = 0; i < BLOCK; i++) {
                int half = i / 128;
                int quarter = (i % 128) / 32; // which ql nibble and which qh bit pair
                int l = i % 32;
                int packed = u8(data, base + 64 * half + 32 * (quarter % 2) + l);
                int lowBits = quarter < 2 ? packed & 0x0F : packed >> 4;
                int highBits = (u8(data, base + QH + 32 * half + l) >> (2 * quarter)) & 3;
                float scale = d * i8(data, base + SCALES + i / 16);
                out[outOffset + block * BLOCK + i] = scale * ((lowBits | (highBits << 4)) - 32);
            }
        }
    }

    /*
     * The vector paths load, for a column l of a half, the bytes ql[l], ql[l+32] and qh[l] (widened to
     * int lanes) and build the four chunks at elements l, l+32, l+64, l+96 from them. The qh bit pair
     * for each lands on bits 4-5 with one shift and a mask of 0x30.
     */

    @Override
    public void dequantize(MemorySegment data, long byteOffset, float[] out, int outOffset, int count) {
        if (!PackedBytes.VECTOR) {
            dequantizeReference(data, byteOffset, out, outOffset, count);
            return;
        }
        for (int block = 0; block < count / BLOCK; block++) {
            long base = byteOffset + (long) block * BLOCK_BYTES;
            float d = Float.float16ToFloat(data.get(LE_SHORT, base + D));
            for (int half = 0; half < 2; half++) {
                for (int l = 0; l < 32; l += LANES) {
                    long ql = base + 64 * half + l;
                    // Group scales of this column's chunks: bytes l/16 + 0, 2, 4, 6 of the half's eight.
                    long scales = data.get(LE_LONG, base + SCALES + 8 * half) >>> (8 * (l / 16));
                    int o = outOffset + block * BLOCK + 128 * half + l;
                    IntVector first = (IntVector) PackedBytes.loadBytes(data, ql)
                            .convertShape(B2I, INTS, 0);
                    IntVector second = (IntVector) PackedBytes.loadBytes(data, ql + 32)
                            .convertShape(B2I, INTS, 0);
                    IntVector top = (IntVector) PackedBytes.loadBytes(data, base + QH + 32 * half + l)
                            .convertShape(B2I, INTS, 0);
                    ((FloatVector) first.and(0x0F).or(top.lanewise(LSHL, 4).and(0x30)).sub(32).convert(I2F, 0))
                            .mul(d * (byte) scales).intoArray(out, o);
                    ((FloatVector) second.and(0x0F).or(top.lanewise(LSHL, 2).and(0x30)).sub(32).convert(I2F, 0))
                            .mul(d * (byte) (scales >>> 16)).intoArray(out, o + 32);
                    ((FloatVector) first.lanewise(LSHR, 4).and(0x0F).or(top.and(0x30)).sub(32).convert(I2F, 0))
                            .mul(d * (byte) (scales >>> 32)).intoArray(out, o + 64);
                    ((FloatVector) second.lanewise(LSHR, 4).and(0x0F).or(top.lanewise(LSHR, 2).and(0x30)).sub(32)
                            .convert(I2F, 0)).mul(d * (byte) (scales >>> 48)).intoArray(out, o + 96);
                }
            }
        }
    }

    /** Fused decode kernel: weights as in {@link #dequantize}, accumulated in the canonical order. */
    @Override
    protected float dotSingle(MemorySegment data, long rowOffset, int cols, float[] x, int xOffset, float[] scratch) {
        if (LANES == 8) {
            return dotSingleEightLanes(data, rowOffset, cols, x, xOffset, scratch);
        }
        if (LANES != 16) {
            return super.dotSingle(data, rowOffset, cols, x, xOffset, scratch);
        }
        // A half (128 weights) is eight 16-lane chunks in index order. Columns l = 0 and l = 16 of the packed
        // bytes give chunks 0, 2, 4, 6 and 1, 3, 5, 7, so both columns are loaded first and the chunks fed in
        // order; chunk c uses group scale byte c of the half.
        FloatVector acc = FloatVector.zero(VectorMath.F);
        for (int block = 0; block < cols / BLOCK; block++) {
            long base = rowOffset + (long) block * BLOCK_BYTES;
            float d = Float.float16ToFloat(data.get(LE_SHORT, base + D));
            for (int half = 0; half < 2; half++) {
                long ql = base + 64 * half;
                long qh = base + QH + 32 * half;
                // The half's eight group scales as one word, extracted inline: a call here would spill.
                long scales = data.get(LE_LONG, base + SCALES + 8 * half);
                int xi = xOffset + block * BLOCK + 128 * half;
                IntVector firstA = (IntVector) ByteVector.fromMemorySegment(BYTES, data, ql, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                IntVector firstB = (IntVector) ByteVector.fromMemorySegment(BYTES, data, ql + 16, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                IntVector secondA = (IntVector) ByteVector.fromMemorySegment(BYTES, data, ql + 32, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                IntVector secondB = (IntVector) ByteVector.fromMemorySegment(BYTES, data, ql + 48, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                IntVector topA = (IntVector) ByteVector.fromMemorySegment(BYTES, data, qh, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                IntVector topB = (IntVector) ByteVector.fromMemorySegment(BYTES, data, qh + 16, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                acc = ((FloatVector) firstA.and(0x0F).or(topA.lanewise(LSHL, 4).and(0x30)).sub(32).convert(I2F, 0))
                        .mul(d * (byte) scales).fma(FloatVector.fromArray(VectorMath.F, x, xi), acc);
                acc = ((FloatVector) firstB.and(0x0F).or(topB.lanewise(LSHL, 4).and(0x30)).sub(32).convert(I2F, 0))
                        .mul(d * (byte) (scales >>> 8)).fma(FloatVector.fromArray(VectorMath.F, x, xi + 16), acc);
                acc = ((FloatVector) secondA.and(0x0F).or(topA.lanewise(LSHL, 2).and(0x30)).sub(32).convert(I2F, 0))
                        .mul(d * (byte) (scales >>> 16)).fma(FloatVector.fromArray(VectorMath.F, x, xi + 32), acc);
                acc = ((FloatVector) secondB.and(0x0F).or(topB.lanewise(LSHL, 2).and(0x30)).sub(32).convert(I2F, 0))
                        .mul(d * (byte) (scales >>> 24)).fma(FloatVector.fromArray(VectorMath.F, x, xi + 48), acc);
                acc = ((FloatVector) firstA.lanewise(LSHR, 4).and(0x0F).or(topA.and(0x30)).sub(32).convert(I2F, 0))
                        .mul(d * (byte) (scales >>> 32)).fma(FloatVector.fromArray(VectorMath.F, x, xi + 64), acc);
                acc = ((FloatVector) firstB.lanewise(LSHR, 4).and(0x0F).or(topB.and(0x30)).sub(32).convert(I2F, 0))
                        .mul(d * (byte) (scales >>> 40)).fma(FloatVector.fromArray(VectorMath.F, x, xi + 80), acc);
                acc = ((FloatVector) secondA.lanewise(LSHR, 4).and(0x0F).or(topA.lanewise(LSHR, 2).and(0x30)).sub(32)
                        .convert(I2F, 0)).mul(d * (byte) (scales >>> 48))
                        .fma(FloatVector.fromArray(VectorMath.F, x, xi + 96), acc);
                acc = ((FloatVector) secondB.lanewise(LSHR, 4).and(0x0F).or(topB.lanewise(LSHR, 2).and(0x30)).sub(32)
                        .convert(I2F, 0)).mul(d * (byte) (scales >>> 56))
                        .fma(FloatVector.fromArray(VectorMath.F, x, xi + 112), acc);
            }
        }
        float[] buffer = PackedBytes.accumulatorBuffer(scratch);
        acc.intoArray(buffer, 0);
        return VectorMath.sumStored(buffer, 0);
    }

    /**
     * {@link #dotSingle} on vectors of 8 floats (256-bit, as AVX2): each half's 128 weights as sixteen chunks in
     * index order (run r of 32 weights: the low or high nibbles of the first or second 32 packed bytes, with bits
     * 2r..2r+1 of the high bits; group scale byte 2r + l/16 of the half), each weight computed as the generic
     * path of {@link #dequantize} computes it.
     */
    private float dotSingleEightLanes(MemorySegment data, long rowOffset, int cols, float[] x, int xOffset,
                                      float[] scratch) {
        FloatVector acc = FloatVector.zero(VectorMath.F);
        for (int block = 0; block < cols / BLOCK; block++) {
            long base = rowOffset + (long) block * BLOCK_BYTES;
            float d = Float.float16ToFloat(data.get(LE_SHORT, base + D));
            for (int half = 0; half < 2; half++) {
                long scales = data.get(LE_LONG, base + SCALES + 8 * half);
                long high = base + QH + 32 * half;
                int xh = xOffset + block * BLOCK + 128 * half;
                for (int run = 0; run < 4; run++) {
                    long low = base + 64 * half + 32 * (run & 1);
                    int nibble = 4 * (run >> 1);
                    for (int l = 0; l < 32; l += 8) {
                        float scale = d * (byte) (scales >>> (8 * (2 * run + l / 16)));
                        IntVector q = (IntVector) ByteVector.fromMemorySegment(BYTES, data, low + l, LITTLE_ENDIAN)
                                .convertShape(B2I, INTS, 0);
                        IntVector top = (IntVector) ByteVector.fromMemorySegment(BYTES, data, high + l, LITTLE_ENDIAN)
                                .convertShape(B2I, INTS, 0);
                        acc = ((FloatVector) q.lanewise(LSHR, nibble).and(0x0F)
                                .or(top.lanewise(LSHR, 2 * run).and(3).lanewise(LSHL, 4)).sub(32).convert(I2F, 0))
                                .mul(scale).fma(FloatVector.fromArray(VectorMath.F, x, xh + 32 * run + l), acc);
                    }
                }
            }
        }
        float[] buffer = PackedBytes.accumulatorBuffer(scratch);
        acc.intoArray(buffer, 0);
        return VectorMath.sumStored(buffer, 0);
    }

    /**
     * Four rows as two pairs (see {@link #dotPair}). Why not four rows in one loop as the other formats do: that
     * method is too large for C1, and a kernel left to the interpreter or to C1's code runs a hundred times
     * slower until C2 compiles it, which in some runs took many seconds.
     */
    @Override
    protected void dotSingle4(MemorySegment data, long rowOffset, long rowStep, int cols, float[] x, int xOffset,
                              float[] out, int outOffset, int outRowStep, float[] scratch) {
        if (LANES != 16) {
            super.dotSingle4(data, rowOffset, rowStep, cols, x, xOffset, out, outOffset, outRowStep, scratch);
            return;
        }
        float[] buffer = PackedBytes.accumulatorBuffer(scratch);
        dotPair(data, rowOffset, rowStep, cols, x, xOffset, buffer, 0);
        dotPair(data, rowOffset + 2 * rowStep, rowStep, cols, x, xOffset, buffer, 2 * LANES);
        PackedBytes.finish4(buffer, out, outOffset, outRowStep);
    }

    /**
     * Two rows side by side, each exactly as {@link #dotSingle}: the single-row kernel is one FMA chain, so two
     * rows give the FMA units two independent chains, and each activation chunk is loaded once for both. The two
     * accumulators go to {@code buffer[at..]} and {@code buffer[at + LANES..]}.
     */
    private void dotPair(MemorySegment data, long rowOffset, long rowStep, int cols, float[] x, int xOffset,
                         float[] buffer, int at) {
        FloatVector a0 = FloatVector.zero(VectorMath.F), a1 = a0;
        long r0 = rowOffset, r1 = rowOffset + rowStep;
        for (int block = 0; block < cols / BLOCK; block++) {
            long off = (long) block * BLOCK_BYTES;
            for (int half = 0; half < 2; half++) {
                int xi = xOffset + block * BLOCK + 128 * half;
                FloatVector x0 = FloatVector.fromArray(VectorMath.F, x, xi);
                FloatVector x1 = FloatVector.fromArray(VectorMath.F, x, xi + 16);
                FloatVector x2 = FloatVector.fromArray(VectorMath.F, x, xi + 32);
                FloatVector x3 = FloatVector.fromArray(VectorMath.F, x, xi + 48);
                FloatVector x4 = FloatVector.fromArray(VectorMath.F, x, xi + 64);
                FloatVector x5 = FloatVector.fromArray(VectorMath.F, x, xi + 80);
                FloatVector x6 = FloatVector.fromArray(VectorMath.F, x, xi + 96);
                FloatVector x7 = FloatVector.fromArray(VectorMath.F, x, xi + 112);
                long ql = r0 + off + 64 * half;
                long qh = r0 + off + QH + 32 * half;
                long scales = data.get(LE_LONG, r0 + off + SCALES + 8 * half);
                float d = Float.float16ToFloat(data.get(LE_SHORT, r0 + off + D));
                IntVector firstA = (IntVector) ByteVector.fromMemorySegment(BYTES, data, ql, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                IntVector firstB = (IntVector) ByteVector.fromMemorySegment(BYTES, data, ql + 16, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                IntVector secondA = (IntVector) ByteVector.fromMemorySegment(BYTES, data, ql + 32, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                IntVector secondB = (IntVector) ByteVector.fromMemorySegment(BYTES, data, ql + 48, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                IntVector topA = (IntVector) ByteVector.fromMemorySegment(BYTES, data, qh, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                IntVector topB = (IntVector) ByteVector.fromMemorySegment(BYTES, data, qh + 16, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                a0 = ((FloatVector) firstA.and(0x0F).or(topA.lanewise(LSHL, 4).and(0x30)).sub(32).convert(I2F, 0))
                        .mul(d * (byte) scales).fma(x0, a0);
                a0 = ((FloatVector) firstB.and(0x0F).or(topB.lanewise(LSHL, 4).and(0x30)).sub(32).convert(I2F, 0))
                        .mul(d * (byte) (scales >>> 8)).fma(x1, a0);
                a0 = ((FloatVector) secondA.and(0x0F).or(topA.lanewise(LSHL, 2).and(0x30)).sub(32).convert(I2F, 0))
                        .mul(d * (byte) (scales >>> 16)).fma(x2, a0);
                a0 = ((FloatVector) secondB.and(0x0F).or(topB.lanewise(LSHL, 2).and(0x30)).sub(32).convert(I2F, 0))
                        .mul(d * (byte) (scales >>> 24)).fma(x3, a0);
                a0 = ((FloatVector) firstA.lanewise(LSHR, 4).and(0x0F).or(topA.and(0x30)).sub(32).convert(I2F, 0))
                        .mul(d * (byte) (scales >>> 32)).fma(x4, a0);
                a0 = ((FloatVector) firstB.lanewise(LSHR, 4).and(0x0F).or(topB.and(0x30)).sub(32).convert(I2F, 0))
                        .mul(d * (byte) (scales >>> 40)).fma(x5, a0);
                a0 = ((FloatVector) secondA.lanewise(LSHR, 4).and(0x0F).or(topA.lanewise(LSHR, 2).and(0x30)).sub(32).convert(I2F, 0))
                        .mul(d * (byte) (scales >>> 48)).fma(x6, a0);
                a0 = ((FloatVector) secondB.lanewise(LSHR, 4).and(0x0F).or(topB.lanewise(LSHR, 2).and(0x30)).sub(32).convert(I2F, 0))
                        .mul(d * (byte) (scales >>> 56)).fma(x7, a0);

                ql = r1 + off + 64 * half;
                qh = r1 + off + QH + 32 * half;
                scales = data.get(LE_LONG, r1 + off + SCALES + 8 * half);
                d = Float.float16ToFloat(data.get(LE_SHORT, r1 + off + D));
                firstA = (IntVector) ByteVector.fromMemorySegment(BYTES, data, ql, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                firstB = (IntVector) ByteVector.fromMemorySegment(BYTES, data, ql + 16, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                secondA = (IntVector) ByteVector.fromMemorySegment(BYTES, data, ql + 32, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                secondB = (IntVector) ByteVector.fromMemorySegment(BYTES, data, ql + 48, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                topA = (IntVector) ByteVector.fromMemorySegment(BYTES, data, qh, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                topB = (IntVector) ByteVector.fromMemorySegment(BYTES, data, qh + 16, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                a1 = ((FloatVector) firstA.and(0x0F).or(topA.lanewise(LSHL, 4).and(0x30)).sub(32).convert(I2F, 0))
                        .mul(d * (byte) scales).fma(x0, a1);
                a1 = ((FloatVector) firstB.and(0x0F).or(topB.lanewise(LSHL, 4).and(0x30)).sub(32).convert(I2F, 0))
                        .mul(d * (byte) (scales >>> 8)).fma(x1, a1);
                a1 = ((FloatVector) secondA.and(0x0F).or(topA.lanewise(LSHL, 2).and(0x30)).sub(32).convert(I2F, 0))
                        .mul(d * (byte) (scales >>> 16)).fma(x2, a1);
                a1 = ((FloatVector) secondB.and(0x0F).or(topB.lanewise(LSHL, 2).and(0x30)).sub(32).convert(I2F, 0))
                        .mul(d * (byte) (scales >>> 24)).fma(x3, a1);
                a1 = ((FloatVector) firstA.lanewise(LSHR, 4).and(0x0F).or(topA.and(0x30)).sub(32).convert(I2F, 0))
                        .mul(d * (byte) (scales >>> 32)).fma(x4, a1);
                a1 = ((FloatVector) firstB.lanewise(LSHR, 4).and(0x0F).or(topB.and(0x30)).sub(32).convert(I2F, 0))
                        .mul(d * (byte) (scales >>> 40)).fma(x5, a1);
                a1 = ((FloatVector) secondA.lanewise(LSHR, 4).and(0x0F).or(topA.lanewise(LSHR, 2).and(0x30)).sub(32).convert(I2F, 0))
                        .mul(d * (byte) (scales >>> 48)).fma(x6, a1);
                a1 = ((FloatVector) secondB.lanewise(LSHR, 4).and(0x0F).or(topB.lanewise(LSHR, 2).and(0x30)).sub(32).convert(I2F, 0))
                        .mul(d * (byte) (scales >>> 56)).fma(x7, a1);
            }
        }
        a0.intoArray(buffer, at);
        a1.intoArray(buffer, at + LANES);
    }
}
