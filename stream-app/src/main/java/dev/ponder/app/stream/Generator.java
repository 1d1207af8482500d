package dev.ponder.app.stream;

import dev.ponder.core.engine.Engine;
import dev.ponder.core.engine.GenerationRequest;
import dev.ponder.core.engine.GenerationResult;
import java.util.concurrent.CompletableFuture;

/**
 * What the job processor needs of the engine. In service it is the {@link Engine} itself; tests may wrap it (a
 * model that makes tool calls on cue, for example) without touching the rest of the Kafka path.
 */
public interface Generator {
    /** Non-blocking: the future completes on the engine's thread. */
    CompletableFuture<GenerationResult> submit(GenerationRequest request);

    /** Stops a request; false when it is not in flight. */
    boolean cancel(String requestId);

    /** How many more requests may be submitted now. */
    int capacity();

    static Generator of(Engine engine) {
        return new Generator() {
            @Override
            public CompletableFuture<GenerationResult> submit(GenerationRequest request) {
                return engine.submit(request);
            }

            @Override
            public boolean cancel(String requestId) {
                return engine.cancel(requestId);
            }

            @Override
            public int capacity() {
                return engine.capacity();
            }
        };
    }
}
