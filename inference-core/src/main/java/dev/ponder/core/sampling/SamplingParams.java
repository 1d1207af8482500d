package dev.ponder.core.sampling;

/**
 * How a request picks its tokens. {@code temperature <= 0} is greedy (argmax). Disabled values:
 * topK <= 0, topP >= 1, minP <= 0, penalties 0 (presence, frequency) or 1 (repetition).
 *
 * @param seed the request's random seed: same seed and inputs give the same tokens
 */
public record SamplingParams(double temperature, int topK, double topP, double minP, double repetitionPenalty,
                             double presencePenalty, double frequencyPenalty, long seed) {

    /** QwQ's recommended settings: temperature 0.6, top-p 0.95, top-k 40. */
    public static final SamplingParams QWQ_DEFAULTS = new SamplingParams(0.6, 40, 0.95, 0.0, 1.0, 0.0, 0.0, 0);

    public static final SamplingParams GREEDY = new SamplingParams(0, 0, 1, 0, 1, 0, 0, 0);

    public SamplingParams {
        check(Double.isFinite(temperature) && temperature >= 0 && temperature <= 100, "temperature", temperature, "0 to 100");
        check(topK >= 0, "top_k", topK, "0 (off) or more");
        check(topP > 0 && topP <= 1, "top_p", topP, "in (0, 1]");
        check(minP >= 0 && minP < 1, "min_p", minP, "in [0, 1)");
        check(repetitionPenalty > 0 && repetitionPenalty <= 10, "repetition_penalty", repetitionPenalty, "in (0, 10]");
        check(Math.abs(presencePenalty) <= 2, "presence_penalty", presencePenalty, "in [-2, 2]");
        check(Math.abs(frequencyPenalty) <= 2, "frequency_penalty", frequencyPenalty, "in [-2, 2]");
    }

    private static void check(boolean ok, String name, double value, String allowed) {
        if (!ok) {
            throw new IllegalArgumentException(name + " is " + value + "; allowed: " + allowed);
        }
    }

    public boolean greedy() {
        return temperature <= 0;
    }

    public boolean hasPenalties() {
        return repetitionPenalty != 1.0 || presencePenalty != 0 || frequencyPenalty != 0;
    }

    public SamplingParams withSeed(long newSeed) {
        return new SamplingParams(temperature, topK, topP, minP, repetitionPenalty, presencePenalty, frequencyPenalty, newSeed);
    }

    public SamplingParams withTemperature(double t) {
        return new SamplingParams(t, topK, topP, minP, repetitionPenalty, presencePenalty, frequencyPenalty, seed);
    }
}
