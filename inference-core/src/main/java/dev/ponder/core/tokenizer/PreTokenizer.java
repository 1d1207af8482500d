package dev.ponder.core.tokenizer;

/**
 * Splits normalised text into the pieces that BPE encodes independently (merges never cross a piece
 * boundary). Implementations are stateless and thread-safe.
 */
interface PreTokenizer {

    /**
     * The end (exclusive, a char index) of the piece that starts at {@code start}; always greater than
     * {@code start} when {@code start < end}, and never splits a surrogate pair.
     */
    int pieceEnd(String text, int start, int end);
}
