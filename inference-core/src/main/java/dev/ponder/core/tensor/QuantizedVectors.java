package dev.ponder.core.tensor;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Activation vectors quantized for the integer dot products: each block of {@value #BLOCK} elements becomes
 * integers {@code q} in [-127, 127] and one float scale {@code d} (as GGML's Q8_0 activations), so that
 * {@code x[i] ~ d * q[i]}; each block also keeps the sum of its {@code q}, which the 4-bit kernels use to
 * take the weights' offset out of the integer sum.
 *
 * <p>The rule: {@code d = max|x| / 127}, {@code q = rint(x * (1 / d))} (nearest integer, ties to even), and
 * {@code q = 0} for an all-zero block; the vector code and the scalar reference give the same bits. A block holding a NaN
 * or an infinity gets scale NaN, so that the products it enters are NaN, as the float kernels would give.
 */
public final class QuantizedVectors {
    public static final int BLOCK = 32;
    /**
     * Vectors per panel: the prompt kernels take the vectors in the lanes, two 32-lane vectors of 16-bit integers
     * (see {@link #panelQuants()}).
     */
    public static final int PANEL = 64;
    /** Below this many vectors the quantization runs on the calling thread (one vector takes about a microsecond). */
    private static final int PARALLEL_FROM = 8;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    private static final int LANES = FloatVector.SPECIES_PREFERRED.length();
    /** 1.5 * 2^23: added and subtracted, it rounds a float of magnitude below 2^22 to an integer, ties to even. */
    private static final float ROUNDING = 12582912f;

    /** Whether to use the scalar rule even where the vector code runs (the reference, for tests). */
    private final boolean scalar;
    private short[] quants = new short[0];
    private float[] scales = new float[0];
    private int[] sums = new int[0];
    private int cols;
    private int count;
    private int panels;
    private short[] panelQuants = new short[0];
    private float[] panelScales = new float[0];
    private float[] pairedPanelScales = new float[0];
    /** Per block of the panels' vectors, {@code 1 / d} (0 for an all-zero or non-finite block). */
    private float[] inverses = new float[0];
    /** Gather offsets of 16 vectors: {@code i * xStride}, then {@code i * blocks} for the inverses. */
    private final int[] vectorOffsets = new int[16];
    private final int[] blockOffsets = new int[16];

    public QuantizedVectors() {
        this(false);
    }

    /** With {@code scalar}, every block goes through the scalar reference of the rule. */
    QuantizedVectors(boolean scalar) {
        this.scalar = scalar;
    }

    /**
     * Vector {@code v}'s integers start at {@code quants()[v * cols()]}: every vector's without panels; with panels, those
     * of the vectors after the whole panels (the panels' integers are in {@link #panelQuants()}).
     */
    public short[] quants() {
        return quants;
    }

    /** Block {@code b} of vector {@code v} has scale {@code scales()[v * blocks() + b]}. */
    public float[] scales() {
        return scales;
    }

    /**
     * Block {@code b} of vector {@code v} has integer sum {@code sums()[v * blocks() + b]} (as {@link #quants()}: with
     * panels, only for the vectors after the whole panels; the panel kernels do not use the sums).
     */
    public int[] sums() {
        return sums;
    }

    public int cols() {
        return cols;
    }

    public int blocks() {
        return cols / BLOCK;
    }

    public int count() {
        return count;
    }

    /** Whole panels of {@value #PANEL} vectors laid out by {@link #panelQuants()}: 0 unless quantized with panels. */
    public int panels() {
        return panels;
    }

    /**
     * The integers of the first {@code panels() * PANEL} vectors transposed, panel by panel: element k of vector
     * {@code p * PANEL + i} is at {@code panelQuants()[(p * cols() + k) * PANEL + i]}, so that one load gives element
     * k of 32 vectors.
     */
    public short[] panelQuants() {
        return panelQuants;
    }

    /** The scales the same way: block b of vector {@code p * PANEL + i} at {@code panelScales()[(p * blocks() + b) * PANEL + i]}. */
    public float[] panelScales() {
        return panelScales;
    }

    /**
     * The scales again, each half panel's even vectors first: block b of vector {@code p * PANEL + 32 * h + j} at
     * {@code pairedPanelScales()[(p * blocks() + b) * PANEL + 32 * h + pairedLane(j)]}, the order in which a kernel
     * that reads two adjacent 16-bit lanes as one 32-bit lane holds the vectors (see {@link #pairedLane}).
     */
    public float[] pairedPanelScales() {
        return pairedPanelScales;
    }

    /**
     * Where vector j (0..31) of a half panel lands when its 32 16-bit lanes are read as 16 32-bit lanes split into their
     * low halves (the even vectors, lanes 0-15) and high halves (the odd vectors, lanes 16-31).
     */
    public static int pairedLane(int j) {
        return (j % 2) * 16 + j / 2;
    }

    /**
     * Quantizes {@code batch} vectors of {@code cols} elements, vector b starting at {@code x[b * xStride]},
     * reusing this object's arrays when they are large enough; on the pool when there are many vectors
     * ({@code parallel} may be null: then on the calling thread).
     */
    public QuantizedVectors quantize(float[] x, int xStride, int batch, int cols, Parallel parallel) {
        return quantize(x, xStride, batch, cols, parallel, false);
    }

    /** As above; with {@code withPanels}, also the panel layout of the whole panels among the vectors. */
    public QuantizedVectors quantize(float[] x, int xStride, int batch, int cols, Parallel parallel, boolean withPanels) {
        if (cols % BLOCK != 0) {
            throw new IllegalArgumentException("vectors of " + cols + " elements are not whole blocks of " + BLOCK);
        }
        this.cols = cols;
        this.count = batch;
        int blocks = cols / BLOCK;
        if (quants.length < batch * cols) {
            quants = new short[batch * cols];
        }
        if (scales.length < batch * blocks) {
            scales = new float[batch * blocks];
            sums = new int[batch * blocks];
        }
        this.panels = withPanels ? batch / PANEL : 0;
        if (panelQuants.length < panels * PANEL * cols) {
            panelQuants = new short[panels * PANEL * cols];
            panelScales = new float[panels * PANEL * blocks];
            pairedPanelScales = new float[panels * PANEL * blocks];
        }
        if (inverses.length < panels * PANEL * blocks) {
            inverses = new float[panels * PANEL * blocks];
        }
        if (parallel == null || batch < PARALLEL_FROM || parallel.threads() == 1) {
            quantizeVectors(x, xStride, 0, batch);
        } else {
            parallel.forRange(batch, 1, (start, end, worker) -> quantizeVectors(x, xStride, start, end));
        }
        if (panels > 0 && gathersPanels()) {
            for (int i = 0; i < 16; i++) {
                vectorOffsets[i] = i * xStride;
                blockOffsets[i] = i * blocks;
            }
            int groups = panels * PANEL / 16;
            if (parallel == null || parallel.threads() == 1) {
                quantizeIntoPanels(x, xStride, 0, groups);
            } else {
                parallel.forRange(groups, 1, (start, end, worker) -> quantizeIntoPanels(x, xStride, start, end));
            }
        }
        return this;
    }

    /**
     * Whether the panels' integers are quantized straight into the panel layout, 16 vectors at a time with their
     * elements gathered (the vector code); otherwise each vector is quantized and then copied into its lane (the
     * scalar reference, and narrower vectors).
     */
    private boolean gathersPanels() {
        return LANES == 16 && !scalar;
    }

    /**
     * Groups [from, to) of 16 panel vectors: element k of the 16 vectors gathered into one vector, times each vector's
     * block inverse, rounded as {@link #quantizeBlockVector} does, and stored as 16 adjacent integers of the panel: the
     * same integers as quantizing each vector and transposing, without the transposition's scattered stores.
     */
    private void quantizeIntoPanels(float[] x, int xStride, int from, int to) {
        int blocks = cols / BLOCK;
        for (int group = from; group < to; group++) {
            int v0 = group * 16;
            int p = v0 / PANEL;
            int lane = v0 % PANEL;
            for (int b = 0; b < blocks; b++) {
                FloatVector inverse = FloatVector.fromArray(F, inverses, v0 * blocks + b, blockOffsets, 0);
                // Non-finite blocks have scale NaN and integers 0 (markNotFinite): their elements are taken as 0.
                VectorMask<Float> notFinite = FloatVector.fromArray(F, scales, v0 * blocks + b, blockOffsets, 0)
                        .test(VectorOperators.IS_NAN);
                int base = v0 * xStride + b * BLOCK;
                int out = (p * cols + b * BLOCK) * PANEL + lane;
                for (int k = 0; k < BLOCK; k++) {
                    FloatVector e = FloatVector.fromArray(F, x, base + k, vectorOffsets, 0).blend(0f, notFinite);
                    IntVector q = (IntVector) e.mul(inverse).add(ROUNDING).sub(ROUNDING).convert(VectorOperators.F2I, 0);
                    ((ShortVector) q.convertShape(VectorOperators.I2S, ShortVector.SPECIES_256, 0))
                            .intoArray(panelQuants, out + k * PANEL);
                }
            }
        }
    }

    private void quantizeVectors(float[] x, int xStride, int from, int to) {
        int blocks = cols / BLOCK;
        for (int v = from; v < to; v++) {
            boolean inPanel = v < panels * PANEL;
            if (inPanel && gathersPanels()) {
                // Only the scales here; the integers go straight into the panel (quantizeIntoPanels).
                for (int b = 0; b < blocks; b++) {
                    scaleBlockVector(x, v * xStride + b * BLOCK, v * blocks + b);
                }
                copyScalesIntoPanel(v);
                continue;
            }
            for (int b = 0; b < blocks; b++) {
                quantizeBlock(x, v * xStride + b * BLOCK, v * cols + b * BLOCK, v * blocks + b);
            }
            if (inPanel) {
                transposeIntoPanel(v);
            }
        }
    }

    /** The scale and inverse of one block of a panel vector, by the rule of {@link #quantizeBlockVector}. */
    private void scaleBlockVector(float[] x, int from, int block) {
        FloatVector lo = FloatVector.fromArray(F, x, from);
        FloatVector hi = FloatVector.fromArray(F, x, from + 16);
        float max = lo.abs().max(hi.abs()).reduceLanes(VectorOperators.MAX);
        if (!Float.isFinite(max)) {
            scales[block] = Float.NaN;
            inverses[block] = 0f;
            return;
        }
        float d = max / 127f;
        scales[block] = d;
        inverses[block] = d != 0 ? 1f / d : 0f;
    }

    /** Copies vector v's integers and scales into its lane of its panel. */
    private void transposeIntoPanel(int v) {
        int p = v / PANEL;
        int lane = v % PANEL;
        int to = p * cols * PANEL + lane;
        int from = v * cols;
        for (int k = 0; k < cols; k++) {
            panelQuants[to + k * PANEL] = quants[from + k];
        }
        copyScalesIntoPanel(v);
    }

    /** Copies vector v's scales into its lane of its panel, in both orders. */
    private void copyScalesIntoPanel(int v) {
        int blocks = cols / BLOCK;
        int p = v / PANEL;
        int lane = v % PANEL;
        int scalesTo = p * blocks * PANEL + lane;
        int pairedTo = p * blocks * PANEL + lane / 32 * 32 + pairedLane(lane % 32);
        for (int b = 0; b < blocks; b++) {
            panelScales[scalesTo + b * PANEL] = scales[v * blocks + b];
            pairedPanelScales[pairedTo + b * PANEL] = scales[v * blocks + b];
        }
    }

    private void quantizeBlock(float[] x, int from, int to, int block) {
        if (LANES == 16 && !scalar) {
            quantizeBlockVector(x, from, to, block);
            return;
        }
        float max = 0;
        for (int i = 0; i < BLOCK; i++) {
            max = Math.max(max, Math.abs(x[from + i]));
        }
        if (!Float.isFinite(max)) {
            markNotFinite(to, block);
            return;
        }
        float d = max / 127f;
        float inverse = d != 0 ? 1f / d : 0f;
        int sum = 0;
        for (int i = 0; i < BLOCK; i++) {
            int q = (int) Math.rint(x[from + i] * inverse);
            quants[to + i] = (short) q;
            sum += q;
        }
        scales[block] = d;
        sums[block] = sum;
    }

    /**
     * The same rule on two 16-lane vectors. Rounding to the nearest integer, ties to even, as {@link Math#rint}:
     * adding and subtracting 1.5 * 2^23 rounds any float below 2^22 in magnitude exactly so, and
     * {@code |x / d| <= 127}.
     */
    private void quantizeBlockVector(float[] x, int from, int to, int block) {
        FloatVector lo = FloatVector.fromArray(F, x, from);
        FloatVector hi = FloatVector.fromArray(F, x, from + 16);
        float max = lo.abs().max(hi.abs()).reduceLanes(VectorOperators.MAX);
        if (!Float.isFinite(max)) {
            markNotFinite(to, block);
            return;
        }
        float d = max / 127f;
        float inverse = d != 0 ? 1f / d : 0f;
        IntVector qlo = (IntVector) lo.mul(inverse).add(ROUNDING).sub(ROUNDING).convert(VectorOperators.F2I, 0);
        IntVector qhi = (IntVector) hi.mul(inverse).add(ROUNDING).sub(ROUNDING).convert(VectorOperators.F2I, 0);
        ((ShortVector) qlo.convertShape(VectorOperators.I2S, ShortVector.SPECIES_256, 0)).intoArray(quants, to);
        ((ShortVector) qhi.convertShape(VectorOperators.I2S, ShortVector.SPECIES_256, 0)).intoArray(quants, to + 16);
        scales[block] = d;
        sums[block] = qlo.add(qhi).reduceLanes(VectorOperators.ADD);
    }

    /** A block with a NaN or an infinity: scale NaN, so that every product it enters is NaN. */
    private void markNotFinite(int to, int block) {
        scales[block] = Float.NaN;
        sums[block] = 0;
        Arrays.fill(quants, to, to + BLOCK, (short) 0);
    }
}
