package dev.ponder.app.stream;

import dev.ponder.app.config.JobSettings;
import dev.ponder.core.chat.ChatMessage;
import dev.ponder.core.chat.ToolCall;
import dev.ponder.core.chat.ToolChoice;
import dev.ponder.core.chat.ToolDefinition;
import dev.ponder.core.chat.ToolJson;
import dev.ponder.core.constrain.AnswerConstraint;
import dev.ponder.core.constrain.ConstraintException;
import dev.ponder.core.engine.GenerationRequest;
import dev.ponder.core.sampling.SamplingParams;
import dev.ponder.schemas.avro.AnswerStatus;
import dev.ponder.schemas.avro.ReasoningRequest;
import dev.ponder.schemas.avro.ResponseFormat;
import dev.ponder.schemas.avro.SamplingOverrides;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a request record into an engine request, or says why it cannot run (status INVALID or EXPIRED and a
 * message that tells the user what to fix). The engine validates again what only it can know (prompt length
 * against the context, the KV cache size).
 */
public final class RequestMapper {
    private final JobSettings settings;

    public RequestMapper(JobSettings settings) {
        this.settings = settings;
    }

    /** Either a request to run or a rejection. */
    public sealed interface Outcome permits Ready, Rejected {
    }

    public record Ready(GenerationRequest request) implements Outcome {
    }

    public record Rejected(AnswerStatus status, String message) implements Outcome {
    }

    public Outcome map(ReasoningRequest r, Instant now) {
        String id = r.getRequestId();
        if (id == null || id.isBlank()) {
            return invalid("request_id is empty: give every job a unique, non-empty request_id");
        }
        boolean hasMessages = r.getMessages() != null && !r.getMessages().isEmpty();
        boolean hasPrompt = r.getPrompt() != null;
        if (hasMessages && hasPrompt) {
            return invalid("the request has both messages and prompt; give one of them");
        }
        if (!hasMessages && !hasPrompt) {
            return invalid("the request has neither messages nor prompt; give one of them");
        }
        List<ChatMessage> messages = new ArrayList<>();
        try {
            if (r.getSystem() != null && !r.getSystem().isEmpty()) {
                messages.add(ChatMessage.system(r.getSystem()));
            }
            if (hasPrompt) {
                messages.add(ChatMessage.user(r.getPrompt()));
            } else {
                for (dev.ponder.schemas.avro.ChatMessage m : r.getMessages()) {
                    messages.add(message(m, messages.size()));
                }
            }
        } catch (IllegalArgumentException e) {
            return invalid("messages: " + e.getMessage());
        }
        List<ToolDefinition> tools = new ArrayList<>();
        ToolChoice toolChoice;
        try {
            if (r.getTools() != null) {
                for (dev.ponder.schemas.avro.ToolDefinition t : r.getTools()) {
                    ToolDefinition tool = new ToolDefinition(t.getName(), t.getDescription(), t.getParameters());
                    if (tool.parameters() != null) {
                        ToolJson.parseObject(tool.parameters(), "the parameters of tool '" + tool.name() + "'");
                    }
                    tools.add(tool);
                }
            }
            toolChoice = ToolChoice.parse(r.getToolChoice());
            toolChoice.listed(tools); // checks that a named function is among the tools, and that names are unique
        } catch (IllegalArgumentException e) {
            return invalid("tools: " + e.getMessage());
        }
        int maxTokens = r.getMaxTokens() == null ? settings.defaultMaxTokens() : r.getMaxTokens();
        if (maxTokens <= 0) {
            return invalid("max_tokens must be positive, not " + maxTokens);
        }
        if (maxTokens > settings.maxTokensLimit()) {
            return invalid("max_tokens " + maxTokens + " is above this service's limit of " + settings.maxTokensLimit()
                    + " (limits.max.tokens)");
        }
        int maxReasoning = r.getMaxReasoningTokens() == null ? settings.defaultMaxReasoningTokens() : r.getMaxReasoningTokens();
        if (maxReasoning < 0) {
            return invalid("max_reasoning_tokens must be 0 (no budget) or positive, not " + maxReasoning);
        }
        for (String stop : r.getStop()) {
            if (stop.isEmpty()) {
                return invalid("stop strings must not be empty");
            }
        }
        SamplingParams sampling;
        try {
            sampling = sampling(r.getSampling(), id);
        } catch (IllegalArgumentException e) {
            return invalid("sampling: " + e.getMessage());
        }
        AnswerConstraint format;
        try {
            format = responseFormat(r.getResponseFormat());
        } catch (IllegalArgumentException e) {
            return invalid("response_format: " + e.getMessage());
        }
        int samples = r.getN() == null ? 1 : r.getN();
        if (samples < 1 || samples > GenerationRequest.MAX_SAMPLES) {
            return invalid("n must be 1 to " + GenerationRequest.MAX_SAMPLES + ", not " + samples);
        }
        Instant deadline = r.getDeadline();
        if (deadline != null && !now.isBefore(deadline)) {
            return new Rejected(AnswerStatus.EXPIRED, "the deadline " + deadline + " passed before the job started");
        }
        return new Ready(new GenerationRequest(id, messages, sampling, maxTokens, maxReasoning, r.getStop(),
                r.getCacheSalt(), deadline, tools, toolChoice, format, samples));
    }

