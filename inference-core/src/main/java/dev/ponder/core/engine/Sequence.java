package dev.ponder.core.engine;

import dev.ponder.core.chat.ReasoningTracker;
import dev.ponder.core.sampling.Sampler;
import dev.ponder.core.sampling.StopMatcher;
import dev.ponder.core.tokenizer.StreamingDecoder;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

/**
 * One request inside the engine: its tokens (prompt, then generated), how many of them have KV in the
 * cache, its block table, and the per-request state of sampling, reasoning and stop detection. Only the
 * scheduler thread touches it.
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
    final StringBuilder text = new StringBuilder();
    final long submittedNanos;

    int[] tokens;
    int size;
    /** Tokens whose keys and values are in the cache. */
    int computed;
    int[] blockTable = new int[4];
    int blocks;
    /** Chained prefix-cache keys of the leading full blocks that are named in the cache. */
    long[] blockKeys = new long[4];
    int committedBlocks;
    /** Where the answer starts in {@link #text} (after the closing tag of the thought). */
    int answerStart;
    int cachedPromptTokens = -1;
    long admittedNanos = -1;
    long firstTokenNanos = -1;
    long admissionOrder;
    boolean reasoningBudgetHit;
    volatile boolean cancelled;

    Sequence(GenerationRequest request, int[] promptIds, boolean promptOpensThinking, Sampler sampler,
             ReasoningTracker reasoning, StreamingDecoder decoder, CompletableFuture<GenerationResult> future) {
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

    void addBlock(int block) {
        if (blocks == blockTable.length) {
            blockTable = Arrays.copyOf(blockTable, blocks * 2);
        }
        blockTable[blocks++] = block;
    }

    void addKey(long key) {
        if (committedBlocks == blockKeys.length) {
            blockKeys = Arrays.copyOf(blockKeys, committedBlocks * 2);
        }
        blockKeys[committedBlocks++] = key;
    }

    /** Forgets all blocks (after they were released): the next admission recomputes from the prefix cache. */
    void resetBlocks() {
        blocks = 0;
        committedBlocks = 0;
        computed = 0;
    }

    int[] generatedTokens() {
        return Arrays.copyOfRange(tokens, promptLength, size);
    }
}
