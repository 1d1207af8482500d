package dev.ponder.app.stream;

import dev.ponder.core.engine.FinishReason;
import dev.ponder.core.engine.GenerationResult;
import dev.ponder.schemas.avro.AnswerRecord;
import dev.ponder.schemas.avro.AnswerStatus;
import dev.ponder.schemas.avro.ReasoningRecord;
import dev.ponder.schemas.avro.ReasoningRequest;
import dev.ponder.schemas.avro.Timings;
import dev.ponder.schemas.avro.Usage;
import java.time.Instant;
import java.util.Map;

/** The two output records of a job: from an engine result, or for a request that was rejected before it ran. */
public record Outputs(ReasoningRecord reasoning, AnswerRecord answer) {

    /** The records for a finished generation. {@code acceptedAtMs} starts the job's total time. */
    public static Outputs of(ReasoningRequest request, GenerationResult r, String model, long acceptedAtMs, Instant now) {
        AnswerStatus status = status(r.finishReason());
        long total = Math.max(0, now.toEpochMilli() - acceptedAtMs);
        long prefill = Math.round(r.timings().prefillMs());
        long decode = Math.round(r.timings().decodeMs());
        Timings timings = new Timings(Math.max(0, total - prefill - decode), prefill, decode, total);
        Usage usage = new Usage(r.usage().promptTokens(), r.usage().cachedPromptTokens(), r.usage().reasoningTokens(),
                r.usage().answerTokens());
        String error = switch (r.finishReason()) {
            case REPETITION -> "generation stopped: the model kept repeating the same text (repetition guard)";
            case DEADLINE, INVALID, ERROR -> r.error();
            default -> null;
        };
        Map<String, String> metadata = request.getMetadata();
        ReasoningRecord reasoning = new ReasoningRecord(request.getRequestId(), r.reasoning() == null ? "" : r.reasoning(),
                r.usage().reasoningTokens(), model, metadata);
        AnswerRecord answer = new AnswerRecord(request.getRequestId(), status, r.answer(),
                finishReason(r.finishReason(), !request.getStop().isEmpty()), usage, timings, model, error, now, metadata);
        return new Outputs(reasoning, answer);
    }

    /** The records for a request answered without running: INVALID or EXPIRED with the reason. */
    public static Outputs rejected(ReasoningRequest request, AnswerStatus status, String message, String model, Instant now) {
        String id = request.getRequestId() == null ? "" : request.getRequestId();
        Map<String, String> metadata = request.getMetadata();
        ReasoningRecord reasoning = new ReasoningRecord(id, "", 0, model, metadata);
        AnswerRecord answer = new AnswerRecord(id, status, null, null, new Usage(0, 0, 0, 0), new Timings(0L, 0L, 0L, 0L),
                model, message, now, metadata);
        return new Outputs(reasoning, answer);
    }

    static AnswerStatus status(FinishReason reason) {
        return switch (reason) {
            case STOP -> AnswerStatus.OK;
            case LENGTH, REASONING_LENGTH -> AnswerStatus.LENGTH;
            case DEADLINE -> AnswerStatus.EXPIRED;
            case INVALID -> AnswerStatus.INVALID;
            case CANCELLED -> AnswerStatus.CANCELLED;
            case REPETITION, ERROR -> AnswerStatus.ERROR;
        };
    }

    /**
     * The schema's finish_reason words. The engine reports an end of turn and a stop string alike (STOP): with
     * no stop strings in the request it can only have been the end-of-sequence token.
     */
    static String finishReason(FinishReason reason, boolean hadStopStrings) {
        return switch (reason) {
            case STOP -> hadStopStrings ? "stop" : "eos";
            case LENGTH, REASONING_LENGTH -> "length";
            case REPETITION -> "repetition";
            case DEADLINE -> "deadline";
            case INVALID, ERROR, CANCELLED -> null;
        };
    }
}
