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

/**
 * Q4_1: blocks of 32 weights: float16 scale {@code d}, float16 offset {@code m}, then 16 bytes of
 * 4-bit quants (low nibbles elements 0..15, high nibbles 16..31); weight = {@code d * q + m}.
 * 20 bytes per block.
 */
public final class Q4_1Format extends BlockFormat {
    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 20;
    private static final int QS = 4;

    @Override
    public GgmlType type() {
        return GgmlType.Q4_1;
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
            for (int j = 0; j < 16; j++) {
                int b = u8(data, base + QS + j);
                out[o + j] = d * (b & 0x0F) + m;
                out[o + j + 16] = d * (b >> 4) + m;
            }
        }
    }

    /** Multiply then add, two roundings like the reference (Java never fuses them into an FMA). */
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
            for (int j = 0; j < 16; j += LANES) {
                IntVector q = (IntVector) PackedBytes.loadBytes(data, base + QS + j)
                        .convertShape(B2I, INTS, 0);
                ((FloatVector) q.and(0x0F).convert(I2F, 0)).mul(d).add(m).intoArray(out, o + j);
                ((FloatVector) q.lanewise(LSHR, 4).and(0x0F).convert(I2F, 0)).mul(d).add(m).intoArray(out, o + 16 + j);
            }
        }
    }
}
