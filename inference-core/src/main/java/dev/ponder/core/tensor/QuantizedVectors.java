package dev.ponder.core.tensor;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
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

    public QuantizedVectors() {
        this(false);
    }

    /** With {@code scalar}, every block goes through the scalar reference of the rule. */
    QuantizedVectors(boolean scalar) {
        this.scalar = scalar;
    }

    /** Vector {@code v}'s integers start at {@code quants()[v * cols()]}. */
    public short[] quants() {
        return quants;
    }

    /** Block {@code b} of vector {@code v} has scale {@code scales()[v * blocks() + b]}. */
    public float[] scales() {
        return scales;
    }

    /** Block {@code b} of vector {@code v} has integer sum {@code sums()[v * blocks() + b]}. */
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
        if (parallel == null || batch < PARALLEL_FROM || parallel.threads() == 1) {
            quantizeVectors(x, xStride, 0, batch);
        } else {
            parallel.forRange(batch, 1, (start, end, worker) -> quantizeVectors(x, xStride, start, end));
        }
        return this;
    }

    private void quantizeVectors(float[] x, int xStride, int from, int to) {
        int blocks = cols / BLOCK;
        for (int v = from; v < to; v++) {
            for (int b = 0; b < blocks; b++) {
                quantizeBlock(x, v * xStride + b * BLOCK, v * cols + b * BLOCK, v * blocks + b);
            }
            if (v < panels * PANEL) {
                transposeIntoPanel(v);
            }
        }
    }

    /** Copies vector v's integers and scales into its lane of its panel. */
    private void transposeIntoPanel(int v) {
        int blocks = cols / BLOCK;
        int p = v / PANEL;
        int lane = v % PANEL;
        int to = p * cols * PANEL + lane;
        int from = v * cols;
        for (int k = 0; k < cols; k++) {
            panelQuants[to + k * PANEL] = quants[from + k];
        }
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
