package dev.ponder.core.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The chains of one request of several samples. The first chain computes the prompt; when its first token is
 * due, the engine forks the others from its KV (see {@link Engine}); each chain's result is recorded here, and
 * when the last one ends the request's future completes with all of them ({@link #combined()}).
 *
 * <p>The combined result: the request's answer, reasoning and finish reason are those of the first chain that
 * gave the winning answer of the {@link AnswerVote}, or of the first chain when no answer counts; if a chain was
 * cancelled or ran past the deadline, that chain's (the request as a whole was interrupted). Usage sums the
 * chains' generated tokens (the prompt is counted once); decode time is the longest chain's.
 *
 * <p>Only the engine's thread touches it, but {@link #cancel} may come from any thread.
 */
final class SampleGroup {
    final GenerationRequest request;
    final CompletableFuture<GenerationResult> future;
    private final GenerationResult[] results;
    private int recorded;
    private boolean forked;
    private volatile boolean cancelled;

    SampleGroup(GenerationRequest request, CompletableFuture<GenerationResult> future) {
        this.request = request;
        this.future = future;
        this.results = new GenerationResult[request.samples()];
    }

    int size() {
        return results.length;
    }

    boolean forked() {
        return forked;
    }

    void markForked() {
        forked = true;
    }

    boolean cancelled() {
        return cancelled;
    }

    void cancel() {
        cancelled = true;
    }

    /** Records chain {@code index}'s result; returns whether every chain has ended. */
    boolean record(int index, GenerationResult result) {
        if (results[index] != null) {
            throw new IllegalStateException("sample " + index + " of request " + request.id() + " ended twice");
        }
        results[index] = result;
        return ++recorded == results.length;
    }

    GenerationResult combined() {
        List<GenerationResult> chains = Arrays.asList(results);
        AnswerVote.Outcome vote = AnswerVote.of(chains, request.responseFormat());
        GenerationResult picked = vote == null ? results[0] : results[vote.firstChain()];
        for (GenerationResult r : results) {
            if (r.finishReason() == FinishReason.CANCELLED || r.finishReason() == FinishReason.DEADLINE) {
                picked = r;
                break;
            }
        }
        List<GenerationResult.Choice> choices = new ArrayList<>();
        int reasoningTokens = 0;
        int answerTokens = 0;
        double decodeMs = 0;
        for (int i = 0; i < results.length; i++) {
            GenerationResult r = results[i];
            choices.add(new GenerationResult.Choice(i, r.reasoning(), r.answer(), r.finishReason(),
                    r.usage().reasoningTokens(), r.usage().answerTokens(), r.tokens(), r.reasoningBudgetHit(),
                    r.answerFormatOk(), r.error()));
            reasoningTokens += r.usage().reasoningTokens();
            answerTokens += r.usage().answerTokens();
            decodeMs = Math.max(decodeMs, r.timings().decodeMs());
        }
        GenerationResult first = results[0];
        GenerationResult.Usage usage = new GenerationResult.Usage(first.usage().promptTokens(),
                first.usage().cachedPromptTokens(), reasoningTokens, answerTokens);
        GenerationResult.Timings timings = new GenerationResult.Timings(first.timings().queuedMs(),
                first.timings().prefillMs(), decodeMs);
        return new GenerationResult(request.id(), picked.reasoning(), picked.answer(), picked.finishReason(), usage,
                timings, picked.tokens(), picked.reasoningBudgetHit(), picked.error(), picked.answerFormatOk(), choices,
                vote == null ? null : vote.vote());
    }
}