    /**
     * The answer constraint a response format asks for, or null for none. It is compiled here once to check it
     * (well under a millisecond for a usual schema), so that a bad one is rejected before it takes a place in the
     * engine's queue; the engine compiles it again, once, for its cache. Throws {@link IllegalArgumentException}
     * (a {@link ConstraintException} for the format itself) with a message for the user.
     */
    static AnswerConstraint responseFormat(ResponseFormat f) {
        if (f == null) {
            return null;
        }
        AnswerConstraint constraint = switch (f.getType()) {
            case "json_schema" -> new AnswerConstraint.JsonSchema(required(f.getJsonSchema(), "json_schema", "json_schema"));
            case "regex" -> new AnswerConstraint.Regex(required(f.getRegex(), "regex", "regex"));
            case "choice" -> {
                if (f.getChoices() == null || f.getChoices().isEmpty()) {
                    throw new IllegalArgumentException("type choice needs a non-empty choices list");
                }
                yield new AnswerConstraint.Choice(f.getChoices());
            }
            default -> throw new IllegalArgumentException("unknown type '" + f.getType()
                    + "'; use json_schema, regex or choice");
        };
        constraint.compile();
        return constraint;
    }

    private static String required(String value, String field, String type) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("type " + type + " needs the field " + field);
        }
        return value;
    }

    /** One turn of the request; {@code index} (from 0) names it in error messages. */
    private static ChatMessage message(dev.ponder.schemas.avro.ChatMessage m, int index) {
        List<ToolCall> calls = new ArrayList<>();
        if (m.getToolCalls() != null) {
            for (dev.ponder.schemas.avro.ToolCall c : m.getToolCalls()) {
                ToolCall call = new ToolCall(c.getId(), c.getName(), c.getArguments());
                ToolJson.parseObject(call.arguments(), "message " + index + ": the arguments of the call to '"
                        + call.name() + "'");
                calls.add(call);
            }
        }
        try {
            return new ChatMessage(m.getRole(), m.getContent(), calls, m.getToolCallId());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("message " + index + ": " + e.getMessage(), e);
        }
    }

    private SamplingParams sampling(SamplingOverrides o, String requestId) {
        SamplingParams d = settings.defaultSampling();
        if (o == null) {
            return d.withSeed(seedFor(requestId));
        }
        return new SamplingParams(
                o.getTemperature() != null ? o.getTemperature() : d.temperature(),
                o.getTopK() != null ? o.getTopK() : d.topK(),
                o.getTopP() != null ? o.getTopP() : d.topP(),
                o.getMinP() != null ? o.getMinP() : d.minP(),
                o.getRepetitionPenalty() != null ? o.getRepetitionPenalty() : d.repetitionPenalty(),
                o.getPresencePenalty() != null ? o.getPresencePenalty() : d.presencePenalty(),
                o.getFrequencyPenalty() != null ? o.getFrequencyPenalty() : d.frequencyPenalty(),
                o.getSeed() != null ? o.getSeed() : seedFor(requestId));
    }

    /**
     * A request without a seed gets one derived from its id, so that a job replayed after a crash or a
     * rebalance samples exactly the same tokens (the engine is batch-invariant) and its answer does not change.
     */
    static long seedFor(String requestId) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(requestId.getBytes(StandardCharsets.UTF_8));
            long seed = 0;
            for (int i = 0; i < 8; i++) {
                seed = (seed << 8) | (h[i] & 0xff);
            }
            return seed;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    private static Rejected invalid(String message) {
        return new Rejected(AnswerStatus.INVALID, message);
    }
}
