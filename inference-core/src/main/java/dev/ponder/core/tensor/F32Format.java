package dev.ponder.core.tensor;

import dev.ponder.core.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.function.DoubleSupplier;
import jdk.incubator.vector.FloatVector;

/** Plain little-endian float32. */
public final class F32Format extends BlockFormat {
    @Override
    public GgmlType type() {
        return GgmlType.F32;
    }

    @Override
    public void writeFloatFields(byte[] blocks, int blockOffset, DoubleSupplier values) {
        FloatFields.putFloat(blocks, blockOffset, values.getAsDouble());
    }

    @Override
    public void dequantizeReference(MemorySegment data, long byteOffset, float[] out, int outOffset, int count) {
        for (int i = 0; i < count; i++) {
            out[outOffset + i] = data.get(LE_FLOAT, byteOffset + 4L * i);
        }
    }

    @Override
    public void dequantize(MemorySegment data, long byteOffset, float[] out, int outOffset, int count) {
        int i = 0;
        for (; i + VectorMath.LANES <= count; i += VectorMath.LANES) {
            FloatVector.fromMemorySegment(VectorMath.F, data, byteOffset + 4L * i, ByteOrder.LITTLE_ENDIAN)
                    .intoArray(out, outOffset + i);
        }
        for (; i < count; i++) {
            out[outOffset + i] = data.get(LE_FLOAT, byteOffset + 4L * i);
        }
    }
}
