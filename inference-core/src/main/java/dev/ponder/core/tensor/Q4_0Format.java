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
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;

/**
 * Q4_0: blocks of 32 weights: a float16 scale {@code d}, then 16 bytes of 4-bit quants. Byte j holds
 * element j in its low nibble and element j + 16 in its high nibble; weight = {@code d * (q - 8)}.
 * 18 bytes per block.
 */
public final class Q4_0Format extends BlockFormat {
    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 18;
    private static final int QS = 2;

    @Override
    public GgmlType type() {
        return GgmlType.Q4_0;
    }

    @Override
    public void dequantizeReference(MemorySegment data, long byteOffset, float[] out, int outOffset, int count) {
        for (int block = 0; block < count / BLOCK; block++) {
            long base = byteOffset + (long) block * BLOCK_BYTES;
            int o = outOffset + block * BLOCK;
            float d = f16(data, base);
            for (int j = 0; j < 16; j++) {
                int b = u8(data, base + QS + j);
                out[o + j] = d * ((b & 0x0F) - 8);
                out[o + j + 16] = d * ((b >> 4) - 8);
            }
        }
    }

    @Override
    public void dequantize(MemorySegment data, long byteOffset, float[] out, int outOffset, int count) {
        if (!PackedBytes.VECTOR) {
            dequantizeReference(data, byteOffset, out, outOffset, count);
            return;
        }
        for (int block = 0; block < count / BLOCK; block++) {
            long base = byteOffset + (long) block * BLOCK_BYTES;
            int o = outOffset + block * BLOCK;
            float d = Float.float16ToFloat(data.get(LE_SHORT, base));
            for (int j = 0; j < 16; j += LANES) {
                IntVector q = (IntVector) ByteVector.fromMemorySegment(BYTES, data, base + QS + j, LITTLE_ENDIAN)
                        .convertShape(B2I, INTS, 0);
                ((FloatVector) q.and(0x0F).sub(8).convert(I2F, 0)).mul(d).intoArray(out, o + j);
                ((FloatVector) q.lanewise(LSHR, 4).and(0x0F).sub(8).convert(I2F, 0)).mul(d).intoArray(out, o + 16 + j);
            }
        }
    }

    /** Fused decode kernel: weights as in {@link #dequantize}, chunk c into accumulator c % 4. */
    @Override
    protected float dotSingle(MemorySegment data, long rowOffset, int cols, float[] x, int xOffset, float[] scratch) {
        if (LANES != 16) {
            return super.dotSingle(data, rowOffset, cols, x, xOffset, scratch);
        }
        // With 16 lanes a block is two chunks (low nibbles, high nibbles); two blocks fill the four accumulators.
        FloatVector a0 = FloatVector.zero(VectorMath.F), a1 = a0, a2 = a0, a3 = a0;
        int blocks = cols / BLOCK;
        int block = 0;
        for (; block + 2 <= blocks; block += 2) {
            long base = rowOffset + (long) block * BLOCK_BYTES;
            int xi = xOffset + block * BLOCK;
            float d0 = Float.float16ToFloat(data.get(LE_SHORT, base));
            float d1 = Float.float16ToFloat(data.get(LE_SHORT, base + BLOCK_BYTES));
            IntVector q0 = (IntVector) ByteVector.fromMemorySegment(BYTES, data, base + QS, LITTLE_ENDIAN)
                    .convertShape(B2I, INTS, 0);
            IntVector q1 = (IntVector) ByteVector.fromMemorySegment(BYTES, data, base + BLOCK_BYTES + QS, LITTLE_ENDIAN)
                    .convertShape(B2I, INTS, 0);
            a0 = ((FloatVector) q0.and(0x0F).sub(8).convert(I2F, 0)).mul(d0)
                    .fma(FloatVector.fromArray(VectorMath.F, x, xi), a0);
            a1 = ((FloatVector) q0.lanewise(LSHR, 4).and(0x0F).sub(8).convert(I2F, 0)).mul(d0)
                    .fma(FloatVector.fromArray(VectorMath.F, x, xi + 16), a1);
            a2 = ((FloatVector) q1.and(0x0F).sub(8).convert(I2F, 0)).mul(d1)
                    .fma(FloatVector.fromArray(VectorMath.F, x, xi + 32), a2);
            a3 = ((FloatVector) q1.lanewise(LSHR, 4).and(0x0F).sub(8).convert(I2F, 0)).mul(d1)
                    .fma(FloatVector.fromArray(VectorMath.F, x, xi + 48), a3);
        }
        if (block < blocks) {
            long base = rowOffset + (long) block * BLOCK_BYTES;
            int xi = xOffset + block * BLOCK;
            float d0 = Float.float16ToFloat(data.get(LE_SHORT, base));
            IntVector q0 = (IntVector) ByteVector.fromMemorySegment(BYTES, data, base + QS, LITTLE_ENDIAN)
                    .convertShape(B2I, INTS, 0);
            a0 = ((FloatVector) q0.and(0x0F).sub(8).convert(I2F, 0)).mul(d0)
                    .fma(FloatVector.fromArray(VectorMath.F, x, xi), a0);
            a1 = ((FloatVector) q0.lanewise(LSHR, 4).and(0x0F).sub(8).convert(I2F, 0)).mul(d0)
                    .fma(FloatVector.fromArray(VectorMath.F, x, xi + 16), a1);
        }
        float[] buffer = PackedBytes.accumulatorBuffer(scratch);
        a0.intoArray(buffer, 0);
        a1.intoArray(buffer, LANES);
        a2.intoArray(buffer, 2 * LANES);
        a3.intoArray(buffer, 3 * LANES);
        return PackedBytes.finish(buffer);
    }
}
