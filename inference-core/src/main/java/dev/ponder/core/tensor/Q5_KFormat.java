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
import java.util.function.DoubleSupplier;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;

/**
 * Q5_K: super-blocks of 256 weights in 8 sub-blocks of 32. Layout: float16 {@code d}, float16
 * {@code dmin}, 12 bytes of 6-bit scales and mins packed as in Q4_K, 32 bytes {@code qh} of fifth bits
 * (bit s of qh[l] belongs to element l of sub-block s), then 128 bytes of low 4-bit parts arranged as
 * in Q4_K. Weight = {@code (d*sc) * q - (dmin*m)}. 176 bytes per super-block.
 */
public final class Q5_KFormat extends BlockFormat {
    static final int BLOCK = 256;
    static final int BLOCK_BYTES = 176;
    private static final int QH = 16;
    private static final int QS = 48;

    @Override
    public GgmlType type() {
        return GgmlType.Q5_K;
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
                    int fifth = (u8(data, base + QH + l) >> sub) & 1;
                    int q = (sub % 2 == 0 ? b & 0x0F : b >> 4) | (fifth << 4);
                    out[o + l] = scale * q - min;
                }
            }
        }
    }

    @Override
    public void dequantize(MemorySegment data, long byteOffset, float[] out, int outOffset, int count) {
        if (!PackedBytes.VECTOR) {
            dequantizeReference(data, byteOffset, out, outOffset, count);
            return;
        }
        float[] sm = new float[KQuantScales.FLOATS];
        for (int block = 0; block < count / BLOCK; block++) {
            long base = byteOffset + (long) block * BLOCK_BYTES;
            KQuantScales.unpack(data, base, sm);
            for (int pair = 0; pair < 4; pair++) {
                float scaleLo = sm[2 * pair], scaleHi = sm[2 * pair + 1];
                float minLo = sm[8 + 2 * pair], minHi = sm[9 + 2 * pair];
                long qs = base + QS + 32L * pair;
                int o = outOffset + block * BLOCK + 64 * pair;
                for (int l = 0; l < 32; l += LANES) {
                    IntVector q = (IntVector) PackedBytes.loadBytes(data, qs + l)
                            .convertShape(B2I, INTS, 0);
                    IntVector top = (IntVector) PackedBytes.loadBytes(data, base + QH + l)
                            .convertShape(B2I, INTS, 0);
                    IntVector lo = q.and(0x0F).or(top.lanewise(LSHR, 2 * pair).and(1).lanewise(LSHL, 4));
                    IntVector hi = q.lanewise(LSHR, 4).and(0x0F)
                            .or(top.lanewise(LSHR, 2 * pair + 1).and(1).lanewise(LSHL, 4));
                    ((FloatVector) lo.convert(I2F, 0)).mul(scaleLo).sub(minLo).intoArray(out, o + l);
                    ((FloatVector) hi.convert(I2F, 0)).mul(scaleHi).sub(minHi).intoArray(out, o + 32 + l);
                }
            }
        }
    }

    /** Fused decode kernel: weights as in {@link #dequantize}, accumulated in the canonical order. */
    @Override
    protected float dotSingle(MemorySegment data, long rowOffset, int cols, float[] x, int xOffset, float[] scratch) {
        if (LANES != 16 || scratch.length < KQuantScales.FLOATS) {
            return super.dotSingle(data, rowOffset, cols, x, xOffset, scratch);
        }
        // As Q4_K: a pair of sub-blocks is four 16-lane chunks, in index order.
        float[] sm = scratch; // the scales and mins of the super-block (the accumulator goes there at the end)
        FloatVector a0 = FloatVector.zero(VectorMath.F);
        for (int block = 0; block < cols / BLOCK; block++) {
            long base = rowOffset + (long) block * BLOCK_BYTES;
            IntVector top0 = (IntVector) ByteVector.fromMemorySegment(BYTES, data, base + QH, LITTLE_ENDIAN)
                    .convertShape(B2I, INTS, 0);
            IntVector top1 = (IntVector) ByteVector.fromMemorySegment(BYTES, data, base + QH + 16, LITTLE_ENDIAN)
                    .convertShape(B2I, INTS, 0);
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
                IntVector lo0 = q0.and(0x0F).or(top0.lanewise(LSHR, 2 * pair).and(1).lanewise(LSHL, 4));
                IntVector lo1 = q1.and(0x0F).or(top1.lanewise(LSHR, 2 * pair).and(1).lanewise(LSHL, 4));
                IntVector hi0 = q0.lanewise(LSHR, 4).and(0x0F)
                        .or(top0.lanewise(LSHR, 2 * pair + 1).and(1).lanewise(LSHL, 4));
                IntVector hi1 = q1.lanewise(LSHR, 4).and(0x0F)
                        .or(top1.lanewise(LSHR, 2 * pair + 1).and(1).lanewise(LSHL, 4));
                a0 = ((FloatVector) lo0.convert(I2F, 0)).mul(scaleLo).sub(minLo)
                        .fma(FloatVector.fromArray(VectorMath.F, x, xi), a0);
                a0 = ((FloatVector) lo1.convert(I2F, 0)).mul(scaleLo).sub(minLo)
                        .fma(FloatVector.fromArray(VectorMath.F, x, xi + 16), a0);
                a0 = ((FloatVector) hi0.convert(I2F, 0)).mul(scaleHi).sub(minHi)
                        .fma(FloatVector.fromArray(VectorMath.F, x, xi + 32), a0);
                a0 = ((FloatVector) hi1.convert(I2F, 0)).mul(scaleHi).sub(minHi)
                        .fma(FloatVector.fromArray(VectorMath.F, x, xi + 48), a0);
            }
        }
        float[] buffer = PackedBytes.accumulatorBuffer(scratch);
        a0.intoArray(buffer, 0);
        return VectorMath.sumStored(buffer, 0);
    }
}
