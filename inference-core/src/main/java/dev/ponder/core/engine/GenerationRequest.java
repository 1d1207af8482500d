package dev.ponder.core.engine;

import dev.ponder.core.chat.ChatMessage;
import dev.ponder.core.chat.ToolChoice;
import dev.ponder.core.chat.ToolDefinition;
import dev.ponder.core.constrain.AnswerConstraint;
import dev.ponder.core.sampling.SamplingParams;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One generation job for the engine.
 *
 * @param id                  the caller's identifier (idempotency key), echoed in the result
 * @param messages            the conversation; a system message, if any, first
 * @param sampling            sampling parameters, including the seed
 * @param maxTokens           limit on generated tokens (reasoning and answer together)
 * @param maxReasoningTokens  reasoning budget: after this many tokens inside the thought the engine closes it
 *                            ({@code </think>}) so the model answers; 0 means no budget
 * @param stop                stop strings, matched in the answer text
 * @param cacheSalt           prefix-cache partition (e.g. a tenant): requests with different salts never share KV;
 *                            null for the shared partition
 * @param deadline            when the result stops being useful, or null
 * @param tools               functions the model may call (rendered by the chat template); empty for none
 * @param toolChoice          which of them are offered (see {@link ToolChoice}); AUTO when null
 * @param responseFormat      what the answer (the text after the thought) must be, or null for free text; see
 *                            {@link AnswerConstraint}
 */
public record GenerationRequest(String id, List<ChatMessage> messages, SamplingParams sampling, int maxTokens,
                                int maxReasoningTokens, List<String> stop, String cacheSalt, Instant deadline,
                                List<ToolDefinition> tools, ToolChoice toolChoice, AnswerConstraint responseFormat) {

    public GenerationRequest {
        Objects.requireNonNull(id, "id");
        messages = List.copyOf(messages);
        Objects.requireNonNull(sampling, "sampling");
        stop = stop == null ? List.of() : List.copyOf(stop);
        tools = tools == null ? List.of() : List.copyOf(tools);
        toolChoice = toolChoice == null ? ToolChoice.AUTO : toolChoice;
    }

    /** A request with free-text answers. */
    public GenerationRequest(String id, List<ChatMessage> messages, SamplingParams sampling, int maxTokens,
            int maxReasoningTokens, List<String> stop, String cacheSalt, Instant deadline, List<ToolDefinition> tools,
            ToolChoice toolChoice) {
        this(id, messages, sampling, maxTokens, maxReasoningTokens, stop, cacheSalt, deadline, tools, toolChoice, null);
    }

    /** A request without tools. */
    public GenerationRequest(String id, List<ChatMessage> messages, SamplingParams sampling, int maxTokens,
            int maxReasoningTokens, List<String> stop, String cacheSalt, Instant deadline) {
        this(id, messages, sampling, maxTokens, maxReasoningTokens, stop, cacheSalt, deadline, List.of(), ToolChoice.AUTO);
    }

    /** The tools the prompt lists: none for tool_choice none, only the named one for a named choice. */
    public List<ToolDefinition> listedTools() {
        return toolChoice.listed(tools);
    }

    /** A single-turn request: an optional system prompt and a user prompt. */
    public static GenerationRequest of(String id, String system, String prompt, SamplingParams sampling, int maxTokens) {
        return new GenerationRequest(id, messages(system, prompt), sampling, maxTokens, 0, List.of(), null, null);
    }

    public static List<ChatMessage> messages(String system, String prompt) {
        List<ChatMessage> messages = new ArrayList<>();
        if (system != null && !system.isEmpty()) {
            messages.add(ChatMessage.system(system));
        }
        messages.add(ChatMessage.user(prompt));
        return messages;
    }

    public GenerationRequest withMaxReasoningTokens(int budget) {
        return new GenerationRequest(id, messages, sampling, maxTokens, budget, stop, cacheSalt, deadline, tools, toolChoice,
                responseFormat);
    }

    public GenerationRequest withStop(List<String> stopStrings) {
        return new GenerationRequest(id, messages, sampling, maxTokens, maxReasoningTokens, stopStrings, cacheSalt, deadline,
                tools, toolChoice, responseFormat);
    }

    public GenerationRequest withCacheSalt(String salt) {
        return new GenerationRequest(id, messages, sampling, maxTokens, maxReasoningTokens, stop, salt, deadline, tools,
                toolChoice, responseFormat);
    }

    public GenerationRequest withDeadline(Instant when) {
        return new GenerationRequest(id, messages, sampling, maxTokens, maxReasoningTokens, stop, cacheSalt, when, tools,
                toolChoice, responseFormat);
    }

    public GenerationRequest withId(String newId) {
        return new GenerationRequest(newId, messages, sampling, maxTokens, maxReasoningTokens, stop, cacheSalt, deadline,
                tools, toolChoice, responseFormat);
    }

    public GenerationRequest withTools(List<ToolDefinition> offered, ToolChoice choice) {
        return new GenerationRequest(id, messages, sampling, maxTokens, maxReasoningTokens, stop, cacheSalt, deadline,
                offered, choice, responseFormat);
    }

    public GenerationRequest withResponseFormat(AnswerConstraint format) {
        return new GenerationRequest(id, messages, sampling, maxTokens, maxReasoningTokens, stop, cacheSalt, deadline,
                tools, toolChoice, format);
    }
}
