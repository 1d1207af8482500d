package dev.ponder.app.stream;

import dev.ponder.core.engine.FinishReason;
import dev.ponder.core.engine.GenerationRequest;
import dev.ponder.core.engine.GenerationResult;
import dev.ponder.core.engine.Generator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The engine stood in for: takes requests while fewer than {@code slots} are pending, and answers one only when
 * the test says so, the way the engine completes results on its own thread while the stream thread goes on.
 */
final class ScriptedGenerator implements Generator {
    private final int slots;
    private final Map<String, CompletableFuture<GenerationResult>> pending = new LinkedHashMap<>();
    private final List<String> submitted = new ArrayList<>();

    ScriptedGenerator(int slots) {
        this.slots = slots;
    }

    @Override
    public synchronized CompletableFuture<GenerationResult> submit(GenerationRequest request) {
        CompletableFuture<GenerationResult> future = new CompletableFuture<>();
        pending.put(request.id(), future);
        submitted.add(requestId(request.id()));
        return future;
    }

    @Override
    public boolean cancel(String engineId) {
        CompletableFuture<GenerationResult> future;
        synchronized (this) {
            future = pending.remove(engineId);
        }
        if (future == null) {
            return false;
        }
        future.complete(GenerationResult.failed(engineId, FinishReason.CANCELLED, "cancelled", 0));
        return true;
    }

    @Override
    public synchronized int capacity() {
        return Math.max(0, slots - pending.size());
    }

    /** The request_ids handed over so far, in order (a job submitted twice appears twice). */
    synchronized List<String> submitted() {
        return List.copyOf(submitted);
    }

    /** Completes the pending submission of {@code requestId} with a finished thought and this answer. */
    void answer(String requestId, String answer) {
        CompletableFuture<GenerationResult> future;
        String engineId;
        synchronized (this) {
            engineId = pending.keySet().stream().filter(id -> requestId(id).equals(requestId)).findFirst()
                    .orElseThrow(() -> new AssertionError("'" + requestId + "' is not with the engine; pending: " + pending.keySet()));
            future = pending.remove(engineId);
        }
        future.complete(new GenerationResult(engineId, "Thinking about " + requestId + ".", answer, FinishReason.STOP,
                new GenerationResult.Usage(20, 0, 5, 4), new GenerationResult.Timings(1, 2, 3), new int[9], false, null));
    }

    /** The service submits a job as {@code request_id#n}, a fresh n per submission. */
    private static String requestId(String engineId) {
        return engineId.substring(0, engineId.lastIndexOf('#'));
    }
}
