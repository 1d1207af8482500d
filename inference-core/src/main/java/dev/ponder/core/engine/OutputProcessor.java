package dev.ponder.core.engine;

import dev.ponder.core.reasoning.ReasoningSplit;
import dev.ponder.core.reasoning.ReasoningSplitter;
import dev.ponder.core.reasoning.ReasoningTracker;
import dev.ponder.core.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * The output stage of a step: turns a sequence's logits row into its next token (sampler, or the forced
 * {@code </think>} of an exhausted reasoning budget), decides whether the sequence is finished (end of turn,
 * stop string, length, context, repetition guard), and builds the result of a finished sequence (reasoning
 * split from answer, usage, timings). Only the engine's thread calls it.
 */
final class OutputProcessor {
    private final int vocab;
    private final int contextLength;
    private final int[] endOfTurnIds;
    private final int thinkCloseId;
    private final RepetitionGuard repetition;
    private final ReasoningSplitter splitter = ReasoningSplitter.qwen();

    OutputProcessor(int vocab, int contextLength, int[] endOfTurnIds, int thinkCloseId, RepetitionGuard repetition) {
        this.vocab = vocab;
        this.contextLength = contextLength;
        this.endOfTurnIds = endOfTurnIds.clone();
        this.thinkCloseId = thinkCloseId;
        this.repetition = repetition;
    }

    /** The ids that end a turn: the vocabulary's end of sequence, {@code <|im_end|>} and {@code <|endoftext|>}. */
    static int[] endOfTurnIds(Tokenizer tokenizer) {
        List<Integer> ids = new ArrayList<>();
        tokenizer.eosTokenId().ifPresent(ids::add);
        for (String marker : List.of("<|im_end|>", "<|endoftext|>")) {
            tokenizer.findTokenId(marker).ifPresent(id -> {
                if (!ids.contains(id)) {
                    ids.add(id);
                }
            });
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * Picks the sequence's next token from the logits row at {@code offset} and appends it (an end-of-turn
     * token is not appended). Returns why the sequence is now finished, or null while it goes on.
     */
    FinishReason onLogits(Sequence seq, float[] logits, int offset) {
        GenerationRequest request = seq.request;
        int token;
        if (request.maxReasoningTokens() > 0 && seq.reasoning.budgetExhausted(request.maxReasoningTokens())) {
            token = thinkCloseId;
            seq.sampler.accept(token);
            seq.reasoningBudgetHit = true;
        } else {
            token = seq.sampler.sample(logits, offset, vocab);
        }
        if (seq.firstTokenNanos < 0) {
            seq.firstTokenNanos = System.nanoTime();
        }
        if (isEndOfTurn(token)) {
            return FinishReason.STOP;
        }
        seq.append(token);
        ReasoningTracker.Phase before = seq.reasoning.phase();
        ReasoningTracker.Phase phase = seq.reasoning.onToken(token);
        String piece = seq.decoder.feed(token);
        seq.text.append(piece);
        if (before == ReasoningTracker.Phase.ANSWERING && phase == ReasoningTracker.Phase.ANSWERING
                && !request.stop().isEmpty() && seq.stopMatcher.append(piece)) {
            return FinishReason.STOP;
        }
        if (before == ReasoningTracker.Phase.THINKING && phase == ReasoningTracker.Phase.ANSWERING) {
            seq.answerStart = seq.text.length();
        }
        if (seq.generated() >= request.maxTokens() || seq.size >= contextLength) {
            return phase == ReasoningTracker.Phase.THINKING ? FinishReason.REASONING_LENGTH : FinishReason.LENGTH;
        }
        if (repetition.enabled() && repetition.isStuck(seq.tokens, seq.size)) {
            return FinishReason.REPETITION;
        }
        return null;
    }

    private boolean isEndOfTurn(int token) {
        for (int id : endOfTurnIds) {
            if (id == token) {
                return true;
            }
        }
        return false;
    }

    /**
     * The result of a finished sequence. A sequence stopped while still thinking (length, deadline,
     * cancellation, repetition) has no answer; a stop string cuts the answer before it.
     */
    GenerationResult result(Sequence seq, FinishReason reason, String error) {
        long now = System.nanoTime();
        String text = seq.text + seq.decoder.flush();
        if (seq.stopMatcher.matched()) {
            text = text.substring(0, seq.answerStart) + seq.stopMatcher.textBeforeStop();
        }
        ReasoningSplit split = splitter.split(text, seq.promptOpensThinking);
        boolean hasAnswer = split.hasAnswer() && reason != FinishReason.REASONING_LENGTH;
        if ((reason == FinishReason.DEADLINE || reason == FinishReason.CANCELLED || reason == FinishReason.REPETITION)
                && seq.reasoning.phase() == ReasoningTracker.Phase.THINKING) {
            hasAnswer = false;
        }
        long admitted = seq.admittedNanos < 0 ? now : seq.admittedNanos;
        long first = seq.firstTokenNanos < 0 ? now : seq.firstTokenNanos;
        return new GenerationResult(seq.id(), split.reasoning(), hasAnswer ? split.answer() : null, reason,
                new GenerationResult.Usage(seq.promptLength, Math.max(0, seq.cachedPromptTokens),
                        seq.reasoning.reasoningTokens(), seq.reasoning.answerTokens()),
                new GenerationResult.Timings((admitted - seq.submittedNanos) / 1e6, (first - admitted) / 1e6, (now - first) / 1e6),
                seq.generatedTokens(), seq.reasoningBudgetHit, error);
    }
}
