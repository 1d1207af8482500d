package dev.ponder.core.reasoning;

/**
 * Follows one sequence's generated tokens through the thought and the answer, for usage counts and the reasoning
 * budget. Every token passed to {@link #onToken} is counted in the phase it belongs to; the {@code </think>} token
 * (and a model's own opening {@code <think>}) count as reasoning.
 *
 * <p>When the prompt already opened the thought (QwQ), tracking starts in {@link Phase#THINKING}. Otherwise it
 * starts in {@link Phase#ANSWERING} and moves to thinking only if the very first token is {@code <think>}: a model
 * that starts answering does not think later. Not thread-safe: one per sequence, fed by the scheduler thread.
 */
public final class ReasoningTracker {
    public enum Phase { THINKING, ANSWERING }

    private final int thinkOpenId;
    private final int thinkCloseId;
    private Phase phase;
    private boolean first = true;
    private boolean thinkingClosed;
    private int reasoningTokens;
    private int answerTokens;

    /**
     * @param thinkOpenId id of {@code <think>}, or -1 when the vocabulary has none
     * @param thinkCloseId id of {@code </think>}
     */
    public ReasoningTracker(int thinkOpenId, int thinkCloseId, boolean promptOpenedThinking) {
        if (thinkCloseId < 0) {
            throw new IllegalArgumentException("the id of </think> is needed, got " + thinkCloseId);
        }
        this.thinkOpenId = thinkOpenId;
        this.thinkCloseId = thinkCloseId;
        this.phase = promptOpenedThinking ? Phase.THINKING : Phase.ANSWERING;
    }

    /** Records one generated token and returns the phase after it. */
    public Phase onToken(int tokenId) {
        boolean opensThought = first && phase == Phase.ANSWERING && tokenId == thinkOpenId && thinkOpenId >= 0;
        first = false;
        if (opensThought) {
            phase = Phase.THINKING;
        }
        if (phase == Phase.ANSWERING) {
            answerTokens++;
            return phase;
        }
        reasoningTokens++;
        if (tokenId == thinkCloseId) {
            phase = Phase.ANSWERING;
            thinkingClosed = true;
        }
        return phase;
    }

    public Phase phase() {
        return phase;
    }

    public int reasoningTokens() {
        return reasoningTokens;
    }

    public int answerTokens() {
        return answerTokens;
    }

    /** The token to force when the budget runs out. */
    public int thinkCloseId() {
        return thinkCloseId;
    }

    /** Whether a {@code </think>} ended the thought (false for a model that never thought). */
    public boolean thinkingClosed() {
        return thinkingClosed;
    }

    /**
     * True when the sequence is still thinking and has used {@code reasoningBudget} tokens: the next token should be
     * {@link #thinkCloseId()} instead of a sampled one, so that the model moves on to its answer.
     */
    public boolean budgetExhausted(int reasoningBudget) {
        return phase == Phase.THINKING && reasoningTokens >= reasoningBudget;
    }
}
