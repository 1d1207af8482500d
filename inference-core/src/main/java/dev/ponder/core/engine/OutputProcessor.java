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
    private final int thinkOpenId;
    private final int thinkCloseId;
    private final RepetitionGuard repetition;
    private final ReasoningSplitter splitter = ReasoningSplitter.qwen();

    OutputProcessor(int vocab, int contextLength, int[] endOfTurnIds, int thinkCloseId, RepetitionGuard repetition) {
        this(vocab, contextLength, endOfTurnIds, -1, thinkCloseId, repetition);
    }

    /** @param thinkOpenId id of {@code <think>}, or -1 when the vocabulary has none */
    OutputProcessor(int vocab, int contextLength, int[] endOfTurnIds, int thinkOpenId, int thinkCloseId,
                    RepetitionGuard repetition) {
        this.vocab = vocab;
        this.thinkOpenId = thinkOpenId;
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
     *
     * <p>A sequence with a response format is free while it thinks; once it answers (from the token after
     * {@code </think>}, or from its first token when the prompt did not open a thought) its answer's automaton
     * masks the logits before sampling and follows each chosen token, and when the answer is complete and
     * nothing may follow, the end of turn is forced.
     */
    FinishReason onLogits(Sequence seq, float[] logits, int offset) {
        GenerationRequest request = seq.request;
        boolean constrained = seq.answer != null && seq.reasoning.phase() == ReasoningTracker.Phase.ANSWERING;
        boolean closing = constrained && tokensLeft(seq) <= seq.answer.bytesToComplete() + 1;
        boolean mayOpenThought = constrained && !closing && mayOpenThought(seq);
        int token;
        if (request.maxReasoningTokens() > 0 && seq.reasoning.budgetExhausted(request.maxReasoningTokens())
                || mustCloseThoughtForAnswer(seq)) {
            token = thinkCloseId;
            seq.sampler.accept(token);
            seq.reasoningBudgetHit = true;
        } else if (constrained && seq.answer.mustEnd()) {
            token = endOfTurnIds[0];
            seq.sampler.accept(token);
        } else {
            if (constrained) {
                maskAnswer(seq, logits, offset, mayOpenThought, closing);
            }
            token = seq.sampler.sample(logits, offset, vocab);
        }
        if (seq.firstTokenNanos < 0) {
            seq.firstTokenNanos = System.nanoTime();
        }
        if (constrained && !(mayOpenThought && token == thinkOpenId)) {
            seq.answer.advance(token);
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

    /**
     * Whether the sequence may still open a thought of its own: its prompt did not open one and it has generated
     * nothing yet. A model that thinks unprompted ({@code <think>} as its first token) keeps that choice under a
     * response format; the constraint then starts after its {@code </think>}.
     */
    private boolean mayOpenThought(Sequence seq) {
        return thinkOpenId >= 0 && !seq.promptOpensThinking && seq.generated() == 0;
    }

    /**
     * Tokens the sequence may still generate, this one included: the request's limit or the context's, whichever
     * comes first. The end-of-turn token takes none of them.
     */
    private int tokensLeft(Sequence seq) {
        return Math.min(seq.request.maxTokens() - seq.generated(), contextLength - seq.size);
    }

    /**
     * Whether a sequence under a response format, still thinking, has only the tokens left for the closing tag and
     * the shortest valid answer: the engine then closes the thought itself, so that the answer is never cut short
     * by the token limit (an answer it could not end would not validate).
     */
    private boolean mustCloseThoughtForAnswer(Sequence seq) {
        return seq.answer != null && thinkCloseId >= 0 && seq.reasoning.phase() == ReasoningTracker.Phase.THINKING
                && tokensLeft(seq) <= seq.grammar.dfa().bytesToAccept(seq.grammar.dfa().start()) + 2;
    }

    /**
     * Masks the tokens the answer may not take. Once the tokens left are just enough for the answer's shortest
     * completion ({@code closing}), only tokens that bring it nearer to one remain: the answer then ends valid
     * within the limit, the way the reasoning budget ends a thought.
     */
    private void maskAnswer(Sequence seq, float[] logits, int offset, boolean keepThinkOpen, boolean closing) {
        float thinkOpen = keepThinkOpen ? logits[offset + thinkOpenId] : 0;
        if (closing) {
            seq.answer.maskClosing(logits, offset, vocab);
        } else {
            seq.answer.mask(logits, offset, vocab);
        }
        if (keepThinkOpen) {
            logits[offset + thinkOpenId] = thinkOpen;
        }
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
                seq.generatedTokens(), seq.reasoningBudgetHit, error, answerFormatOk(seq, hasAnswer ? split.answer() : null));
    }

    /**
     * Whether the answer as returned (after a stop string's cut, with leading newlines stripped) is a whole
     * match of the response format; null without one. Checked on the text, not the automaton's state, so that
     * whatever cut the answer short shows.
     */
    private static Boolean answerFormatOk(Sequence seq, String answer) {
        if (seq.grammar == null) {
            return null;
        }
        return answer != null && seq.grammar.dfa().matches(answer);
    }
}
