package dev.ponder.core.tensor;

import dev.ponder.core.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.function.DoubleSupplier;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/** IEEE 754 half precision, little-endian, one element per block. */
public final class F16Format extends BlockFormat {
    private static final int LANES = VectorMath.LANES;
    private static final VectorSpecies<Integer> INTS = PackedBytes.INTS;
    /** LANES halves, which widen lane for lane to an int vector of the float shape. */
    static final VectorSpecies<Short> SHORTS = VectorSpecies.of(short.class, VectorShape.forBitSize(LANES * 16));
    /** Moves a half's exponent field from its bias 15 to float's bias 127: 2^(127-15). */
    private static final float REBIAS = 0x1p112f;

    @Override
    public GgmlType type() {
        return GgmlType.F16;
    }

    @Override
    public void writeFloatFields(byte[] blocks, int blockOffset, DoubleSupplier values) {
        FloatFields.putHalf(blocks, blockOffset, values.getAsDouble());
    }

    @Override
    public void dequantizeReference(MemorySegment data, long byteOffset, float[] out, int outOffset, int count) {
        for (int i = 0; i < count; i++) {
            out[outOffset + i] = f16(data, byteOffset + 2L * i);
        }
    }

    /**
     * The conversion done with integer lanes: the half's exponent and mantissa shifted into float's
     * places and rescaled by 2^112 (exact for normals and subnormals alike), infinities and NaNs
     * given float's all-ones exponent, and the sign put back. Exact, so equal to the reference.
     */
    @Override
    public void dequantize(MemorySegment data, long byteOffset, float[] out, int outOffset, int count) {
        int i = 0;
        for (; i + LANES <= count; i += LANES) {
            IntVector h = (IntVector) ShortVector
                    .fromMemorySegment(SHORTS, data, byteOffset + 2L * i, ByteOrder.LITTLE_ENDIAN)
                    .convertShape(VectorOperators.S2I, INTS, 0);
            IntVector magnitude = h.and(0x7FFF);
            IntVector shifted = magnitude.lanewise(VectorOperators.LSHL, 13);
            IntVector finite = shifted.reinterpretAsFloats().mul(REBIAS).reinterpretAsInts();
            VectorMask<Integer> special = magnitude.compare(VectorOperators.GE, 0x7C00);
            IntVector bits = finite.blend(shifted.or(0x7F800000), special)
                    .or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16));
            bits.reinterpretAsFloats().intoArray(out, outOffset + i);
        }
        for (; i < count; i++) {
            out[outOffset + i] = f16(data, byteOffset + 2L * i);
        }
    }
}
