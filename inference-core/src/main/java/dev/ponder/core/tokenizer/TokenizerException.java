package dev.ponder.core.tokenizer;

/** The tokenizer cannot be built from a model's metadata (unsupported kind, inconsistent vocabulary), or was misused. */
public final class TokenizerException extends RuntimeException {
    public TokenizerException(String message) {
        super(message);
    }
}
