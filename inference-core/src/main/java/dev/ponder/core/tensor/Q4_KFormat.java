package dev.ponder.core.tensor;

import static dev.ponder.core.tensor.PackedBytes.BYTES;
import static dev.ponder.core.tensor.PackedBytes.INTS;
import static dev.ponder.core.tensor.PackedBytes.LANES;
import static java.nio.ByteOrder.LITTLE_ENDIAN;
import static jdk.incubator.vector.VectorOperators.B2I;
import static jdk.incubator.vector.VectorOperators.I2F;
import static jdk.incubator.vector.VectorOperators.LSHR;

import dev.ponder.core.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import java.util.function.DoubleSupplier;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;

/**
 * Q4_K: super-blocks of 256 weights in 8 sub-blocks of 32. Layout: float16 {@code d}, float16
 * {@code dmin}, 12 bytes packing a 6-bit scale {@code sc} and a 6-bit min {@code m} per sub-block
 * (see {@link KQuantScales}), then 128 bytes of 4-bit quants: bytes 32p..32p+31 hold sub-block 2p in
 * their low nibbles and sub-block 2p+1 in their high nibbles. Weight = {@code (d*sc) * q - (dmin*m)},
 * with {@code d*sc} and {@code dmin*m} rounded to float once per sub-block. 144 bytes per super-block.
 */
public final class Q4_KFormat extends BlockFormat {
    static final int BLOCK = 256;
    static final int BLOCK_BYTES = 144;
    static final int SCALES = 4;
    private static final int QS = 16;
    /** The values a nibble can hold, as floats: row {@code q} of a sub-block's weight table. */
    private static final float[] NIBBLES = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    @Override
    public GgmlType type() {
        return GgmlType.Q4_K;
    }

    @Override
    public void writeFloatFields(byte[] blocks, int blockOffset, DoubleSupplier values) {
        FloatFields.putHalves(blocks, blockOffset, values, 2); // d, dmin
    }

    @Override
    public void dequantizeReference(MemorySegment data, long byteOffset, float[] out, int outOffset, int count) {
        for (int block = 0; block < count / BLOCK; block++) {
            long base = byteOffset + (long) block * BLOCK_BYTES;
            float d = f16(data, base);
            float dmin = f16(data, base + 2);
            for (int sub = 0; sub < 8; sub++) {
                float scale = d * KQuantScales.scale(data, base, sub);
                float min = dmin * KQuantScales.min(data, base, sub);
                long qs = base + QS + 32L * (sub / 2);
                int o = outOffset + block * BLOCK + 32 * sub;
                for (int l = 0; l < 32; l++) {
                    int b = u8(data, qs + l);
                    int q = sub % 2 == 0 ? b & 0x0F : b >> 4;
                    out[o + l] = scale * q - min;
                }
            }
        }
    }

