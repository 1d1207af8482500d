package dev.ponder.core.gguf;

/** A GGUF file is malformed or uses something this reader does not support. The message says what and where. */
public final class GgufFormatException extends RuntimeException {
    public GgufFormatException(String message) {
        super(message);
    }

    public GgufFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
