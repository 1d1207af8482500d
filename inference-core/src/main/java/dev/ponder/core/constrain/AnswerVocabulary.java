package dev.ponder.core.constrain;

import dev.ponder.core.tokenizer.TokenType;
import dev.ponder.core.tokenizer.Tokenizer;
import java.util.Arrays;

/**
 * A model's vocabulary as constrained answers see it: the bytes of every ordinary token, in a
 * {@link TokenTrie}, and the end-of-turn tokens that end an answer. Control and other added tokens
 * ({@code <think>}, {@code <|im_start|>}, fillers) never appear inside an answer. Built once per
 * tokenizer (about a second for Qwen's 151k tokens) and shared; immutable.
 */
public final class AnswerVocabulary {
    private final int size;
    private final byte[][] bytesById;
    private final int[] endOfTurnIds;
    private final TokenTrie trie;

    /**
     * @param endOfTurnIds the tokens that end the turn (for Qwen {@code <|im_end|>}, {@code <|endoftext|>});
     *                     allowed only where the answer is complete
     */
    public AnswerVocabulary(Tokenizer tokenizer, int... endOfTurnIds) {
        this(bytesOf(tokenizer), endOfTurnIds);
    }

    /** @param bytesById each token's bytes, null for a token that may not appear inside an answer */
    AnswerVocabulary(byte[][] bytesById, int... endOfTurnIds) {
        if (endOfTurnIds.length == 0) {
            throw new IllegalArgumentException("an answer vocabulary needs an end-of-turn token");
        }
        this.size = bytesById.length;
        this.bytesById = bytesById;
        this.endOfTurnIds = endOfTurnIds.clone();
        for (int id : endOfTurnIds) {
            if (id < 0 || id >= size || bytesById[id] != null) {
                throw new IllegalArgumentException("end-of-turn token " + id + " is not a special token of the vocabulary");
            }
        }
        this.trie = new TokenTrie(bytesById);
    }

    private static byte[][] bytesOf(Tokenizer tokenizer) {
        byte[][] bytes = new byte[tokenizer.vocabSize()][];
        for (int id = 0; id < bytes.length; id++) {
            if (tokenizer.tokenType(id) == TokenType.NORMAL) {
                bytes[id] = tokenizer.tokenBytes(id);
            }
        }
        return bytes;
    }

    public int size() {
        return size;
    }

    TokenTrie trie() {
        return trie;
    }

    boolean isEndOfTurn(int id) {
        for (int e : endOfTurnIds) {
            if (e == id) {
                return true;
            }
        }
        return false;
    }

    int[] endOfTurnIds() {
        return endOfTurnIds;
    }

    /** The bytes of an ordinary token, or null for a special one (not to be modified). */
    byte[] bytes(int id) {
        return id >= 0 && id < size ? bytesById[id] : null;
    }

    @Override
    public String toString() {
        return "AnswerVocabulary[" + size + " tokens, " + trie.nodeCount() + " trie nodes, end of turn "
                + Arrays.toString(endOfTurnIds) + "]";
    }
}
