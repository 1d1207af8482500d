package dev.ponder.core.engine;

import dev.ponder.core.constrain.AnswerGrammar;
import dev.ponder.core.constrain.ConstrainedAnswer;
import dev.ponder.core.kv.BlockTable;
import dev.ponder.core.reasoning.ReasoningTracker;
import dev.ponder.core.sampling.Sampler;
import dev.ponder.core.sampling.StopMatcher;
import dev.ponder.core.tokenizer.StreamingDecoder;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

/**
 * One request inside the engine: its tokens (prompt, then generated), how many of them have KV in the
 * cache, its block table (what the {@link Scheduler} works on), and the per-request state of sampling,
 * reasoning and stop detection (what the {@link OutputProcessor} works on). Only the scheduler thread
 * touches it.
 *
 * <p>Every step feeds {@code tokens[computed ..]} (all of them for a decode, a chunk for a prefill) and
 * samples when the fed range reaches the last token. A preempted sequence keeps its tokens and sampler,
 * drops its blocks, and later recomputes them: the KV comes out bit for bit the same, so its output does
 * not change.
 */
final class Sequence {
    final GenerationRequest request;
    final CompletableFuture<GenerationResult> future;
    final int promptLength;
    final boolean promptOpensThinking;
    final Sampler sampler;
    final ReasoningTracker reasoning;
    final StreamingDecoder decoder;
    final StopMatcher stopMatcher;
    /** The request's compiled response format, or null for a free-text answer. */
    final AnswerGrammar grammar;
    /** Where the answer stands in {@link #grammar}'s automaton; null for a free-text answer. */
    final ConstrainedAnswer answer;
    final StringBuilder text = new StringBuilder();
    final long submittedNanos;

    int[] tokens;
    int size;
    /** Tokens whose keys and values are in the cache. */
    int computed;
    /** The KV blocks of {@code tokens[0, computed)} and of the tokens planned for the current step. */
    final BlockTable blocks = new BlockTable();
    /** Where the answer starts in {@link #text} (after the closing tag of the thought). */
    int answerStart;
    int cachedPromptTokens = -1;
    long admittedNanos = -1;
    long firstTokenNanos = -1;
    boolean reasoningBudgetHit;
    volatile boolean cancelled;
    /** The request's chains when it asks for several samples; null for one. */
    final SampleGroup group;
    /** This chain's number within {@link #group} (0: the chain that computes the prompt). */
    final int sampleIndex;

    Sequence(GenerationRequest request, int[] promptIds, boolean promptOpensThinking, Sampler sampler,
             ReasoningTracker reasoning, StreamingDecoder decoder, CompletableFuture<GenerationResult> future) {
        this(request, promptIds, promptOpensThinking, sampler, reasoning, decoder, future, null);
    }

    /** @param grammar the compiled response format of the request, or null for a free-text answer */
    Sequence(GenerationRequest request, int[] promptIds, boolean promptOpensThinking, Sampler sampler,
             ReasoningTracker reasoning, StreamingDecoder decoder, CompletableFuture<GenerationResult> future,
             AnswerGrammar grammar) {
        this(request, promptIds, promptOpensThinking, sampler, reasoning, decoder, future, grammar, null, 0);
    }

    /** Chain {@code sampleIndex} of {@code group}, a request of several samples. */
    Sequence(GenerationRequest request, int[] promptIds, boolean promptOpensThinking, Sampler sampler,
             ReasoningTracker reasoning, StreamingDecoder decoder, CompletableFuture<GenerationResult> future,
             AnswerGrammar grammar, SampleGroup group, int sampleIndex) {
        this.group = group;
        this.sampleIndex = sampleIndex;
        this.grammar = grammar;
        this.answer = grammar == null ? null : grammar.newAnswer();
        this.request = request;
        this.future = future;
        this.promptLength = promptIds.length;
        this.promptOpensThinking = promptOpensThinking;
        this.sampler = sampler;
        this.reasoning = reasoning;
        this.decoder = decoder;
        this.stopMatcher = new StopMatcher(request.stop());
        this.tokens = Arrays.copyOf(promptIds, promptIds.length + 64);
        this.size = promptIds.length;
        this.submittedNanos = System.nanoTime();
    }

    /** Whether the request was called off (for a chain of several, any of them: cancelling is per request). */
    boolean isCancelled() {
        return cancelled || group != null && group.cancelled();
    }

    /**
     * How many places in the batch this sequence takes now: a request of several samples whose chains are not
     * forked yet holds one for each of them, so the forks always find room.
     */
    int batchSlots() {
        return group != null && !group.forked() ? group.size() : 1;
    }

    String id() {
        return request.id();
    }

    int generated() {
        return size - promptLength;
    }

    void append(int token) {
        if (size == tokens.length) {
            tokens = Arrays.copyOf(tokens, size * 2);
        }
        tokens[size++] = token;
    }

    /** Tokens still to feed to the model (1 while decoding). */
    int pending() {
        return size - computed;
    }

    int[] generatedTokens() {
        return Arrays.copyOfRange(tokens, promptLength, size);
    }
}
