package dev.ponder.core.tensor;

import dev.ponder.core.gguf.GgmlType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * A matrix repacked for integer dot products with {@link QuantizedVectors}: groups of 32 rows side by side,
 * so that one 512-bit vector holds one weight of each of 32 rows and multiplies them by one activation (a
 * broadcast) in 16-bit integers. Each block's sum is exact in integers and is scaled once per block in
 * float, one float chain per (row, vector): the bits of a result depend neither on the batch nor on the
 * kernel that computes it, and each format's {@code referenceDot} computes them from the GGUF bytes.
 *
 * <p>Java's Vector API has no integer dot-product instruction; 16-bit multiply and add on 32 lanes measured
 * 1.8x the float FMA rate here (BENCHMARKS.md), and 4-bit weights need no conversion to float.
 */
public abstract sealed class IntegerWeights
        permits IntegerQ4_0, IntegerQ4_K, IntegerQ5_0, IntegerQ5_K, IntegerQ6_K, IntegerQ8_0 {
    /** Rows per group: the 16-bit lanes of one 512-bit vector. */
    static final int GROUP = 32;
    static final VectorSpecies<Short> SHORTS = ShortVector.SPECIES_512;
    static final VectorSpecies<Integer> INTS = IntVector.SPECIES_512;
    static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_512;
    /** 32 bytes: one run of one byte per row of a group. */
    static final VectorSpecies<Byte> BYTES = ByteVector.SPECIES_256;
    static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    final int rows;
    final int cols;

    private final Arena arena = Arena.ofAuto();

    /** Rows of {@code cols} weights in blocks of {@code block} ({@code format} names them in the error). */
    IntegerWeights(int rows, int cols, int block, String format) {
        if (cols % block != 0) {
            throw new IllegalArgumentException(format + " rows of " + cols + " elements are not whole blocks of " + block);
        }
        this.rows = rows;
        this.cols = cols;
    }

    /**
     * Zeroed memory off the heap for {@code bytesPerGroup} bytes of every group of rows. The rows that pad the last
     * group stay zero: zero scales, so they add nothing, and their outputs are never stored.
     */
    final MemorySegment allocate(long bytesPerGroup) {
        return arena.allocate(groups() * bytesPerGroup, 64);
    }

    /**
     * Whether this machine runs the kernels as vectors: they need 32 lanes of 16 bits (AVX-512). Elsewhere
     * the float kernels are used (the integer path would run the Vector API's slow fallback).
     */
    public static boolean supported() {
        return ShortVector.SPECIES_PREFERRED.vectorBitSize() >= 512;
    }

    /**
     * Q4_K's kernels are exact and fast in a harness (decode 2-3x the float kernels on QwQ-32B's FFN shape) but
     * not yet in the model: C1 gives up on the pair kernel ("out of virtual registers"), so it runs in the
     * interpreter until C2 compiles it (an interpreted warm-up many times slower than the float kernels, see
     * BENCHMARKS.md), and once compiled it was no faster than the float kernels on the benchmark's Q4_K mix.
     * Off unless {@code -Dponder.integer.q4_k=true} until both are solved.
     */
    static final boolean Q4_K_IN_MODELS = Boolean.getBoolean("ponder.integer.q4_k");

    /** Q5_0's integer path in models: on unless {@code -Dponder.integer.q5_0=false}. */
    static final boolean Q5_0_IN_MODELS = !"false".equalsIgnoreCase(System.getProperty("ponder.integer.q5_0", "true"));

    /** Q8_0's integer path in models: on unless {@code -Dponder.integer.q8_0=false}. */
    static final boolean Q8_0_IN_MODELS = !"false".equalsIgnoreCase(System.getProperty("ponder.integer.q8_0", "true"));

    /**
     * Q6_K's integer path in models: off unless {@code -Dponder.integer.q6_k=true}. Ahead of the float kernels for one
     * to four vectors in a harness, even at 16 and for prompts, and not yet measured in a model ({@code bench} writes
     * no Q6_K file); see BENCHMARKS.md.
     */
    static final boolean Q6_K_IN_MODELS = Boolean.getBoolean("ponder.integer.q6_k");

    /**
     * Q5_K's integer path in models: off unless {@code -Dponder.integer.q5_k=true} (one- and four-vector kernels, no
     * panels; not yet measured in a model, see BENCHMARKS.md).
     */
    static final boolean Q5_K_IN_MODELS = Boolean.getBoolean("ponder.integer.q5_k");

    /** Whether matrices of {@code type} take the integer path (then {@link #of} repacks them). */
    public static boolean hasIntegerPath(GgmlType type) {
        return type == GgmlType.Q4_0 || type == GgmlType.Q5_0 && Q5_0_IN_MODELS || type == GgmlType.Q4_K && Q4_K_IN_MODELS
                || type == GgmlType.Q8_0 && Q8_0_IN_MODELS || type == GgmlType.Q6_K && Q6_K_IN_MODELS
                || type == GgmlType.Q5_K && Q5_K_IN_MODELS;
    }

    /**
     * Repacks {@code rows} rows of {@code cols} weights of {@code type} (Q4_0, Q4_K, Q5_0, Q5_K, Q6_K or Q8_0, GGUF layout)
     * off the heap.
     */
    public static IntegerWeights of(GgmlType type, MemorySegment data, int rows, int cols) {
        return switch (type) {
            case Q4_0 -> new IntegerQ4_0(data, rows, cols);
            case Q4_K -> new IntegerQ4_K(data, rows, cols);
            case Q5_0 -> new IntegerQ5_0(data, rows, cols);
            case Q8_0 -> new IntegerQ8_0(data, rows, cols);
            case Q6_K -> new IntegerQ6_K(data, rows, cols);
            case Q5_K -> new IntegerQ5_K(data, rows, cols);
            default -> throw new IllegalArgumentException(type + " has no integer path");
        };
    }

    /**
     * The scalar reference: row {@code row} of the GGUF bytes times vector {@code v} of {@code x}, computed one
     * element at a time by the format's rule.
     */
    public static float referenceDot(GgmlType type, MemorySegment data, long rowOffset, int cols, QuantizedVectors x,
                                     int v) {
        return switch (type) {
            case Q4_0 -> IntegerQ4_0.referenceDot(data, rowOffset, cols, x, v);
            case Q4_K -> IntegerQ4_K.referenceDot(data, rowOffset, cols, x, v);
            case Q5_0 -> IntegerQ5_0.referenceDot(data, rowOffset, cols, x, v);
            case Q8_0 -> IntegerQ8_0.referenceDot(data, rowOffset, cols, x, v);
            case Q6_K -> IntegerQ6_K.referenceDot(data, rowOffset, cols, x, v);
            case Q5_K -> IntegerQ5_K.referenceDot(data, rowOffset, cols, x, v);
            default -> throw new IllegalArgumentException(type + " has no integer path");
        };
    }

    /** Runs {@code repack} for every group of rows, groups in parallel (a model's matrices load faster). */
    final void repackGroups(IntConsumer repack) {
        IntStream.range(0, groups()).parallel().forEach(repack);
    }

    /**
     * What a format's repacking does with one GGUF block of one row: {@code r} is the row's place in its group,
     * {@code groupBlock} the block's index in the repacked layout ({@code group * blocks + b}), {@code source} the
     * GGUF block's offset in the file's data.
     */
    @FunctionalInterface
    interface BlockRepack {
        void repack(int r, long groupBlock, long source);
    }

    /**
     * Repacks every group (groups in parallel): {@code repack} for each row of the group and each of its
     * {@code blocks} GGUF blocks of {@code ggufBlockBytes}. The rows that pad the last group are left zero.
     */
    final void repackBlocks(int blocks, int ggufBlockBytes, BlockRepack repack) {
        long rowBytes = (long) blocks * ggufBlockBytes;
        repackGroups(group -> {
            for (int r = 0; r < GROUP && group * GROUP + r < rows; r++) {
                long row = (long) group * GROUP + r;
                for (int b = 0; b < blocks; b++) {
                    repack.repack(r, (long) group * blocks + b, row * rowBytes + (long) b * ggufBlockBytes);
                }
            }
        });
    }

    /** Copies the float16 scale at the start of a GGUF block into the repacked scales, as a float. */
    static void copyScale(MemorySegment data, long source, MemorySegment scales, int r, long groupBlock) {
        scales.set(LE_FLOAT, (groupBlock * GROUP + r) * Float.BYTES, Float.float16ToFloat(data.get(LE_SHORT, source)));
    }

    public final int groups() {
        return (rows + GROUP - 1) / GROUP;
    }

    /**
     * Groups {@code [fromGroup, toGroup)} of rows with every vector of {@code x}: the result for row r and
     * vector v goes to {@code y[yOffset + v * yStride + r]}. Four vectors at a time share each unpacked run of
     * weights; the rest go one at a time.
     */
    public final void multiply(QuantizedVectors x, float[] y, int yStride, int yOffset, int fromGroup, int toGroup) {
        int batch = x.count();
        for (int g = fromGroup; g < toGroup; g++) {
            int v = 0;
            if (x.panels() > 0 && hasPanelKernel()) {
                multiplyPanels(g, x, y, yStride, yOffset);
                v = x.panels() * QuantizedVectors.PANEL;
            }
            for (; v + 4 <= batch; v += 4) {
                dot4(g, x, v, y, yStride, yOffset);
            }
            for (; v < batch; v++) {
                dot1(g, x, v, y, yOffset + v * yStride);
            }
        }
    }

    /** The switch of the panel kernels: {@code -Dponder.integer.panels=false} leaves prompts to the four-vector kernel. */
    static final boolean PANELS = !"false".equalsIgnoreCase(System.getProperty("ponder.integer.panels", "true"));

    /**
     * Whether this format has a kernel for panels of vectors (prompts: the vectors in the lanes, the weights
     * broadcast); {@link Matrix} then quantizes the vectors with their panel layout.
     */
    boolean hasPanelKernel() {
        return false;
    }

    /**
     * Per thread, a panel kernel's results for one group and one panel ({@code 32 * 64} floats), reused: every entry
     * that is read back was written for the same panel.
     */
    static final ThreadLocal<float[]> PANEL_OUT = ThreadLocal.withInitial(() -> new float[GROUP * QuantizedVectors.PANEL]);

    /**
     * The lane of row r (0..31) of a group in the byte runs of the formats whose kernels widen 16-bit sums by shifts
     * (Q8_0, Q6_K): rows 0-15 in the even lanes, rows 16-31 in the odd ones, so that the low halves of a run's 32-bit
     * lanes are rows 0-15 in order and the high halves rows 16-31 (a shift is cheaper than the Vector API's
     * conversion, which takes a shuffle, and the rows stay in order).
     */
    static int laneOfRow(int r) {
        return r < 16 ? 2 * r : 2 * (r - 16) + 1;
    }

    /** The row of a group held in lane l of the runs (the inverse of {@link #laneOfRow}). */
    static int rowOfLane(int l) {
        return l % 2 == 0 ? l / 2 : 16 + l / 2;
    }

    /** One byte-run format's panel kernel for two lanes of a group: see {@link #multiplyLanePairs}. */
    @FunctionalInterface
    interface LanePairKernel {
        /** Lanes l0 and l0 + 1 of group g with panel p, lane l0 + r's results for panel lane i to out[at + r * 64 + i]. */
        void panel2(short[] w, int g, int l0, QuantizedVectors x, int p, float[] out, int at);
    }

    /**
     * The panels of a format whose group weights are byte runs in {@link #laneOfRow} order (Q8_0, Q6_K): the group's
     * weights as 16-bit integers ({@link #unpackByteRuns}), then for each panel every pair of lanes whose first row is
     * in the group (lanes l and l + 1 hold rows l / 2 and 16 + l / 2), and the results out of the lanes: each
     * vector's results for the group's rows are adjacent in y, so they are written in a run.
     */
    final void multiplyLanePairs(MemorySegment runs, int blocks, int g, QuantizedVectors x, float[] y, int yStride,
                                 int yOffset, LanePairKernel kernel) {
        short[] w = unpackByteRuns(runs, blocks, g);
        int panel = QuantizedVectors.PANEL;
        float[] out = PANEL_OUT.get();
        int groupRows = Math.min(GROUP, rows - g * GROUP);
        for (int p = 0; p < x.panels(); p++) {
            for (int l = 0; l < Math.min(GROUP, 2 * groupRows); l += 2) {
                kernel.panel2(w, g, l, x, p, out, l * panel);
            }
            for (int i = 0; i < panel; i++) {
                int at = yOffset + (p * panel + i) * yStride + g * GROUP;
                int lane = i / 32 * 32 + QuantizedVectors.pairedLane(i % 32);
                for (int r = 0; r < groupRows; r++) {
                    y[at + r] = out[laneOfRow(r) * panel + lane];
                }
            }
        }
    }

    /** Bytes of one group and block of 32 weights in byte runs: 32 runs of 32 bytes. */
    static final int RUN_BLOCK_BYTES = GROUP * 32;

    /**
     * Writes weight k (0..31) of block {@code groupBlock} (group * blocks + block) of the group's row r into byte runs
     * (Q8_0, Q5_K, Q6_K): run k of the block, at the row's lane ({@link #laneOfRow}).
     */
    static void setRunByte(MemorySegment runs, long groupBlock, int k, int r, int value) {
        runs.set(ValueLayout.JAVA_BYTE, groupBlock * RUN_BLOCK_BYTES + (long) k * GROUP + laneOfRow(r),
                (byte) value);
    }

    /** Group weights unpacked for the panel kernels, one buffer per thread. */
    private static final ThreadLocal<short[]> UNPACKED_RUNS = ThreadLocal.withInitial(() -> new short[0]);

    /**
     * Group g's weights from byte runs (per block of 32, 32 runs of 32 bytes, run k holding weight k of each lane) as
     * 16-bit integers, weight k of lane l at {@code [k * 32 + l]}, in a buffer of the calling thread.
     */
    final short[] unpackByteRuns(MemorySegment runs, int blocks, int g) {
        short[] w = UNPACKED_RUNS.get();
        if (w.length < cols * GROUP) {
            w = new short[cols * GROUP];
            UNPACKED_RUNS.set(w);
        }
        for (int b = 0; b < blocks; b++) {
            long at = ((long) g * blocks + b) * RUN_BLOCK_BYTES;
            for (int k = 0; k < 32; k++) {
                ((ShortVector) ByteVector.fromMemorySegment(BYTES, runs, at + (long) k * GROUP, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.B2S, SHORTS, 0)).intoArray(w, (b * 32 + k) * GROUP);
            }
        }
        return w;
    }

    /** Group {@code g} of rows with the whole panels of {@code x} (only where {@link #hasPanelKernel}). */
    void multiplyPanels(int g, QuantizedVectors x, float[] y, int yStride, int yOffset) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no panel kernel");
    }

    /** One group of rows with vector {@code v}: results to {@code y[yAt + 32 * g ..]}. */
    abstract void dot1(int g, QuantizedVectors x, int v, float[] y, int yAt);

    /** One group of rows with vectors {@code v .. v + 3}, each run of weights unpacked once for the four. */
    abstract void dot4(int g, QuantizedVectors x, int v, float[] y, int yStride, int yOffset);
}
