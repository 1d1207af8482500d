package dev.ponder.core.engine;

import java.util.concurrent.CompletableFuture;

/**
 * What a caller needs of an engine to run requests: hand one over, call one off, and how many more it takes now.
 * {@link Engine} is the real one; the stream layer depends on this alone, so its topology can be tested fast
 * with a stand-in that answers when the test says so.
 */
public interface Generator {

    /**
     * Queues a request and returns at once. The future always completes, with the result or with a result
     * whose finish reason says why there is none (INVALID, DEADLINE, CANCELLED, ERROR).
     */
    CompletableFuture<GenerationResult> submit(GenerationRequest request);

    /** Asks to stop a request; its future completes with CANCELLED. Returns false if it is not in flight. */
    boolean cancel(String requestId);

    /** How many more requests may be submitted now. */
    int capacity();
}
