package dev.ponder.core.tokenizer;

/** The kinds of token in {@code tokenizer.ggml.token_type}, with llama.cpp's numbering. */
public enum TokenType {
    NORMAL(1),
    UNKNOWN(2),
    /** A special added token such as {@code <|im_start|>}: only ever produced from text in template mode. */
    CONTROL(3),
    /** A non-special added token such as {@code <think>}: stored as plain text, not byte-level encoded. */
    USER_DEFINED(4),
    /** A filler row ({@code [PAD151669]}) that no text maps to. */
    UNUSED(5),
    BYTE(6);

    private final int id;

    TokenType(int id) {
        this.id = id;
    }

    public int id() {
        return id;
    }

    public static TokenType byId(int id) {
        for (TokenType t : values()) {
            if (t.id == id) {
                return t;
            }
        }
        throw new TokenizerException("unknown token type " + id + " (known: 1 normal, 2 unknown, 3 control,"
                + " 4 user-defined, 5 unused, 6 byte)");
    }

    /** Added tokens: matched whole in template text, and decoded as their literal text. */
    public boolean isAdded() {
        return this == CONTROL || this == USER_DEFINED;
    }
}