    /**
     * With 16 lanes: per sub-block, the table of its sixteen weights and a nibble permute per chunk (as in
     * {@link #dotSingle4}); otherwise the weights are converted and scaled lane by lane.
     */
    @Override
    public void dequantize(MemorySegment data, long byteOffset, float[] out, int outOffset, int count) {
        if (!PackedBytes.VECTOR) {
            dequantizeReference(data, byteOffset, out, outOffset, count);
            return;
        }
        boolean tables = LANES == 16;
        FloatVector levels = tables ? FloatVector.fromArray(VectorMath.F, NIBBLES, 0) : null;
        float[] sm = new float[KQuantScales.FLOATS];
        for (int block = 0; block < count / BLOCK; block++) {
            long base = byteOffset + (long) block * BLOCK_BYTES;
            KQuantScales.unpack(data, base, sm);
            for (int pair = 0; pair < 4; pair++) {
                float scaleLo = sm[2 * pair], scaleHi = sm[2 * pair + 1];
                float minLo = sm[8 + 2 * pair], minHi = sm[9 + 2 * pair];
                long qs = base + QS + 32L * pair;
                int o = outOffset + block * BLOCK + 64 * pair;
                if (tables) {
                    IntVector t = levels.mul(scaleLo).sub(minLo).reinterpretAsInts();
                    IntVector u = levels.mul(scaleHi).sub(minHi).reinterpretAsInts();
                    IntVector qa = (IntVector) ByteVector.fromMemorySegment(BYTES, data, qs, LITTLE_ENDIAN)
                            .convertShape(B2I, INTS, 0);
                    IntVector qb = (IntVector) ByteVector.fromMemorySegment(BYTES, data, qs + 16, LITTLE_ENDIAN)
                            .convertShape(B2I, INTS, 0);
                    qa.selectFrom(t).reinterpretAsFloats().intoArray(out, o);
                    qb.selectFrom(t).reinterpretAsFloats().intoArray(out, o + 16);
                    qa.lanewise(LSHR, 4).selectFrom(u).reinterpretAsFloats().intoArray(out, o + 32);
                    qb.lanewise(LSHR, 4).selectFrom(u).reinterpretAsFloats().intoArray(out, o + 48);
                    continue;
                }
                for (int l = 0; l < 32; l += LANES) {
                    IntVector q = (IntVector) PackedBytes.loadBytes(data, qs + l)
                            .convertShape(B2I, INTS, 0);
                    ((FloatVector) q.and(0x0F).convert(I2F, 0)).mul(scaleLo).sub(minLo).intoArray(out, o + l);
                    ((FloatVector) q.lanewise(LSHR, 4).and(0x0F).convert(I2F, 0)).mul(scaleHi).sub(minHi)
                            .intoArray(out, o + 32 + l);
                }
            }
        }
    }

