package dev.ponder.core.sampling;

import java.util.Map;

/**
 * Repetition, presence and frequency penalties over the generated tokens. Repetition divides a positive
 * logit (multiplies a negative one) by the penalty; presence subtracts a constant from every token seen;
 * frequency subtracts in proportion to the count.
 */
public final class PenaltyProcessor implements LogitProcessor {
    private final float repetition;
    private final float presence;
    private final float frequency;

    public PenaltyProcessor(SamplingParams params) {
        this.repetition = (float) params.repetitionPenalty();
        this.presence = (float) params.presencePenalty();
        this.frequency = (float) params.frequencyPenalty();
    }

    @Override
    public void process(float[] logits, int offset, int vocabSize, TokenHistory generated) {
        for (Map.Entry<Integer, Integer> e : generated.counts().entrySet()) {
            int i = offset + e.getKey();
            float logit = logits[i];
            if (repetition != 1f) {
                logit = logit > 0 ? logit / repetition : logit * repetition;
            }
            logit -= presence + frequency * e.getValue();
            logits[i] = logit;
        }
    }
}
