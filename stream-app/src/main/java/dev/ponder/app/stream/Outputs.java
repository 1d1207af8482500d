package dev.ponder.app.stream;

import dev.ponder.core.chat.ToolCallParser;
import dev.ponder.core.chat.ToolChoice;
import dev.ponder.core.chat.ToolDefinition;
import dev.ponder.core.engine.FinishReason;
import dev.ponder.core.engine.GenerationResult;
import dev.ponder.schemas.avro.AnswerChoice;
import dev.ponder.schemas.avro.AnswerRecord;
import dev.ponder.schemas.avro.AnswerStatus;
import dev.ponder.schemas.avro.AnswerToolCall;
import dev.ponder.schemas.avro.AnswerVote;
import dev.ponder.schemas.avro.ReasoningChain;
import dev.ponder.schemas.avro.ReasoningRecord;
import dev.ponder.schemas.avro.ReasoningRequest;
import dev.ponder.schemas.avro.Timings;
import dev.ponder.schemas.avro.Usage;
import java.time.Instant;
import java.util.List;
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
                r.usage().reasoningTokens(), model, metadata, chains(r));
        String text = r.answer();
        String finish = finishReason(r.finishReason(), !request.getStop().isEmpty());
        List<AnswerToolCall> toolCalls = null;
        List<String> offered = offeredTools(request);
        if (text != null && !offered.isEmpty()) {
            ToolCallParser.ParsedAnswer parsed = ToolCallParser.parse(text, offered, request.getRequestId());
            if (parsed.hasCalls()) {
                text = parsed.text();
                toolCalls = parsed.calls().stream()
                        .map(c -> new AnswerToolCall(c.id(), c.name(), c.arguments(), c.error())).toList();
                // The model ended its turn to have the calls run; a length limit or the repetition guard still says so.
                if (r.finishReason() == FinishReason.STOP) {
                    finish = "tool_calls";
                }
                if (!parsed.errors().isEmpty() && status == AnswerStatus.OK) {
                    status = AnswerStatus.ERROR;
                    error = "the answer has invalid tool calls: " + String.join("; ", parsed.errors());
                }
            }
        }
        AnswerRecord answer = new AnswerRecord(request.getRequestId(), status, text, finish, usage, timings, model, error,
                now, metadata, toolCalls, r.answerFormatOk(), choices(r, !request.getStop().isEmpty()), vote(r));
        return new Outputs(reasoning, answer);
    }

    /** Each chain's reasoning for a job of several samples; null for one. */
    static List<ReasoningChain> chains(GenerationResult r) {
        if (r.choices() == null) {
            return null;
        }
        return r.choices().stream().map(c -> new ReasoningChain(c.index(), c.reasoning() == null ? "" : c.reasoning(),
                c.reasoningTokens())).toList();
    }

    /** Each chain's answer for a job of several samples; null for one. */
    static List<AnswerChoice> choices(GenerationResult r, boolean hadStopStrings) {
        if (r.choices() == null) {
            return null;
        }
        return r.choices().stream().map(c -> new AnswerChoice(c.index(), status(c.finishReason()), c.answer(),
                finishReason(c.finishReason(), hadStopStrings), c.reasoningTokens(), c.answerTokens(), c.answerFormatOk(),
                c.error())).toList();
    }

    static AnswerVote vote(GenerationResult r) {
        return r.vote() == null ? null : new AnswerVote(r.vote().answer(), r.vote().count(), r.vote().counted());
    }

    /**
     * The names of the functions the prompt listed (as the engine rendered it): none without tools or with
     * tool_choice none, in which case the answer is not searched for calls.
     */
    static List<String> offeredTools(ReasoningRequest request) {
        if (request.getTools() == null || request.getTools().isEmpty()) {
            return List.of();
        }
        List<ToolDefinition> tools = request.getTools().stream()
                .map(t -> new ToolDefinition(t.getName(), t.getDescription(), t.getParameters())).toList();
        try {
            return ToolChoice.parse(request.getToolChoice()).listed(tools).stream().map(ToolDefinition::name).toList();
        } catch (IllegalArgumentException e) {
            return List.of(); // such a request was answered INVALID before it ran
        }
    }

    /** The records for a request answered without running: INVALID or EXPIRED with the reason. */
    public static Outputs rejected(ReasoningRequest request, AnswerStatus status, String message, String model, Instant now) {
        String id = request.getRequestId() == null ? "" : request.getRequestId();
        Map<String, String> metadata = request.getMetadata();
        ReasoningRecord reasoning = new ReasoningRecord(id, "", 0, model, metadata, null);
        AnswerRecord answer = new AnswerRecord(id, status, null, null, new Usage(0, 0, 0, 0), new Timings(0L, 0L, 0L, 0L),
                model, message, now, metadata, null, null, null, null);
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
