package dev.ponder.app.testing;

import dev.ponder.core.engine.Generator;
import dev.ponder.core.engine.FinishReason;
import dev.ponder.core.engine.GenerationRequest;
import dev.ponder.core.engine.GenerationResult;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A double at the engine seam for a model that calls tools: the bundled model only does arithmetic, so for the
 * jobs named in {@code answers} this keeps the engine's real run (prompt, usage, timings) and replaces the answer
 * text with the scripted one, ending the turn as a model that emitted it would. Other jobs pass through unchanged.
 * It remembers every request the processor submitted, by request id.
 */
public final class ToolCallingModel implements Generator {
    /** What QwQ-32B and Qwen2.5 emit to call get_weather (the format their templates ask for). */
    public static final String WEATHER_CALL =
            "\n\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Zürich\"}}\n</tool_call>";

    private final Generator engine;
    private final Map<String, String> answers;
    public final Map<String, GenerationRequest> seen = new ConcurrentHashMap<>();

    public ToolCallingModel(Generator engine, Map<String, String> answers) {
        this.engine = engine;
        this.answers = answers;
    }

    @Override
    public CompletableFuture<GenerationResult> submit(GenerationRequest request) {
        int hash = request.id().indexOf('#'); // the processor submits "<request_id>#<n>"
        String id = hash < 0 ? request.id() : request.id().substring(0, hash);
        seen.put(id, request);
        String scripted = answers.get(id);
        return engine.submit(request).thenApply(r -> scripted == null || !r.ok() ? r
                : new GenerationResult(r.requestId(), r.reasoning(), scripted, FinishReason.STOP, r.usage(),
                        r.timings(), r.tokens(), false, null));
    }

    @Override
    public boolean cancel(String requestId) {
        return engine.cancel(requestId);
    }

    @Override
    public int capacity() {
        return engine.capacity();
    }
}
