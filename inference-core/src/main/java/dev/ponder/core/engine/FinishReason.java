package dev.ponder.core.engine;

/** Why a request's generation ended. */
public enum FinishReason {
    /** The model ended its turn (end-of-turn token) or a stop string appeared in the answer. */
    STOP,
    /** The token limit was reached after the answer began. */
    LENGTH,
    /** The token limit was reached while still reasoning: there is no answer. */
    REASONING_LENGTH,
    /** The repetition guard ended a sequence stuck repeating the same span. */
    REPETITION,
    /** Cancelled by the caller, or handed back at shutdown. */
    CANCELLED,
    /** The request's deadline passed. */
    DEADLINE,
    /** The request itself is unusable (empty, too long for the context, bad parameters): nothing was generated. */
    INVALID,
    /** The engine failed while running the request. */
    ERROR
}
