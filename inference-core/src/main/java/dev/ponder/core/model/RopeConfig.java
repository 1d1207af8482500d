package dev.ponder.core.model;

import dev.ponder.core.gguf.GgufMetadata;

/**
 * Rotary position embedding, NeoX style (each head's first half rotates with its second half), with
 * optional YaRN context extension as llama.cpp defines it for GGUF files
 * ({@code rope.scaling.type = yarn}, {@code rope.scaling.factor},
 * {@code rope.scaling.original_context_length}).
 */
public record RopeConfig(int dims, double freqBase, String scalingType, double scalingFactor, int originalContext) {
    private static final double BETA_FAST = 32;
    private static final double BETA_SLOW = 1;

    static RopeConfig from(GgufMetadata m, String arch, int headDim) {
        double base = m.findDouble(arch + ".rope.freq_base").orElse(10000.0);
        String type = m.findString(arch + ".rope.scaling.type").orElse("none");
        double factor = m.findDouble(arch + ".rope.scaling.factor").orElse(1.0);
        int original = m.findLong(arch + ".rope.scaling.original_context_length").map(Math::toIntExact).orElse(0);
        if (!type.equals("none") && !type.equals("yarn") && !type.equals("linear")) {
            throw new UnsupportedModelException("rope scaling '" + type + "' is not supported (none, linear, yarn)");
        }
        if (type.equals("yarn") && (factor <= 1 || original <= 0)) {
            type = "none"; // a YaRN entry with factor 1 changes nothing
        }
        return new RopeConfig(headDim, base, type, factor, original);
    }

    /**
     * The cosines and sines for one position: {@code cos[i]}, {@code sin[i]} rotate the pair
     * (i, i + dims/2). Angles are computed in double precision so that long positions stay exact.
     */
    public void angles(int position, float[] cos, float[] sin) {
        int half = dims / 2;
        boolean yarn = scalingType.equals("yarn");
        double freqScale = scalingType.equals("none") ? 1.0 : 1.0 / scalingFactor;
        double mscale = yarn ? 1.0 + 0.1 * Math.log(scalingFactor) : 1.0;
        double low = 0, high = 0;
        if (yarn) {
            low = Math.max(0, Math.floor(correctionDim(BETA_FAST)));
            high = Math.min(dims - 1, Math.ceil(correctionDim(BETA_SLOW)));
        }
        for (int i = 0; i < half; i++) {
            double extrapolated = position * Math.pow(freqBase, -2.0 * i / dims);
            double theta = extrapolated * freqScale;
            if (yarn) {
                double ramp = 1 - Math.min(1, Math.max(0, (i - low) / Math.max(0.001, high - low)));
                theta = theta * (1 - ramp) + extrapolated * ramp;
            }
            cos[i] = (float) (Math.cos(theta) * mscale);
            sin[i] = (float) (Math.sin(theta) * mscale);
        }
    }

    /** The dimension index at which a wavelength spans {@code rotations} turns over the original context. */
    private double correctionDim(double rotations) {
        return dims * Math.log(originalContext / (rotations * 2 * Math.PI)) / (2 * Math.log(freqBase));
    }

    /** Rotates one head vector at {@code x[offset..offset+dims)} in place. */
    public static void rotate(float[] x, int offset, int dims, float[] cos, float[] sin) {
        int half = dims / 2;
        for (int i = 0; i < half; i++) {
            float a = x[offset + i];
            float b = x[offset + i + half];
            x[offset + i] = a * cos[i] - b * sin[i];
            x[offset + i + half] = b * cos[i] + a * sin[i];
        }
    }
}
