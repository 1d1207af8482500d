package dev.ponder.core.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * e^x for the element-wise steps of the model (softmax in attention, SiLU in the feed-forward block),
 * sixteen lanes at a time instead of one {@code Math.exp} call per element, which dominated those steps
 * over long prompts.
 *
 * <p>Method: x = k ln 2 + r with k = round(x / ln 2) and |r| <= ln 2 / 2, e^r by its Taylor polynomial
 * of degree 6 (truncation error below 1.2e-7 relative), times 2^k built from the exponent bits. Inputs
 * are clamped to [-87, 88], where 2^k stays a normal float: below, the result is about 1.6e-38 instead of
 * 0 or a subnormal; above, about 1.6e38 instead of infinity. Both are harmless where it is used (a
 * softmax term, and 1 / (1 + e^-g) for SiLU).
 *
 * <p>Reproducible: only IEEE additions, multiplications, FMAs and exact conversions, so the vector lanes,
 * the scalar tail and the interpreter all give the same bits for the same input, wherever it sits in
 * an array.
 */
public final class FastExp {
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693145751953125f;
    private static final float LN2_LO = 1.42860682030941723212e-6f;
    /** Adding and subtracting 1.5 * 2^23 rounds a float below 2^22 to the nearest integer. */
    private static final float ROUND = 12582912f;
    private static final float MIN = -87f;
    private static final float MAX = 88f;
    private static final float C2 = 1f / 2;
    private static final float C3 = 1f / 6;
    private static final float C4 = 1f / 24;
    private static final float C5 = 1f / 120;
    private static final float C6 = 1f / 720;
    private static final int LANES = VectorMath.LANES;

    private FastExp() {
    }

    /** e^x for one value, the same bits as a lane of the array methods. */
    public static float exp(float x) {
        x = Math.min(Math.max(x, MIN), MAX);
        float k = (x * LOG2E + ROUND) - ROUND;
        float r = Math.fma(k, -LN2_HI, x);
        r = Math.fma(k, -LN2_LO, r);
        float p = Math.fma(C6, r, C5);
        p = Math.fma(p, r, C4);
        p = Math.fma(p, r, C3);
        p = Math.fma(p, r, C2);
        p = Math.fma(p, r, 1f);
        p = Math.fma(p, r, 1f);
        return p * Float.intBitsToFloat(((int) k + 127) << 23);
    }

    /**
     * {@code a[i] = e^(a[i] - shift)} for i in [0, count), and returns their sum taken in index order (the
     * softmax numerator and denominator).
     */
    public static float expShiftedInPlace(float[] a, int count, float shift) {
        return expShiftedInPlace(a, 0, count, shift);
    }

    /** As {@link #expShiftedInPlace(float[], int, float)} on {@code a[from .. from + count)}. */
    public static float expShiftedInPlace(float[] a, int from, int count, float shift) {
        int i = from;
        int end = from + count;
        for (; i + LANES <= end; i += LANES) {
            FloatVector x = FloatVector.fromArray(VectorMath.F, a, i).sub(shift).max(MIN).min(MAX);
            FloatVector k = x.mul(LOG2E).add(ROUND).sub(ROUND);
            FloatVector r = k.fma(FloatVector.broadcast(VectorMath.F, -LN2_HI), x);
            r = k.fma(FloatVector.broadcast(VectorMath.F, -LN2_LO), r);
            FloatVector p = r.fma(C6, C5);
            p = p.fma(r, FloatVector.broadcast(VectorMath.F, C4));
            p = p.fma(r, FloatVector.broadcast(VectorMath.F, C3));
            p = p.fma(r, FloatVector.broadcast(VectorMath.F, C2));
            p = p.fma(r, FloatVector.broadcast(VectorMath.F, 1f));
            p = p.fma(r, FloatVector.broadcast(VectorMath.F, 1f));
            FloatVector scale = ((IntVector) k.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23)
                    .reinterpretAsFloats();
            p.mul(scale).intoArray(a, i);
        }
        for (; i < end; i++) {
            a[i] = exp(a[i] - shift);
        }
        float sum = 0;
        for (int j = from; j < end; j++) {
            sum += a[j];
        }
        return sum;
    }

    /** SwiGLU: {@code gate[i] = silu(gate[i]) * up[i]} for i in [from, to), silu(g) = g / (1 + e^-g). */
    public static void swiGlu(float[] gate, float[] up, int from, int to) {
        int i = from;
        for (; i + LANES <= to; i += LANES) {
            FloatVector g = FloatVector.fromArray(VectorMath.F, gate, i);
            FloatVector x = g.neg().max(MIN).min(MAX);
            FloatVector k = x.mul(LOG2E).add(ROUND).sub(ROUND);
            FloatVector r = k.fma(FloatVector.broadcast(VectorMath.F, -LN2_HI), x);
            r = k.fma(FloatVector.broadcast(VectorMath.F, -LN2_LO), r);
            FloatVector p = r.fma(C6, C5);
            p = p.fma(r, FloatVector.broadcast(VectorMath.F, C4));
            p = p.fma(r, FloatVector.broadcast(VectorMath.F, C3));
            p = p.fma(r, FloatVector.broadcast(VectorMath.F, C2));
            p = p.fma(r, FloatVector.broadcast(VectorMath.F, 1f));
            p = p.fma(r, FloatVector.broadcast(VectorMath.F, 1f));
            FloatVector scale = ((IntVector) k.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23)
                    .reinterpretAsFloats();
            FloatVector e = p.mul(scale);
            g.div(e.add(1f)).mul(FloatVector.fromArray(VectorMath.F, up, i)).intoArray(gate, i);
        }
        for (; i < to; i++) {
            float g = gate[i];
            gate[i] = g / (1f + exp(-g)) * up[i];
        }
    }
}
