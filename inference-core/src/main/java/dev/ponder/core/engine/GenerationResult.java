package dev.ponder.core.engine;

import java.util.List;

/**
 * The outcome of a request: the reasoning and the answer apart, why it ended, usage and timings.
 *
 * @param answer              the text after {@code </think>}; null when there is none (length reached while reasoning,
 *                            or the request failed)
 * @param tokens              every generated token id, in order (reasoning, the closing tag, the answer; not the
 *                            end-of-turn token)
 * @param reasoningBudgetHit  true when the engine closed the thought: the reasoning budget ran out, or (under a
 *                            response format) the tokens left were just enough for the shortest valid answer
 * @param error               what went wrong, for INVALID and ERROR (null otherwise)
 * @param answerFormatOk      for a request with a response format: whether the answer text, as returned, is there
 *                            and a whole match of it (a JSON object cut short by the token limit or a stop string
 *                            is not; a run of digits cut short still matches {@code [0-9]+}); null when no format
 *                            was asked or the request failed before generating
 * @param choices             for a request of several samples: every chain, in sample order (the fields above are
 *                            those of the chain the vote picked: see {@link SampleGroup}); null for one sample
 * @param vote                for a request of several samples: the most frequent answer and its count; null for one
 *                            sample, or when no chain gave an answer that counts
 */
public record GenerationResult(String requestId, String reasoning, String answer, FinishReason finishReason,
                               Usage usage, Timings timings, int[] tokens, boolean reasoningBudgetHit, String error,
                               Boolean answerFormatOk, List<Choice> choices, Vote vote) {

    public GenerationResult {
        choices = choices == null ? null : List.copyOf(choices);
    }

    /** The result of one chain. */
    public GenerationResult(String requestId, String reasoning, String answer, FinishReason finishReason, Usage usage,
            Timings timings, int[] tokens, boolean reasoningBudgetHit, String error, Boolean answerFormatOk) {
        this(requestId, reasoning, answer, finishReason, usage, timings, tokens, reasoningBudgetHit, error, answerFormatOk,
                null, null);
    }

    /** The result of a request that asked for no response format. */
    public GenerationResult(String requestId, String reasoning, String answer, FinishReason finishReason, Usage usage,
            Timings timings, int[] tokens, boolean reasoningBudgetHit, String error) {
        this(requestId, reasoning, answer, finishReason, usage, timings, tokens, reasoningBudgetHit, error, null);
    }

    /**
     * One sampled chain of a request of several.
     *
     * @param index the sample's number, 0 first (its seed is {@link GenerationRequest#sampleSeed}(index))
     */
    public record Choice(int index, String reasoning, String answer, FinishReason finishReason, int reasoningTokens,
                         int answerTokens, int[] tokens, boolean reasoningBudgetHit, Boolean answerFormatOk, String error) {
    }

    /**
     * The majority of the chains' answers.
     *
     * @param answer  the winning answer, normalised as it was compared (see {@link AnswerVote})
     * @param count   how many chains gave it
     * @param counted how many chains had an answer that counts (ended by the model, and valid under a response format)
     */
    public record Vote(String answer, int count, int counted) {
    }

    /** Token counts. {@code cachedPromptTokens} of the prompt were served from the prefix cache. */
    public record Usage(int promptTokens, int cachedPromptTokens, int reasoningTokens, int answerTokens) {
        public int completionTokens() {
            return reasoningTokens + answerTokens;
        }
    }

    /** Milliseconds queued before admission, from admission to the first generated token, and decoding after it. */
    public record Timings(double queuedMs, double prefillMs, double decodeMs) {
        public double totalMs() {
            return queuedMs + prefillMs + decodeMs;
        }
    }

    public static GenerationResult failed(String requestId, FinishReason reason, String error, int promptTokens) {
        return new GenerationResult(requestId, "", null, reason, new Usage(promptTokens, 0, 0, 0),
                new Timings(0, 0, 0), new int[0], false, error);
    }

    public boolean ok() {
        return finishReason != FinishReason.INVALID && finishReason != FinishReason.ERROR;
    }
}
