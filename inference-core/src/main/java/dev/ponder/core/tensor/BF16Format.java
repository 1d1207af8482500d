package dev.ponder.core.tensor;

import dev.ponder.core.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.function.DoubleSupplier;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/** bfloat16: the upper 16 bits of a float32, little-endian, one element per block. */
public final class BF16Format extends BlockFormat {
    private static final int LANES = VectorMath.LANES;

    @Override
    public GgmlType type() {
        return GgmlType.BF16;
    }

    @Override
    public void writeFloatFields(byte[] blocks, int blockOffset, DoubleSupplier values) {
        FloatFields.putBFloat16(blocks, blockOffset, values.getAsDouble());
    }

    @Override
    public void dequantizeReference(MemorySegment data, long byteOffset, float[] out, int outOffset, int count) {
        for (int i = 0; i < count; i++) {
            out[outOffset + i] = bf16(data, byteOffset + 2L * i);
        }
    }

    @Override
    public void dequantize(MemorySegment data, long byteOffset, float[] out, int outOffset, int count) {
        int i = 0;
        for (; i + LANES <= count; i += LANES) {
            // Shifting the sign-extended short left by 16 drops the extension bits: exactly the float's bits.
            ((IntVector) ShortVector.fromMemorySegment(
                    F16Format.SHORTS, data, byteOffset + 2L * i, ByteOrder.LITTLE_ENDIAN)
                    .convertShape(VectorOperators.S2I, PackedBytes.INTS, 0))
                    .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(out, outOffset + i);
        }
        for (; i < count; i++) {
            out[outOffset + i] = bf16(data, byteOffset + 2L * i);
        }
    }

    private static float bf16(MemorySegment data, long offset) {
        return Float.intBitsToFloat((data.get(LE_SHORT, offset) & 0xFFFF) << 16);
    }
}
