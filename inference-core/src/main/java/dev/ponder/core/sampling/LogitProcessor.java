package dev.ponder.core.sampling;

/**
 * One link of a request's sampling chain: it edits the logits of the next token in place (penalise,
 * mask) before the sampler picks. Constrained decoding (an answer held to a grammar) plugs in here as
 * a processor that masks disallowed tokens with negative infinity.
 */
@FunctionalInterface
public interface LogitProcessor {
    /**
     * @param logits    the vocabulary's logits at {@code logits[offset .. offset + vocabSize)}
     * @param generated the tokens this request generated so far
     */
    void process(float[] logits, int offset, int vocabSize, TokenHistory generated);
}
