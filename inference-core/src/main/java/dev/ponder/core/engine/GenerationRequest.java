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
 * @param samples             how many chains to sample from the one prompt (1 to {@value #MAX_SAMPLES}): the prompt is
 *                            computed once and its KV shared; sample {@code i} draws with its own seed
 *                            ({@link #sampleSeed}); the result carries every chain and the majority answer
 */
public record GenerationRequest(String id, List<ChatMessage> messages, SamplingParams sampling, int maxTokens,
                                int maxReasoningTokens, List<String> stop, String cacheSalt, Instant deadline,
                                List<ToolDefinition> tools, ToolChoice toolChoice, AnswerConstraint responseFormat,
                                int samples) {

    /** The most chains one request may sample. */
    public static final int MAX_SAMPLES = 16;

    public GenerationRequest {
        Objects.requireNonNull(id, "id");
        messages = List.copyOf(messages);
        Objects.requireNonNull(sampling, "sampling");
        stop = stop == null ? List.of() : List.copyOf(stop);
        tools = tools == null ? List.of() : List.copyOf(tools);
        toolChoice = toolChoice == null ? ToolChoice.AUTO : toolChoice;
    }

    /** A request for one chain. */
    public GenerationRequest(String id, List<ChatMessage> messages, SamplingParams sampling, int maxTokens,
            int maxReasoningTokens, List<String> stop, String cacheSalt, Instant deadline, List<ToolDefinition> tools,
            ToolChoice toolChoice, AnswerConstraint responseFormat) {
        this(id, messages, sampling, maxTokens, maxReasoningTokens, stop, cacheSalt, deadline, tools, toolChoice,
                responseFormat, 1);
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
                responseFormat, samples);
    }

    public GenerationRequest withStop(List<String> stopStrings) {
        return new GenerationRequest(id, messages, sampling, maxTokens, maxReasoningTokens, stopStrings, cacheSalt, deadline,
                tools, toolChoice, responseFormat, samples);
    }

    public GenerationRequest withCacheSalt(String salt) {
        return new GenerationRequest(id, messages, sampling, maxTokens, maxReasoningTokens, stop, salt, deadline, tools,
                toolChoice, responseFormat, samples);
    }

    public GenerationRequest withDeadline(Instant when) {
        return new GenerationRequest(id, messages, sampling, maxTokens, maxReasoningTokens, stop, cacheSalt, when, tools,
                toolChoice, responseFormat, samples);
    }

    public GenerationRequest withId(String newId) {
        return new GenerationRequest(newId, messages, sampling, maxTokens, maxReasoningTokens, stop, cacheSalt, deadline,
                tools, toolChoice, responseFormat, samples);
    }

    public GenerationRequest withTools(List<ToolDefinition> offered, ToolChoice choice) {
        return new GenerationRequest(id, messages, sampling, maxTokens, maxReasoningTokens, stop, cacheSalt, deadline,
                offered, choice, responseFormat, samples);
    }

    public GenerationRequest withResponseFormat(AnswerConstraint format) {
        return new GenerationRequest(id, messages, sampling, maxTokens, maxReasoningTokens, stop, cacheSalt, deadline,
                tools, toolChoice, format, samples);
    }

    public GenerationRequest withSamples(int n) {
        return new GenerationRequest(id, messages, sampling, maxTokens, maxReasoningTokens, stop, cacheSalt, deadline,
                tools, toolChoice, responseFormat, n);
    }

    /**
     * The seed of sample {@code index}: the request's own for the first (so one sample is the plain request), a
     * mix of it and the index for the others, so that the chains differ and a replay draws the same ones.
     */
    public long sampleSeed(int index) {
        if (index == 0) {
            return sampling.seed();
        }
        long z = sampling.seed() + index * 0x9E3779B97F4A7C15L; // SplitMix64's step and finaliser
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
