package dev.ponder.core.tensor;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Shapes shared by the packed-integer formats. Their kernels load one float vector's worth of quant
 * bytes (LANES bytes), widen them once to int lanes, isolate nibbles and bit fields there with native
 * int shifts and masks (x86 has no byte shifts), and convert to float: each weight is then one exact
 * int-to-float conversion followed by the same scalar float operations as the reference. The 4- and 5-bit
 * formats (Q4_0, Q5_0, Q4_K) instead compute a block's few possible weights once, with the reference's
 * own operations, as a 16-lane table (two for 5 bits), and pick each lane's weight with a permute.
 *
 * <p>Why the kernels spell out every vector operation and keep method calls out of their loops: once
 * C2's inlining budget (NodeCountInliningCutoff) is spent, a helper becomes a real call; vectors passed
 * to or returned from it are boxed, and the vectors live across it are spilled to the stack. Either
 * made a kernel two to three times slower here. The Vector API's own methods are force-inlined and
 * not subject to that cutoff.
 */
final class PackedBytes {
    static final int LANES = VectorMath.LANES;
    /**
     * The vector kernels need a float vector of 4, 8 or 16 lanes (a byte load widens to it: 128-bit vectors as
     * on NEON, 256-bit as on AVX2, 512-bit); on other shapes the formats fall back to their scalar reference.
     * The fused kernels take 16 lanes; the dequantizers take any of the three.
     */
    static final boolean VECTOR = LANES == 4 || LANES == 8 || LANES == 16;
    /** LANES bytes, except with 4 lanes: the narrowest byte vector holds 8 (see {@link #loadBytes}). */
    static final VectorSpecies<Byte> BYTES = LANES == 16 ? ByteVector.SPECIES_128 : ByteVector.SPECIES_64;
    /** The lanes of {@link #BYTES} a load of LANES bytes reads. */
    private static final VectorMask<Byte> FIRST_LANES = BYTES.indexInRange(0, LANES);
    @SuppressWarnings("unchecked")
    static final VectorSpecies<Integer> INTS = (VectorSpecies<Integer>) VectorMath.F.withLanes(int.class);

    private PackedBytes() {
    }

    /**
     * LANES quant bytes at {@code offset} (in the first LANES lanes of a {@link #BYTES} vector), for the
     * dequantizers' loops, whose bodies are small enough for C2 to inline this. With 4 lanes the load takes 8
     * bytes, and is masked to the 4 it needs only where 8 would read past the end of the data (masked byte loads
     * are slow where the hardware has none, as on NEON and AVX2).
     */
    static ByteVector loadBytes(MemorySegment data, long offset) {
        if (LANES == 4 && offset > data.byteSize() - BYTES.vectorByteSize()) {
            return ByteVector.fromMemorySegment(BYTES, data, offset, ByteOrder.LITTLE_ENDIAN, FIRST_LANES);
        }
        return ByteVector.fromMemorySegment(BYTES, data, offset, ByteOrder.LITTLE_ENDIAN);
    }

    /*
     * Finishing a fused kernel: it stores its accumulators into a buffer (accumulatorBuffer) and the lane
     * sums are taken from there. Why not VectorMath.sumLanes(a0) directly: a fused kernel is a large
     * method, and if that call is not inlined the vectors passed to it are boxed, which measured 2.7 times
     * slower for Q4_K. Arrays cross a call boundary for free.
     */

    /** The kernel's scratch when it can hold four vectors, else a new buffer (rows shorter than 4 * LANES). */
    static float[] accumulatorBuffer(float[] scratch) {
        return scratch.length >= 4 * LANES ? scratch : new float[4 * LANES];
    }

    /** The lane sums of the four accumulators in {@code buffer} to {@code out[outOffset + k * outRowStep]}. */
    static void finish4(float[] buffer, float[] out, int outOffset, int outRowStep) {
        for (int k = 0; k < 4; k++) {
            out[outOffset + k * outRowStep] = VectorMath.sumStored(buffer, k * LANES);
        }
    }

    /**
     * The lane sums of a fused kernel's tile of four rows and {@code vectors} vectors (up to four), stored at
     * {@code buffer[(4 * k + j) * LANES]} (row k, vector j), to {@code out[outOffset + k * outRowStep + j * outStride]}.
     */
    static void finishTile(float[] buffer, int vectors, float[] out, int outOffset, int outRowStep, int outStride) {
        for (int k = 0; k < 4; k++) {
            for (int j = 0; j < vectors; j++) {
                out[outOffset + k * outRowStep + j * outStride] = VectorMath.sumStored(buffer, (4 * k + j) * LANES);
            }
        }
    }
}
