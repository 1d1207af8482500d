package dev.ponder.core.constrain;

import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.IntFunction;

/**
 * A compiled answer constraint over a model's vocabulary: the automaton, and for each automaton state
 * the mask of tokens that may come next, computed on first use and cached. Thread-safe and meant to be
 * shared by every sequence under the same constraint; two threads asking for the same new state may
 * both compute it (the results are equal), none waits for the other.
 *
 * <p>Memory: a mask is one bit per token (19 KB for Qwen's 151,936 tokens, plus a list of the allowed ids
 * where they are under a quarter of the vocabulary, at most 152 KB) and there is at most one per
 * automaton state, so a grammar holds at most {@link ByteDfa#MAX_STATES} masks (78 to 700 MB for Qwen); the
 * usual JSON schema needs tens of states, and only the states a sequence reaches are computed.
 */
public final class AnswerGrammar {
    private final ByteDfa dfa;
    private final AnswerVocabulary vocabulary;
    private final AtomicReferenceArray<TokenMask> masks;
    private final AtomicReferenceArray<TokenMask> closingMasks;

    public AnswerGrammar(ByteDfa dfa, AnswerVocabulary vocabulary) {
        this.dfa = dfa;
        this.vocabulary = vocabulary;
        this.masks = new AtomicReferenceArray<>(dfa.stateCount());
        this.closingMasks = new AtomicReferenceArray<>(dfa.stateCount());
    }

    public ByteDfa dfa() {
        return dfa;
    }

    public AnswerVocabulary vocabulary() {
        return vocabulary;
    }

    /** A fresh answer at the automaton's start. */
    public ConstrainedAnswer newAnswer() {
        return new ConstrainedAnswer(this);
    }

    /**
     * The tokens allowed in {@code state}, one bit per token id ({@code mask[id >>> 6] >>> id & 1}):
     * ordinary tokens whose bytes keep the answer matchable, plus the end-of-turn tokens where the
     * answer may end. Not to be modified.
     */
    public long[] mask(int state) {
        return tokenMask(state).bits();
    }

    TokenMask tokenMask(int state) {
        return cached(masks, state, this::computeMask);
    }

    /** The mask of {@code state} in {@code cache}, computed and stored on first use (a race computes it twice, equal). */
    private static TokenMask cached(AtomicReferenceArray<TokenMask> cache, int state, IntFunction<TokenMask> compute) {
        TokenMask mask = cache.get(state);
        if (mask == null) {
            mask = compute.apply(state);
            cache.compareAndSet(state, null, mask);
        }
        return mask;
    }

    /**
     * The tokens that bring the answer strictly nearer to a complete match (fewer bytes left to the nearest
     * accepting state), plus the end-of-turn tokens in an accepting state: what an answer about to run out of
     * tokens may take, so that it still ends valid. Never empty in a live state (the first byte of a shortest
     * completion is a token of its own in a byte-level vocabulary). Cached like {@link #tokenMask}.
     */
    TokenMask closingTokenMask(int state) {
        return cached(closingMasks, state, this::computeClosingMask);
    }

    /** {@link #closingTokenMask}'s bits, as {@link #mask} gives the others. Not to be modified. */
    public long[] closingMask(int state) {
        return closingTokenMask(state).bits();
    }

    /** Computes the masks of every state now (for example on a worker thread before decoding starts). */
    public void precomputeAll() {
        for (int s = 0; s < dfa.stateCount(); s++) {
            tokenMask(s);
        }
    }

    /**
     * Computes the masks of up to {@code limit} states, the nearest to the start first (breadth first over
     * the automaton's transitions): the states every answer passes through, without paying for (and
     * holding) the masks of a big automaton's far corners. Returns how many states it computed.
     */
    public int precomputeNearStart(int limit) {
        boolean[] seen = new boolean[dfa.stateCount()];
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        queue.add(dfa.start());
        seen[dfa.start()] = true;
        int done = 0;
        while (!queue.isEmpty() && done < limit) {
            int state = queue.poll();
            tokenMask(state);
            done++;
            for (int b = 0; b < 256; b++) {
                int next = dfa.next(state, b);
                if (next != ByteDfa.DEAD && !seen[next]) {
                    seen[next] = true;
                    queue.add(next);
                }
            }
        }
        return done;
    }

    /** Whether the mask of {@code state} is computed already. */
    public boolean isComputed(int state) {
        return masks.get(state) != null;
    }

    private TokenMask computeClosingMask(int state) {
        long[] allowed = tokenMask(state).bits();
        long[] mask = new long[allowed.length];
        int left = dfa.bytesToAccept(state);
        for (int w = 0; w < allowed.length; w++) {
            for (long word = allowed[w]; word != 0; word &= word - 1) {
                int id = (w << 6) + Long.numberOfTrailingZeros(word);
                byte[] bytes = vocabulary.bytes(id);
                boolean nearer = bytes == null ? left == 0 // an end-of-turn token, allowed only where the answer may end
                        : dfa.bytesToAccept(dfa.walk(state, bytes)) < left;
                if (nearer) {
                    mask[w] |= 1L << id;
                }
            }
        }
        return new TokenMask(mask, vocabulary.size());
    }

    private TokenMask computeMask(int state) {
        long[] mask = new long[(vocabulary.size() + 63) >>> 6];
        vocabulary.trie().walk(dfa, state, mask);
        if (dfa.isAccepting(state)) {
            for (int id : vocabulary.endOfTurnIds()) {
                mask[id >>> 6] |= 1L << id;
            }
        }
        return new TokenMask(mask, vocabulary.size());
    }
}