    /** Fused decode kernel: weights as in {@link #dequantize}, accumulated in the canonical order. */
    @Override
    protected float dotSingle(MemorySegment data, long rowOffset, int cols, float[] x, int xOffset, float[] scratch) {
        if (LANES == 8 && scratch.length >= KQuantScales.FLOATS) {
            return dotSingleEightLanes(data, rowOffset, cols, x, xOffset, scratch);
        }
        if (LANES != 16 || scratch.length < KQuantScales.FLOATS) {
            return super.dotSingle(data, rowOffset, cols, x, xOffset, scratch);
        }
        // A pair of sub-blocks (32 packed bytes, 64 weights) is four 16-lane chunks, in index order.
        float[] sm = scratch; // the scales and mins of the super-block (the accumulator goes there at the end)
        FloatVector a0 = FloatVector.zero(VectorMath.F);
        for (int block = 0; block < cols / BLOCK; block++) {
            long base = rowOffset + (long) block * BLOCK_BYTES;
            KQuantScales.unpack(data, base, sm);
            for (int pair = 0; pair < 4; pair++) {
                float scaleLo = sm[2 * pair], scaleHi = sm[2 * pair + 1];
                float minLo = sm[8 + 2 * pair], minHi = sm[9 + 2 * pair];
                long qs = base + QS + 32L * pair;
                int xi = xOffset + block * BLOCK + 64 * pair;
                IntVector q0 = (IntVector) ByteVector.fromMemorySegment(BYTES, data, qs, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                IntVector q1 = (IntVector) ByteVector.fromMemorySegment(BYTES, data, qs + 16, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                a0 = ((FloatVector) q0.and(0x0F).convert(I2F, 0)).mul(scaleLo).sub(minLo)
                        .fma(FloatVector.fromArray(VectorMath.F, x, xi), a0);
                a0 = ((FloatVector) q1.and(0x0F).convert(I2F, 0)).mul(scaleLo).sub(minLo)
                        .fma(FloatVector.fromArray(VectorMath.F, x, xi + 16), a0);
                a0 = ((FloatVector) q0.lanewise(LSHR, 4).and(0x0F).convert(I2F, 0)).mul(scaleHi).sub(minHi)
                        .fma(FloatVector.fromArray(VectorMath.F, x, xi + 32), a0);
                a0 = ((FloatVector) q1.lanewise(LSHR, 4).and(0x0F).convert(I2F, 0)).mul(scaleHi).sub(minHi)
                        .fma(FloatVector.fromArray(VectorMath.F, x, xi + 48), a0);
            }
        }
        float[] buffer = PackedBytes.accumulatorBuffer(scratch);
        a0.intoArray(buffer, 0);
        return VectorMath.sumStored(buffer, 0);
    }

    /**
     * {@link #dotSingle} on vectors of 8 floats (256-bit, as AVX2): a pair of sub-blocks is eight chunks in index
     * order, the low nibbles of its 32 bytes in four chunks (sub-block 2p), then their high nibbles (2p + 1), each
     * weight computed as the generic path of {@link #dequantize} computes it.
     */
    private float dotSingleEightLanes(MemorySegment data, long rowOffset, int cols, float[] x, int xOffset,
                                      float[] scratch) {
        float[] sm = scratch; // the scales and mins of the super-block (the accumulator goes there at the end)
        FloatVector a0 = FloatVector.zero(VectorMath.F);
        for (int block = 0; block < cols / BLOCK; block++) {
            long base = rowOffset + (long) block * BLOCK_BYTES;
            KQuantScales.unpack(data, base, sm);
            for (int pair = 0; pair < 4; pair++) {
                float scaleLo = sm[2 * pair], scaleHi = sm[2 * pair + 1];
                float minLo = sm[8 + 2 * pair], minHi = sm[9 + 2 * pair];
                long qs = base + QS + 32L * pair;
                int xi = xOffset + block * BLOCK + 64 * pair;
                IntVector q0 = (IntVector) ByteVector.fromMemorySegment(BYTES, data, qs, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                IntVector q1 = (IntVector) ByteVector.fromMemorySegment(BYTES, data, qs + 8, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                IntVector q2 = (IntVector) ByteVector.fromMemorySegment(BYTES, data, qs + 16, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                IntVector q3 = (IntVector) ByteVector.fromMemorySegment(BYTES, data, qs + 24, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                a0 = ((FloatVector) q0.and(0x0F).convert(I2F, 0)).mul(scaleLo).sub(minLo)
                        .fma(FloatVector.fromArray(VectorMath.F, x, xi), a0);
                a0 = ((FloatVector) q1.and(0x0F).convert(I2F, 0)).mul(scaleLo).sub(minLo)
                        .fma(FloatVector.fromArray(VectorMath.F, x, xi + 8), a0);
                a0 = ((FloatVector) q2.and(0x0F).convert(I2F, 0)).mul(scaleLo).sub(minLo)
                        .fma(FloatVector.fromArray(VectorMath.F, x, xi + 16), a0);
                a0 = ((FloatVector) q3.and(0x0F).convert(I2F, 0)).mul(scaleLo).sub(minLo)
                        .fma(FloatVector.fromArray(VectorMath.F, x, xi + 24), a0);
                a0 = ((FloatVector) q0.lanewise(LSHR, 4).and(0x0F).convert(I2F, 0)).mul(scaleHi).sub(minHi)
                        .fma(FloatVector.fromArray(VectorMath.F, x, xi + 32), a0);
                a0 = ((FloatVector) q1.lanewise(LSHR, 4).and(0x0F).convert(I2F, 0)).mul(scaleHi).sub(minHi)
                        .fma(FloatVector.fromArray(VectorMath.F, x, xi + 40), a0);
                a0 = ((FloatVector) q2.lanewise(LSHR, 4).and(0x0F).convert(I2F, 0)).mul(scaleHi).sub(minHi)
                        .fma(FloatVector.fromArray(VectorMath.F, x, xi + 48), a0);
                a0 = ((FloatVector) q3.lanewise(LSHR, 4).and(0x0F).convert(I2F, 0)).mul(scaleHi).sub(minHi)
                        .fma(FloatVector.fromArray(VectorMath.F, x, xi + 56), a0);
            }
        }
        float[] buffer = PackedBytes.accumulatorBuffer(scratch);
        a0.intoArray(buffer, 0);
        return VectorMath.sumStored(buffer, 0);
    }

    /**
     * {@link #dotSingle4} on vectors of 8 floats: four rows side by side, each exactly as
     * {@link #dotSingleEightLanes}, one activation load per chunk for four FMAs; the rows' scales and mins are
     * unpacked per super-block into {@code scratch[16k ..]}.
     */
    private void dotSingle4EightLanes(MemorySegment data, long rowOffset, long rowStep, int cols, float[] x,
                                      int xOffset, float[] out, int outOffset, int outRowStep, float[] scratch) {
        FloatVector a0 = FloatVector.zero(VectorMath.F), a1 = a0, a2 = a0, a3 = a0;
        long r0 = rowOffset, r1 = rowOffset + rowStep, r2 = rowOffset + 2 * rowStep, r3 = rowOffset + 3 * rowStep;
        float[] sm = scratch;
        for (int block = 0; block < cols / BLOCK; block++) {
            long off = (long) block * BLOCK_BYTES;
            KQuantScales.unpack(data, r0 + off, sm, 0);
            KQuantScales.unpack(data, r1 + off, sm, 16);
            KQuantScales.unpack(data, r2 + off, sm, 32);
            KQuantScales.unpack(data, r3 + off, sm, 48);
            for (int pair = 0; pair < 4; pair++) {
                long qs = off + QS + 32L * pair;
                int xi = xOffset + block * BLOCK + 64 * pair;
                int lo = 2 * pair, hi = 2 * pair + 1;
                for (int c = 0; c < 32; c += 8) {
                    FloatVector v = FloatVector.fromArray(VectorMath.F, x, xi + c);
                    a0 = ((FloatVector) ((IntVector) ByteVector.fromMemorySegment(BYTES, data, r0 + qs + c, LITTLE_ENDIAN)
                            .convertShape(B2I, INTS, 0)).and(0x0F).convert(I2F, 0)).mul(sm[lo]).sub(sm[8 + lo]).fma(v, a0);
                    a1 = ((FloatVector) ((IntVector) ByteVector.fromMemorySegment(BYTES, data, r1 + qs + c, LITTLE_ENDIAN)
                            .convertShape(B2I, INTS, 0)).and(0x0F).convert(I2F, 0)).mul(sm[16 + lo]).sub(sm[24 + lo])
                            .fma(v, a1);
                    a2 = ((FloatVector) ((IntVector) ByteVector.fromMemorySegment(BYTES, data, r2 + qs + c, LITTLE_ENDIAN)
                            .convertShape(B2I, INTS, 0)).and(0x0F).convert(I2F, 0)).mul(sm[32 + lo]).sub(sm[40 + lo])
                            .fma(v, a2);
                    a3 = ((FloatVector) ((IntVector) ByteVector.fromMemorySegment(BYTES, data, r3 + qs + c, LITTLE_ENDIAN)
                            .convertShape(B2I, INTS, 0)).and(0x0F).convert(I2F, 0)).mul(sm[48 + lo]).sub(sm[56 + lo])
                            .fma(v, a3);
                }
                // the high nibbles (sub-block 2p + 1) after the low ones, chunks in index order
                // (the bytes are loaded again rather than kept: keeping them means eight more live vectors beside the four
                // accumulators, against AVX2's 16 registers; the second load comes from the first-level cache)
                for (int c = 0; c < 32; c += 8) {
                    FloatVector v = FloatVector.fromArray(VectorMath.F, x, xi + 32 + c);
                    a0 = ((FloatVector) ((IntVector) ByteVector.fromMemorySegment(BYTES, data, r0 + qs + c, LITTLE_ENDIAN)
                            .convertShape(B2I, INTS, 0)).lanewise(LSHR, 4).and(0x0F).convert(I2F, 0))
                            .mul(sm[hi]).sub(sm[8 + hi]).fma(v, a0);
                    a1 = ((FloatVector) ((IntVector) ByteVector.fromMemorySegment(BYTES, data, r1 + qs + c, LITTLE_ENDIAN)
                            .convertShape(B2I, INTS, 0)).lanewise(LSHR, 4).and(0x0F).convert(I2F, 0))
                            .mul(sm[16 + hi]).sub(sm[24 + hi]).fma(v, a1);
                    a2 = ((FloatVector) ((IntVector) ByteVector.fromMemorySegment(BYTES, data, r2 + qs + c, LITTLE_ENDIAN)
                            .convertShape(B2I, INTS, 0)).lanewise(LSHR, 4).and(0x0F).convert(I2F, 0))
                            .mul(sm[32 + hi]).sub(sm[40 + hi]).fma(v, a2);
                    a3 = ((FloatVector) ((IntVector) ByteVector.fromMemorySegment(BYTES, data, r3 + qs + c, LITTLE_ENDIAN)
                            .convertShape(B2I, INTS, 0)).lanewise(LSHR, 4).and(0x0F).convert(I2F, 0))
                            .mul(sm[48 + hi]).sub(sm[56 + hi]).fma(v, a3);
                }
            }
        }
        float[] buffer = PackedBytes.accumulatorBuffer(scratch);
        a0.intoArray(buffer, 0);
        a1.intoArray(buffer, LANES);
        a2.intoArray(buffer, 2 * LANES);
        a3.intoArray(buffer, 3 * LANES);
        PackedBytes.finish4(buffer, out, outOffset, outRowStep);
    }

    /**
     * Four rows side by side, each exactly as {@link #dotSingle}: four independent FMA chains, one activation
     * load per chunk for the four rows. A sub-block's sixteen possible weights {@code scale * q - min} are
     * computed once as a table (the same two float operations as the reference, so the same bits) and each
     * chunk's weights are picked from it by a lane permute of the nibbles ({@code selectFrom} takes the index
     * modulo 16, so the low nibble needs no mask). The scales and mins of the four rows are unpacked first,
     * per super-block, into {@code scratch} ({@link KQuantScales#unpackFour}).
     */
    @Override
    protected void dotSingle4(MemorySegment data, long rowOffset, long rowStep, int cols, float[] x, int xOffset,
                              float[] out, int outOffset, int outRowStep, float[] scratch) {
        if (LANES == 8 && scratch.length >= 64) {
            dotSingle4EightLanes(data, rowOffset, rowStep, cols, x, xOffset, out, outOffset, outRowStep, scratch);
            return;
        }
        if (LANES != 16 || scratch.length < 64) {
            super.dotSingle4(data, rowOffset, rowStep, cols, x, xOffset, out, outOffset, outRowStep, scratch);
            return;
        }
        FloatVector levels = FloatVector.fromArray(VectorMath.F, NIBBLES, 0);
        FloatVector a0 = FloatVector.zero(VectorMath.F), a1 = a0, a2 = a0, a3 = a0;
        long r0 = rowOffset, r1 = rowOffset + rowStep, r2 = rowOffset + 2 * rowStep, r3 = rowOffset + 3 * rowStep;
        for (int block = 0; block < cols / BLOCK; block++) {
            long off = (long) block * BLOCK_BYTES;
            KQuantScales.unpackFour(data, rowOffset + off, rowStep, scratch);
            for (int pair = 0; pair < 4; pair++) {
                long qs = off + QS + 32L * pair;
                int xi = xOffset + block * BLOCK + 64 * pair;
                int lo = 2 * pair, hi = 2 * pair + 1;
                FloatVector x0 = FloatVector.fromArray(VectorMath.F, x, xi);
                FloatVector x1 = FloatVector.fromArray(VectorMath.F, x, xi + 16);
                FloatVector x2 = FloatVector.fromArray(VectorMath.F, x, xi + 32);
                FloatVector x3 = FloatVector.fromArray(VectorMath.F, x, xi + 48);

                IntVector t = levels.mul(scratch[lo]).sub(scratch[8 + lo]).reinterpretAsInts();
                IntVector u = levels.mul(scratch[hi]).sub(scratch[8 + hi]).reinterpretAsInts();
                IntVector qa = (IntVector) ByteVector.fromMemorySegment(BYTES, data, r0 + qs, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                IntVector qb = (IntVector) ByteVector.fromMemorySegment(BYTES, data, r0 + qs + 16, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                a0 = qa.selectFrom(t).reinterpretAsFloats().fma(x0, a0);
                a0 = qb.selectFrom(t).reinterpretAsFloats().fma(x1, a0);
                a0 = qa.lanewise(LSHR, 4).selectFrom(u).reinterpretAsFloats().fma(x2, a0);
                a0 = qb.lanewise(LSHR, 4).selectFrom(u).reinterpretAsFloats().fma(x3, a0);

                t = levels.mul(scratch[16 + lo]).sub(scratch[24 + lo]).reinterpretAsInts();
                u = levels.mul(scratch[16 + hi]).sub(scratch[24 + hi]).reinterpretAsInts();
                qa = (IntVector) ByteVector.fromMemorySegment(BYTES, data, r1 + qs, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                qb = (IntVector) ByteVector.fromMemorySegment(BYTES, data, r1 + qs + 16, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                a1 = qa.selectFrom(t).reinterpretAsFloats().fma(x0, a1);
                a1 = qb.selectFrom(t).reinterpretAsFloats().fma(x1, a1);
                a1 = qa.lanewise(LSHR, 4).selectFrom(u).reinterpretAsFloats().fma(x2, a1);
                a1 = qb.lanewise(LSHR, 4).selectFrom(u).reinterpretAsFloats().fma(x3, a1);

                t = levels.mul(scratch[32 + lo]).sub(scratch[40 + lo]).reinterpretAsInts();
                u = levels.mul(scratch[32 + hi]).sub(scratch[40 + hi]).reinterpretAsInts();
                qa = (IntVector) ByteVector.fromMemorySegment(BYTES, data, r2 + qs, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                qb = (IntVector) ByteVector.fromMemorySegment(BYTES, data, r2 + qs + 16, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                a2 = qa.selectFrom(t).reinterpretAsFloats().fma(x0, a2);
                a2 = qb.selectFrom(t).reinterpretAsFloats().fma(x1, a2);
                a2 = qa.lanewise(LSHR, 4).selectFrom(u).reinterpretAsFloats().fma(x2, a2);
                a2 = qb.lanewise(LSHR, 4).selectFrom(u).reinterpretAsFloats().fma(x3, a2);

                t = levels.mul(scratch[48 + lo]).sub(scratch[56 + lo]).reinterpretAsInts();
                u = levels.mul(scratch[48 + hi]).sub(scratch[56 + hi]).reinterpretAsInts();
                qa = (IntVector) ByteVector.fromMemorySegment(BYTES, data, r3 + qs, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                qb = (IntVector) ByteVector.fromMemorySegment(BYTES, data, r3 + qs + 16, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                a3 = qa.selectFrom(t).reinterpretAsFloats().fma(x0, a3);
                a3 = qb.selectFrom(t).reinterpretAsFloats().fma(x1, a3);
                a3 = qa.lanewise(LSHR, 4).selectFrom(u).reinterpretAsFloats().fma(x2, a3);
                a3 = qb.lanewise(LSHR, 4).selectFrom(u).reinterpretAsFloats().fma(x3, a3);
            }
        }
        float[] buffer = PackedBytes.accumulatorBuffer(scratch);
        a0.intoArray(buffer, 0);
        a1.intoArray(buffer, LANES);
        a2.intoArray(buffer, 2 * LANES);
        a3.intoArray(buffer, 3 * LANES);
        PackedBytes.finish4(buffer, out, outOffset, outRowStep);
    }

    /** Batches of 2 and 3 go through {@link #dotVectorPair4} (see {@link BlockFormat#hasVectorPairKernel}). */
    @Override
    protected boolean hasVectorPairKernel() {
        return LANES == 16;
    }

    /**
     * Four rows with two vectors (at {@code x[first..]} and {@code x[second..]}), each result exactly as
     * {@link #dotSingle} gives it: the rows' weights are picked from their tables once per chunk and used for
     * both vectors (eight accumulators).
     */
    @Override
    protected void dotVectorPair4(MemorySegment data, long rowOffset, long rowStep, int cols, float[] x, int first,
                                  int second, float[] out, int outOffset, int outRowStep, int outStride,
                                  float[] scratch) {
        FloatVector levels = FloatVector.fromArray(VectorMath.F, NIBBLES, 0);
        FloatVector a0 = FloatVector.zero(VectorMath.F), a1 = a0, a2 = a0, a3 = a0;
        FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        long r0 = rowOffset, r1 = rowOffset + rowStep, r2 = rowOffset + 2 * rowStep, r3 = rowOffset + 3 * rowStep;
        for (int block = 0; block < cols / BLOCK; block++) {
            long off = (long) block * BLOCK_BYTES;
            KQuantScales.unpackFour(data, rowOffset + off, rowStep, scratch);
            for (int pair = 0; pair < 4; pair++) {
                long qs = off + QS + 32L * pair;
                int xi = first + block * BLOCK + 64 * pair;
                int yi = second + block * BLOCK + 64 * pair;
                int lo = 2 * pair, hi = 2 * pair + 1;
                FloatVector x0 = FloatVector.fromArray(VectorMath.F, x, xi);
                FloatVector x1 = FloatVector.fromArray(VectorMath.F, x, xi + 16);
                FloatVector x2 = FloatVector.fromArray(VectorMath.F, x, xi + 32);
                FloatVector x3 = FloatVector.fromArray(VectorMath.F, x, xi + 48);
                FloatVector y0 = FloatVector.fromArray(VectorMath.F, x, yi);
                FloatVector y1 = FloatVector.fromArray(VectorMath.F, x, yi + 16);
                FloatVector y2 = FloatVector.fromArray(VectorMath.F, x, yi + 32);
                FloatVector y3 = FloatVector.fromArray(VectorMath.F, x, yi + 48);
                IntVector t = levels.mul(scratch[0 + lo]).sub(scratch[8 + lo]).reinterpretAsInts();
                IntVector u = levels.mul(scratch[0 + hi]).sub(scratch[8 + hi]).reinterpretAsInts();
                IntVector qa = (IntVector) ByteVector.fromMemorySegment(BYTES, data, r0 + qs, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                IntVector qb = (IntVector) ByteVector.fromMemorySegment(BYTES, data, r0 + qs + 16, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                FloatVector w = qa.selectFrom(t).reinterpretAsFloats();
                a0 = w.fma(x0, a0);
                b0 = w.fma(y0, b0);
                w = qb.selectFrom(t).reinterpretAsFloats();
                a0 = w.fma(x1, a0);
                b0 = w.fma(y1, b0);
                w = qa.lanewise(LSHR, 4).selectFrom(u).reinterpretAsFloats();
                a0 = w.fma(x2, a0);
                b0 = w.fma(y2, b0);
                w = qb.lanewise(LSHR, 4).selectFrom(u).reinterpretAsFloats();
                a0 = w.fma(x3, a0);
                b0 = w.fma(y3, b0);

                t = levels.mul(scratch[16 + lo]).sub(scratch[24 + lo]).reinterpretAsInts();
                u = levels.mul(scratch[16 + hi]).sub(scratch[24 + hi]).reinterpretAsInts();
                qa = (IntVector) ByteVector.fromMemorySegment(BYTES, data, r1 + qs, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                qb = (IntVector) ByteVector.fromMemorySegment(BYTES, data, r1 + qs + 16, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                w = qa.selectFrom(t).reinterpretAsFloats();
                a1 = w.fma(x0, a1);
                b1 = w.fma(y0, b1);
                w = qb.selectFrom(t).reinterpretAsFloats();
                a1 = w.fma(x1, a1);
                b1 = w.fma(y1, b1);
                w = qa.lanewise(LSHR, 4).selectFrom(u).reinterpretAsFloats();
                a1 = w.fma(x2, a1);
                b1 = w.fma(y2, b1);
                w = qb.lanewise(LSHR, 4).selectFrom(u).reinterpretAsFloats();
                a1 = w.fma(x3, a1);
                b1 = w.fma(y3, b1);

                t = levels.mul(scratch[32 + lo]).sub(scratch[40 + lo]).reinterpretAsInts();
                u = levels.mul(scratch[32 + hi]).sub(scratch[40 + hi]).reinterpretAsInts();
                qa = (IntVector) ByteVector.fromMemorySegment(BYTES, data, r2 + qs, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                qb = (IntVector) ByteVector.fromMemorySegment(BYTES, data, r2 + qs + 16, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                w = qa.selectFrom(t).reinterpretAsFloats();
                a2 = w.fma(x0, a2);
                b2 = w.fma(y0, b2);
                w = qb.selectFrom(t).reinterpretAsFloats();
                a2 = w.fma(x1, a2);
                b2 = w.fma(y1, b2);
                w = qa.lanewise(LSHR, 4).selectFrom(u).reinterpretAsFloats();
                a2 = w.fma(x2, a2);
                b2 = w.fma(y2, b2);
                w = qb.lanewise(LSHR, 4).selectFrom(u).reinterpretAsFloats();
                a2 = w.fma(x3, a2);
                b2 = w.fma(y3, b2);

                t = levels.mul(scratch[48 + lo]).sub(scratch[56 + lo]).reinterpretAsInts();
                u = levels.mul(scratch[48 + hi]).sub(scratch[56 + hi]).reinterpretAsInts();
                qa = (IntVector) ByteVector.fromMemorySegment(BYTES, data, r3 + qs, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                qb = (IntVector) ByteVector.fromMemorySegment(BYTES, data, r3 + qs + 16, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                w = qa.selectFrom(t).reinterpretAsFloats();
                a3 = w.fma(x0, a3);
                b3 = w.fma(y0, b3);
                w = qb.selectFrom(t).reinterpretAsFloats();
                a3 = w.fma(x1, a3);
                b3 = w.fma(y1, b3);
                w = qa.lanewise(LSHR, 4).selectFrom(u).reinterpretAsFloats();
                a3 = w.fma(x2, a3);
                b3 = w.fma(y2, b3);
                w = qb.lanewise(LSHR, 4).selectFrom(u).reinterpretAsFloats();
                a3 = w.fma(x3, a3);
                b3 = w.fma(y3, b3);
            }
        }
        // Row k's two accumulators at buffer[(4k + j) * LANES], j = 0, 1, as finishTile reads them.
        a0.intoArray(scratch, 0);
        b0.intoArray(scratch, LANES);
        a1.intoArray(scratch, 4 * LANES);
        b1.intoArray(scratch, 5 * LANES);
        a2.intoArray(scratch, 8 * LANES);
        b2.intoArray(scratch, 9 * LANES);
        a3.intoArray(scratch, 12 * LANES);
        b3.intoArray(scratch, 13 * LANES);
        PackedBytes.finishTile(scratch, 2, out, outOffset, outRowStep, outStride);
    }
}
