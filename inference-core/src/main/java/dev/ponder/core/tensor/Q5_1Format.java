package dev.ponder.core.tensor;

import static dev.ponder.core.tensor.PackedBytes.BYTES;
import static dev.ponder.core.tensor.PackedBytes.INTS;
import static dev.ponder.core.tensor.PackedBytes.LANES;
import static java.nio.ByteOrder.LITTLE_ENDIAN;
import static jdk.incubator.vector.VectorOperators.B2I;
import static jdk.incubator.vector.VectorOperators.I2F;
import static jdk.incubator.vector.VectorOperators.LSHR;
import static jdk.incubator.vector.VectorOperators.OR;

import dev.ponder.core.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import java.util.function.DoubleSupplier;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;

/**
 * Q5_1: blocks of 32 weights: float16 scale {@code d}, float16 offset {@code m}, the 32 fifth bits as
 * a little-endian word {@code qh} (bit i for element i), then 16 bytes of low 4-bit parts (low nibbles
 * elements 0..15, high nibbles 16..31); weight = {@code d * q + m}. 24 bytes per block.
 */
public final class Q5_1Format extends BlockFormat {
    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 24;
    private static final int QH = 4;
    private static final int QS = 8;

    @Override
    public GgmlType type() {
        return GgmlType.Q5_1;
    }

    @Override
    public void writeFloatFields(byte[] blocks, int blockOffset, DoubleSupplier values) {
        FloatFields.putHalves(blocks, blockOffset, values, 2); // d, m
    }

    @Override
    public void dequantizeReference(MemorySegment data, long byteOffset, float[] out, int outOffset, int count) {
        for (int block = 0; block < count / BLOCK; block++) {
            long base = byteOffset + (long) block * BLOCK_BYTES;
            int o = outOffset + block * BLOCK;
            float d = f16(data, base);
            float m = f16(data, base + 2);
            int qh = data.get(LE_INT, base + QH);
            for (int j = 0; j < 16; j++) {
                int b = u8(data, base + QS + j);
                int q0 = (b & 0x0F) | (((qh >>> j) & 1) << 4);
                int q1 = (b >> 4) | (((qh >>> (j + 16)) & 1) << 4);
                out[o + j] = d * q0 + m;
                out[o + j + 16] = d * q1 + m;
            }
        }
    }

    /** As Q5_0 (fifth bits as lane masks), then multiply and add as two roundings like the reference. */
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
            float m = Float.float16ToFloat(data.get(LE_SHORT, base + 2));
            long qh = Integer.toUnsignedLong(data.get(LE_INT, base + QH));
            for (int j = 0; j < 16; j += LANES) {
                IntVector q = (IntVector) PackedBytes.loadBytes(data, base + QS + j)
                        .convertShape(B2I, INTS, 0);
                VectorMask<Integer> lowFifth = VectorMask.fromLong(INTS, (qh >>> j) & Q5_0Format.LANE_BITS);
                VectorMask<Integer> highFifth = VectorMask.fromLong(INTS, (qh >>> (16 + j)) & Q5_0Format.LANE_BITS);
                ((FloatVector) q.and(0x0F).lanewise(OR, 16, lowFifth).convert(I2F, 0)).mul(d).add(m)
                        .intoArray(out, o + j);
                ((FloatVector) q.lanewise(LSHR, 4).and(0x0F).lanewise(OR, 16, highFifth).convert(I2F, 0)).mul(d).add(m)
                        .intoArray(out, o + 16 + j);
            }
        }
    }
}
