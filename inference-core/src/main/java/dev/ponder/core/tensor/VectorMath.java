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
