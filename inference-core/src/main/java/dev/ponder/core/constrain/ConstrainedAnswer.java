package dev.ponder.core.constrain;

import dev.ponder.core.sampling.LogitProcessor;
import dev.ponder.core.sampling.TokenHistory;

/**
 * One sequence's answer under a constraint: the automaton state after the answer tokens so far. The
 * decode loop masks the logits before each sampled answer token ({@link #mask}, or the
 * {@link LogitProcessor} seam) and reports the chosen token ({@link #advance}). Not thread-safe (one per
 * sequence); the masks come from the shared {@link AnswerGrammar}.
 */
public final class ConstrainedAnswer implements LogitProcessor {
    private final AnswerGrammar grammar;
    private int state;
    private boolean ended;

    ConstrainedAnswer(AnswerGrammar grammar) {
        this.grammar = grammar;
        this.state = grammar.dfa().start();
    }

    /**
     * Sets every logit of a token that may not come next to negative infinity, leaving the others as
     * they are. Ids at or above the vocabulary's size (padding rows of the output matrix) are masked too.
     */
    public void mask(float[] logits, int offset, int vocabSize) {
        if (ended) {
            throw new IllegalStateException("the answer has ended; nothing may follow");
        }
        grammar.tokenMask(state).apply(logits, offset, vocabSize);
    }

    /**
     * Like {@link #mask}, but for an answer about to run out of tokens: leaves only the tokens that bring it
     * strictly nearer to a complete match (and the end of turn once it is complete), so that an answer given at
     * least {@link #bytesToComplete()} + 1 tokens always ends valid.
     */
    public void maskClosing(float[] logits, int offset, int vocabSize) {
        if (ended) {
            throw new IllegalStateException("the answer has ended; nothing may follow");
        }
        grammar.closingTokenMask(state).apply(logits, offset, vocabSize);
    }

    /** The fewest bytes that complete the answer from here (0 when it may end now). */
    public int bytesToComplete() {
        return grammar.dfa().bytesToAccept(state);
    }

    @Override
    public void process(float[] logits, int offset, int vocabSize, TokenHistory generated) {
        mask(logits, offset, vocabSize);
    }

    /**
     * Moves past a chosen token. Throws {@link IllegalArgumentException} for a token the mask refuses
     * (the answer could no longer match), leaving the state as it was.
     */
    public void advance(int tokenId) {
        if (ended) {
            throw new IllegalStateException("the answer has ended; nothing may follow");
        }
        if (grammar.vocabulary().isEndOfTurn(tokenId)) {
            if (!isComplete()) {
                throw new IllegalArgumentException("end-of-turn token " + tokenId + " before the answer is complete");
            }
            ended = true;
            return;
        }
        byte[] bytes = grammar.vocabulary().bytes(tokenId);
        if (bytes == null) {
            throw new IllegalArgumentException("token " + tokenId + " is a special token, not allowed in an answer");
        }
        int next = grammar.dfa().walk(state, bytes);
        if (next == ByteDfa.DEAD) {
            throw new IllegalArgumentException("token " + tokenId + " cannot continue the answer");
        }
        state = next;
    }

    /** Whether the answer so far is a whole match (the end-of-turn token is allowed now). */
    public boolean isComplete() {
        return grammar.dfa().isAccepting(state);
    }

    /** Whether the answer is complete and nothing can follow: only the end-of-turn token remains. */
    public boolean mustEnd() {
        return isComplete() && !grammar.dfa().canContinue(state);
    }

    /** Whether the end-of-turn token has been taken. */
    public boolean hasEnded() {
        return ended;
    }

    public int state() {
        return state;
    }
}
