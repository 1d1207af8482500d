package dev.ponder.core.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float vector helpers with a fixed order of operations.
 *
 * <p>The canonical dot product, which every kernel reproduces bit for bit: one vector accumulator,
 * chunk after chunk of LANES elements in index order, {@code acc = w * x + acc} (one FMA), then the
 * lanes folded by {@link #sumLanes}, then any tail (n mod LANES) added in index order. Because each
 * (row, vector) pair owns exactly one accumulator, a kernel gets its instruction-level parallelism from
 * several pairs at once (several rows in decode, a tile of rows and vectors in a batch) and never from
 * splitting one pair's sum: the bits of a result cannot depend on the tile it was computed in, so
 * results are batch-invariant.
 *
 * <p>Why not {@code reduceLanes(ADD)}: its order is unspecified, and the interpreter and the JIT
 * intrinsic do sum the lanes differently, so the same call could give different bits before and after
 * warm-up. Every sum here folds the lanes in one fixed order instead.
 */
public final class VectorMath {
    public static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    public static final int LANES = F.length();

    private VectorMath() {
    }

    // Shuffles that move lane i + w to lane i, for w = 8, 4, 2, 1. Separate constant fields (not an array) so
    // that the JIT sees each shuffle as a constant and emits one permute for it.
    private static final VectorShuffle<Float> FOLD_8 = fold(8);
    private static final VectorShuffle<Float> FOLD_4 = fold(4);
    private static final VectorShuffle<Float> FOLD_2 = fold(2);
    private static final VectorShuffle<Float> FOLD_1 = fold(1);

    private static VectorShuffle<Float> fold(int width) {
        return VectorShuffle.fromOp(F, i -> (i + width) % LANES);
    }

    /**
     * Sum of the lanes, folded in halves (lane i plus lane i + n/2, recursively) with lane-wise adds, so
     * the order is the same in the interpreter and in compiled code.
     */
    public static float sumLanes(FloatVector v) {
        if (LANES >= 16) {
            v = v.add(v.rearrange(FOLD_8));
        }
        if (LANES >= 8) {
            v = v.add(v.rearrange(FOLD_4));
        }
        if (LANES >= 4) {
            v = v.add(v.rearrange(FOLD_2));
        }
        if (LANES >= 2) {
            v = v.add(v.rearrange(FOLD_1));
        }
        return v.lane(0);
    }

    /** The canonical dot product of {@code w[wOff..wOff+n)} and {@code x[xOff..xOff+n)}, n a multiple of LANES. */
    public static float dot(float[] w, int wOff, float[] x, int xOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        for (int i = 0; i < n; i += LANES) {
            acc = FloatVector.fromArray(F, w, wOff + i).fma(FloatVector.fromArray(F, x, xOff + i), acc);
        }
        return sumLanes(acc);
    }

    /**
     * The sixteen canonical accumulators of four rows ({@code w[w0 + k * wStride ..]}, k = 0..3) with four
     * vectors ({@code x[x0 + j * xStride ..]}, j = 0..3) over n elements (a multiple of LANES). Each chunk of
     * the rows and the vectors is loaded once for sixteen FMAs, which is what makes batches cheap. The
     * accumulator of row k and vector j is stored at {@code acc[accOffset + (4 * k + j) * LANES]}; its
     * {@link #sumStored} equals {@link #dot} bit for bit. Stored rather than returned: a helper that takes
     * or returns vectors may not be inlined, and boxed vectors are slow.
     */
    public static void tile4x4(float[] w, int w0, int wStride, float[] x, int x0, int xStride, int n,
                               float[] acc, int accOffset) {
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c02 = c00, c03 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        int wa = w0, wb = w0 + wStride, wc = w0 + 2 * wStride, wd = w0 + 3 * wStride;
        int xa = x0, xb = x0 + xStride, xc = x0 + 2 * xStride, xd = x0 + 3 * xStride;
        for (int i = 0; i < n; i += LANES) {
            FloatVector r0 = FloatVector.fromArray(F, w, wa + i);
            FloatVector r1 = FloatVector.fromArray(F, w, wb + i);
            FloatVector r2 = FloatVector.fromArray(F, w, wc + i);
            FloatVector r3 = FloatVector.fromArray(F, w, wd + i);
            FloatVector v = FloatVector.fromArray(F, x, xa + i);
            c00 = r0.fma(v, c00);
            c10 = r1.fma(v, c10);
            c20 = r2.fma(v, c20);
            c30 = r3.fma(v, c30);
            v = FloatVector.fromArray(F, x, xb + i);
            c01 = r0.fma(v, c01);
            c11 = r1.fma(v, c11);
            c21 = r2.fma(v, c21);
            c31 = r3.fma(v, c31);
            v = FloatVector.fromArray(F, x, xc + i);
            c02 = r0.fma(v, c02);
            c12 = r1.fma(v, c12);
            c22 = r2.fma(v, c22);
            c32 = r3.fma(v, c32);
            v = FloatVector.fromArray(F, x, xd + i);
            c03 = r0.fma(v, c03);
            c13 = r1.fma(v, c13);
            c23 = r2.fma(v, c23);
            c33 = r3.fma(v, c33);
        }
        c00.intoArray(acc, accOffset);
        c01.intoArray(acc, accOffset + LANES);
        c02.intoArray(acc, accOffset + 2 * LANES);
        c03.intoArray(acc, accOffset + 3 * LANES);
        c10.intoArray(acc, accOffset + 4 * LANES);
        c11.intoArray(acc, accOffset + 5 * LANES);
        c12.intoArray(acc, accOffset + 6 * LANES);
        c13.intoArray(acc, accOffset + 7 * LANES);
        c20.intoArray(acc, accOffset + 8 * LANES);
        c21.intoArray(acc, accOffset + 9 * LANES);
        c22.intoArray(acc, accOffset + 10 * LANES);
        c23.intoArray(acc, accOffset + 11 * LANES);
        c30.intoArray(acc, accOffset + 12 * LANES);
        c31.intoArray(acc, accOffset + 13 * LANES);
        c32.intoArray(acc, accOffset + 14 * LANES);
        c33.intoArray(acc, accOffset + 15 * LANES);
    }

    /**
     * As {@link #tile4x4} with six vectors ({@code x[x0 + j * xStride ..]}, j = 0..5): 24 accumulators, the most
     * that fit the 32 vector registers with four rows and one vector loaded, and 1.5 times the FMAs per load.
     * The accumulator of row k and vector j is stored at {@code acc[accOffset + (6 * k + j) * LANES]}.
     */
    public static void tile4x6(float[] w, int w0, int wStride, float[] x, int x0, int xStride, int n,
                               float[] acc, int accOffset) {
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c02 = c00, c03 = c00, c04 = c00, c05 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00, c14 = c00, c15 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00, c24 = c00, c25 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00, c34 = c00, c35 = c00;
        int wa = w0, wb = w0 + wStride, wc = w0 + 2 * wStride, wd = w0 + 3 * wStride;
        for (int i = 0; i < n; i += LANES) {
            FloatVector r0 = FloatVector.fromArray(F, w, wa + i);
            FloatVector r1 = FloatVector.fromArray(F, w, wb + i);
            FloatVector r2 = FloatVector.fromArray(F, w, wc + i);
            FloatVector r3 = FloatVector.fromArray(F, w, wd + i);
            FloatVector v = FloatVector.fromArray(F, x, x0 + i);
            c00 = r0.fma(v, c00);
            c10 = r1.fma(v, c10);
            c20 = r2.fma(v, c20);
            c30 = r3.fma(v, c30);
            v = FloatVector.fromArray(F, x, x0 + xStride + i);
            c01 = r0.fma(v, c01);
            c11 = r1.fma(v, c11);
            c21 = r2.fma(v, c21);
            c31 = r3.fma(v, c31);
            v = FloatVector.fromArray(F, x, x0 + 2 * xStride + i);
            c02 = r0.fma(v, c02);
            c12 = r1.fma(v, c12);
            c22 = r2.fma(v, c22);
            c32 = r3.fma(v, c32);
            v = FloatVector.fromArray(F, x, x0 + 3 * xStride + i);
            c03 = r0.fma(v, c03);
            c13 = r1.fma(v, c13);
            c23 = r2.fma(v, c23);
            c33 = r3.fma(v, c33);
            v = FloatVector.fromArray(F, x, x0 + 4 * xStride + i);
            c04 = r0.fma(v, c04);
            c14 = r1.fma(v, c14);
            c24 = r2.fma(v, c24);
            c34 = r3.fma(v, c34);
            v = FloatVector.fromArray(F, x, x0 + 5 * xStride + i);
            c05 = r0.fma(v, c05);
            c15 = r1.fma(v, c15);
            c25 = r2.fma(v, c25);
            c35 = r3.fma(v, c35);
        }
        c00.intoArray(acc, accOffset);
        c01.intoArray(acc, accOffset + LANES);
        c02.intoArray(acc, accOffset + 2 * LANES);
        c03.intoArray(acc, accOffset + 3 * LANES);
        c04.intoArray(acc, accOffset + 4 * LANES);
        c05.intoArray(acc, accOffset + 5 * LANES);
        c10.intoArray(acc, accOffset + 6 * LANES);
        c11.intoArray(acc, accOffset + 7 * LANES);
        c12.intoArray(acc, accOffset + 8 * LANES);
        c13.intoArray(acc, accOffset + 9 * LANES);
        c14.intoArray(acc, accOffset + 10 * LANES);
        c15.intoArray(acc, accOffset + 11 * LANES);
        c20.intoArray(acc, accOffset + 12 * LANES);
        c21.intoArray(acc, accOffset + 13 * LANES);
        c22.intoArray(acc, accOffset + 14 * LANES);
        c23.intoArray(acc, accOffset + 15 * LANES);
        c24.intoArray(acc, accOffset + 16 * LANES);
        c25.intoArray(acc, accOffset + 17 * LANES);
        c30.intoArray(acc, accOffset + 18 * LANES);
        c31.intoArray(acc, accOffset + 19 * LANES);
        c32.intoArray(acc, accOffset + 20 * LANES);
        c33.intoArray(acc, accOffset + 21 * LANES);
        c34.intoArray(acc, accOffset + 22 * LANES);
        c35.intoArray(acc, accOffset + 23 * LANES);
    }

    /**
     * The four canonical accumulators of four rows ({@code w[w0 + k * wStride ..]}) with one vector
     * {@code x[x0..]}, stored at {@code acc[accOffset + k * LANES]}: the vectors a batch has left over
     * after its tiles of four.
     */
    public static void tile4x1(float[] w, int w0, int wStride, float[] x, int x0, int n, float[] acc, int accOffset) {
        FloatVector c0 = FloatVector.zero(F), c1 = c0, c2 = c0, c3 = c0;
        int wa = w0, wb = w0 + wStride, wc = w0 + 2 * wStride, wd = w0 + 3 * wStride;
        for (int i = 0; i < n; i += LANES) {
            FloatVector v = FloatVector.fromArray(F, x, x0 + i);
            c0 = FloatVector.fromArray(F, w, wa + i).fma(v, c0);
            c1 = FloatVector.fromArray(F, w, wb + i).fma(v, c1);
            c2 = FloatVector.fromArray(F, w, wc + i).fma(v, c2);
            c3 = FloatVector.fromArray(F, w, wd + i).fma(v, c3);
        }
        c0.intoArray(acc, accOffset);
        c1.intoArray(acc, accOffset + LANES);
        c2.intoArray(acc, accOffset + 2 * LANES);
        c3.intoArray(acc, accOffset + 3 * LANES);
    }

    /** The lane sum of the vector stored at {@code acc[offset..]}, folded as {@link #sumLanes} folds. */
    public static float sumStored(float[] acc, int offset) {
        return sumLanes(FloatVector.fromArray(F, acc, offset));
    }

    /** {@code a[from .. from + n) *= factor}: one rounding per element, the same bits in lanes and in the tail. */
    public static void scale(float[] a, int from, int n, float factor) {
        int i = from;
        int end = from + n;
        for (; i + LANES <= end; i += LANES) {
            FloatVector.fromArray(F, a, i).mul(factor).intoArray(a, i);
        }
        for (; i < end; i++) {
            a[i] *= factor;
        }
    }

    /** Plain scalar dot product in index order (for references and odd sizes). */
    public static float dotScalar(float[] w, int wOff, float[] x, int xOff, int n) {
        float s = 0;
        for (int i = 0; i < n; i++) {
            s += w[wOff + i] * x[xOff + i];
        }
        return s;
    }

    /** Dot for any n: the vector part in the fixed order, then the tail in index order. */
    public static float dotAny(float[] w, int wOff, float[] x, int xOff, int n) {
        int main = n - n % LANES;
        float s = main == 0 ? 0f : dot(w, wOff, x, xOff, main);
        for (int i = main; i < n; i++) {
            s += w[wOff + i] * x[xOff + i];
        }
        return s;
    }
}
