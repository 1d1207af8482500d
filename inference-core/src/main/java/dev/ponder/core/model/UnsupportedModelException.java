package dev.ponder.core.model;

/** The model file is a valid GGUF but not one this engine can run; the message says why and what is supported. */
public final class UnsupportedModelException extends RuntimeException {
    public UnsupportedModelException(String message) {
        super(message);
    }
}
