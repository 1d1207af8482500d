package dev.ponder.core.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float vector helpers with a fixed order of operations.
 *
 * <p>Why not {@code reduceLanes(ADD)}: its order is unspecified, and the interpreter and the JIT
 * intrinsic do sum the lanes differently, so the same call could give different bits before and after
 * warm-up. Every sum here folds the lanes in one fixed order instead, which keeps results reproducible
 * and batch-invariant.
 */
public final class VectorMath {
    public static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    public static final int LANES = F.length();
    /** Independent accumulators in dot products (hides FMA latency); chunk c goes to accumulator c % ACCUMULATORS. */
    public static final int ACCUMULATORS = 4;

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

    /** Combines the four accumulators and sums their lanes, in the order every dot product uses. */
    public static float finish(FloatVector a0, FloatVector a1, FloatVector a2, FloatVector a3) {
        return sumLanes(a0.add(a1).add(a2.add(a3)));
    }

    /**
     * Dot product of {@code w[wOff..wOff+n)} and {@code x[xOff..xOff+n)}, n a multiple of LANES.
     * Chunk c (LANES elements) accumulates into accumulator c % 4 with FMA: the same order that the
     * quantized kernels use, so dequantize-then-dot equals their fused kernels bit for bit.
     */
    public static float dot(float[] w, int wOff, float[] x, int xOff, int n) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (; i + 4 * LANES <= n; i += 4 * LANES) {
            a0 = FloatVector.fromArray(F, w, wOff + i).fma(FloatVector.fromArray(F, x, xOff + i), a0);
            a1 = FloatVector.fromArray(F, w, wOff + i + LANES).fma(FloatVector.fromArray(F, x, xOff + i + LANES), a1);
            a2 = FloatVector.fromArray(F, w, wOff + i + 2 * LANES).fma(FloatVector.fromArray(F, x, xOff + i + 2 * LANES), a2);
            a3 = FloatVector.fromArray(F, w, wOff + i + 3 * LANES).fma(FloatVector.fromArray(F, x, xOff + i + 3 * LANES), a3);
        }
        int chunk = 0;
        for (; i < n; i += LANES, chunk++) {
            FloatVector p = FloatVector.fromArray(F, w, wOff + i);
            FloatVector q = FloatVector.fromArray(F, x, xOff + i);
            switch (chunk) {
                case 0 -> a0 = p.fma(q, a0);
                case 1 -> a1 = p.fma(q, a1);
                default -> a2 = p.fma(q, a2);
            }
        }
        return finish(a0, a1, a2, a3);
    }

    /**
     * The four dot products of two rows ({@code w[wa..]}, {@code w[wb..]}) with two vectors ({@code x[x0..]},
     * {@code x[x1..]}), each chunk of both rows and both vectors loaded once for all four: half the loads
     * of four separate {@link #dot} calls, which is what limits them. Each product accumulates exactly as
     * {@link #dot} does (chunk c into accumulator c % 4), and its four accumulators are combined in the same
     * order; the combined vectors are stored to {@code acc} at accOffset + 0 (wa.x0), + LANES (wa.x1),
     * + 2 LANES (wb.x0) and + 3 LANES (wb.x1), so that {@code sumLanes} of each equals {@link #dot} bit for bit. n must be a multiple
     * of 4 * LANES.
     */
    public static void dotTile(float[] w, int wa, int wb, float[] x, int x0, int x1, int n, float[] acc, int accOffset) {
        FloatVector z = FloatVector.zero(F);
        FloatVector p0 = z, p1 = z, p2 = z, p3 = z, q0 = z, q1 = z, q2 = z, q3 = z;
        FloatVector r0 = z, r1 = z, r2 = z, r3 = z, s0 = z, s1 = z, s2 = z, s3 = z;
        for (int i = 0; i < n; i += 4 * LANES) {
            FloatVector a = FloatVector.fromArray(F, w, wa + i);
            FloatVector b = FloatVector.fromArray(F, w, wb + i);
            FloatVector u = FloatVector.fromArray(F, x, x0 + i);
            FloatVector v = FloatVector.fromArray(F, x, x1 + i);
            p0 = a.fma(u, p0);
            q0 = a.fma(v, q0);
            r0 = b.fma(u, r0);
            s0 = b.fma(v, s0);
            a = FloatVector.fromArray(F, w, wa + i + LANES);
            b = FloatVector.fromArray(F, w, wb + i + LANES);
            u = FloatVector.fromArray(F, x, x0 + i + LANES);
            v = FloatVector.fromArray(F, x, x1 + i + LANES);
            p1 = a.fma(u, p1);
            q1 = a.fma(v, q1);
            r1 = b.fma(u, r1);
            s1 = b.fma(v, s1);
            a = FloatVector.fromArray(F, w, wa + i + 2 * LANES);
            b = FloatVector.fromArray(F, w, wb + i + 2 * LANES);
            u = FloatVector.fromArray(F, x, x0 + i + 2 * LANES);
            v = FloatVector.fromArray(F, x, x1 + i + 2 * LANES);
            p2 = a.fma(u, p2);
            q2 = a.fma(v, q2);
            r2 = b.fma(u, r2);
            s2 = b.fma(v, s2);
            a = FloatVector.fromArray(F, w, wa + i + 3 * LANES);
            b = FloatVector.fromArray(F, w, wb + i + 3 * LANES);
            u = FloatVector.fromArray(F, x, x0 + i + 3 * LANES);
            v = FloatVector.fromArray(F, x, x1 + i + 3 * LANES);
            p3 = a.fma(u, p3);
            q3 = a.fma(v, q3);
            r3 = b.fma(u, r3);
            s3 = b.fma(v, s3);
        }
        // Stored, not returned: a helper that takes or returns vectors may not be inlined, and boxing is slow.
        p0.add(p1).add(p2.add(p3)).intoArray(acc, accOffset);
        q0.add(q1).add(q2.add(q3)).intoArray(acc, accOffset + LANES);
        r0.add(r1).add(r2.add(r3)).intoArray(acc, accOffset + 2 * LANES);
        s0.add(s1).add(s2.add(s3)).intoArray(acc, accOffset + 3 * LANES);
    }

    /** The lane sum of the vector stored at {@code acc[offset..]}, folded as {@link #sumLanes} folds. */
    public static float sumStored(float[] acc, int offset) {
        return sumLanes(FloatVector.fromArray(F, acc, offset));
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
