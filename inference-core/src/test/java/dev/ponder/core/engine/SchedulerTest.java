package dev.ponder.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.core.kv.KvCacheManager;
import dev.ponder.core.model.ForwardBatch;
import dev.ponder.core.reasoning.ReasoningTracker;
import dev.ponder.core.sampling.Sampler;
import dev.ponder.core.sampling.SamplingParams;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The scheduler against a fake forward pass, with exact block ids: blocks of 4 tokens, and each step written as
 * the tokens it feeds, {@code "A@8:3"} meaning sequence A's position 8, whose KV goes to block 3.
 */
class SchedulerTest {
    static final int BS = 4;
    /** A token id for the closing tag of a thought: the scheduler never meets it. */
    static final int THINK_CLOSE = 1;
    static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    private final ForwardBatch batch = new ForwardBatch(16);

    /** A request of {@code promptTokens} prompt token ids, starting at {@code firstToken} and counting up. */
    static Sequence sequence(String id, int firstToken, int promptTokens) {
        int[] prompt = new int[promptTokens];
        for (int i = 0; i < promptTokens; i++) {
            prompt[i] = firstToken + i;
        }
        return sequence(GenerationRequest.of(id, null, id, SamplingParams.GREEDY, 1000), prompt);
    }

    /** The scheduler reads tokens, blocks and the request only: the output state is real but unused, the decoder absent. */
    static Sequence sequence(GenerationRequest request, int[] prompt) {
        return new Sequence(request, prompt, false, new Sampler(request.sampling()), new ReasoningTracker(-1, THINK_CLOSE, false),
                null, new CompletableFuture<>());
    }

    /**
     * One step with the model stood in for: plans, lists the fed tokens with the block each one's KV goes to,
     * records the step as computed, and gives every sampled sequence a next token (900 + its position).
     */
    List<String> step(Scheduler scheduler) {
        StepPlan plan = scheduler.schedule(NOW);
        plan.fill(batch);
        List<String> fed = new ArrayList<>();
        int i = 0;
        for (StepPlan.Work w : plan.work()) {
            for (int k = 0; k < w.tokens(); k++, i++) {
                int position = batch.position(i);
                fed.add(w.sequence().id() + "@" + position + ":" + batch.blockTable(i)[position / BS]);
            }
        }
        assertThat(i).isEqualTo(batch.size());
        assertThat(batch.logitCount()).isEqualTo(plan.sampled().size());
        scheduler.onComputed(plan);
        for (Sequence seq : plan.sampled()) {
            seq.append(900 + seq.size);
        }
        return fed;
    }

    @Test
    void decodeTokensComeFirstThenPrefillChunksUnderTheBudget() {
        KvCacheManager kv = new KvCacheManager(BS, 16);
        Scheduler scheduler = new Scheduler(kv, 4, 8);
        Sequence a = sequence("A", 100, 6);
        Sequence b = sequence("B", 200, 10);
        scheduler.add(a);
        scheduler.add(b);
        // A's whole prompt, then the 2 tokens of B's the budget of 8 leaves
        assertThat(step(scheduler)).containsExactly("A@0:0", "A@1:0", "A@2:0", "A@3:0", "A@4:1", "A@5:1", "B@0:2", "B@1:2");
        // A decodes first; B's next chunk takes the other 7 (its blocks 2, 3, 4)
        assertThat(step(scheduler)).containsExactly("A@6:1", "B@2:2", "B@3:2", "B@4:3", "B@5:3", "B@6:3", "B@7:3", "B@8:4");
        // B's last prompt token is fed like a decode token, and samples
        assertThat(step(scheduler)).containsExactly("A@7:1", "B@9:4");
        assertThat(step(scheduler)).containsExactly("A@8:5", "B@10:4");
        assertThat(a.blocks.toArray()).containsExactly(0, 1, 5);
        assertThat(b.blocks.toArray()).containsExactly(2, 3, 4);
    }

    @Test
    void aRequestWhosePrefixIsCachedComputesOnlyTheRest() {
        KvCacheManager kv = new KvCacheManager(BS, 8);
        Scheduler scheduler = new Scheduler(kv, 4, 64);
        Sequence a = sequence("A", 100, 9);
        scheduler.add(a);
        assertThat(step(scheduler)).hasSize(9);
        assertThat(a.blocks.toArray()).containsExactly(0, 1, 2);
        scheduler.remove(a); // blocks 0 and 1 (full, named) stay cached; 2 goes back to the free list
        assertThat(kv.used()).isZero();

        int[] prompt = new int[10];
        for (int i = 0; i < 10; i++) {
            prompt[i] = i < 8 ? 100 + i : 500 + i; // A's first 8 tokens, then different ones
        }
        Sequence b = sequence(GenerationRequest.of("B", null, "B", SamplingParams.GREEDY, 1000), prompt);
        scheduler.add(b);
        assertThat(step(scheduler)).containsExactly("B@8:2", "B@9:2");
        assertThat(b.blocks.toArray()).containsExactly(0, 1, 2);
        assertThat(b.cachedPromptTokens).isEqualTo(8);
    }

    /**
     * The hit rate counts each request once, at its first admission: here 8 of 38 prompt tokens. B waits at the
     * head of the queue for several steps (the KV cache has no room for it) and its cached prefix is looked up
     * each time; counting those looks, as the engine once did, gives another figure.
     */
    @Test
    void thePrefixCacheHitRateCountsEachRequestOnce() {
        KvCacheManager kv = new KvCacheManager(BS, 8);
        Scheduler scheduler = new Scheduler(kv, 4, 64);
        Sequence a = sequence("A", 100, 10); // 3 blocks: 0, 1, 2
        int[] prompt = new int[28];           // A's first 8 tokens, then 20 others: 7 blocks, 2 of them cached
        for (int i = 0; i < prompt.length; i++) {
            prompt[i] = i < 8 ? 100 + i : 700 + i;
        }
        Sequence b = sequence(GenerationRequest.of("B", null, "B", SamplingParams.GREEDY, 1000), prompt);
        scheduler.add(a);
        step(scheduler);
        scheduler.add(b);
        for (int i = 0; i < 4; i++) {
            assertThat(step(scheduler)).as("step %d: only A decodes, B waits", i).hasSize(1);
            assertThat(scheduler.waitingCount()).isEqualTo(1);
        }
        assertThat(scheduler.prefixCacheHitRate()).as("A alone so far: nothing cached").isZero();
        scheduler.remove(a); // A grew into block 3 while B waited: it is free first; 2 (full, named) stays cached
        assertThat(step(scheduler)).hasSize(20).first().isEqualTo("B@8:3");
        assertThat(b.blocks.toArray()).containsExactly(0, 1, 3, 4, 5, 6, 7);
        assertThat(b.cachedPromptTokens).isEqualTo(8);
        assertThat(scheduler.prefixCacheHitRate()).isEqualTo(8.0 / 38);
    }

    /**
     * Four blocks, two sequences growing into them: when A needs a fifth, B (admitted last) is preempted, and
     * its uncached tail block is evicted for A. B comes back with the cached part of its prefix and recomputes
     * the rest.
     */
    @Test
    void whenBlocksRunOutTheLastAdmittedIsPreemptedAndLaterRecomputes() {
        KvCacheManager kv = new KvCacheManager(BS, 4);
        Scheduler scheduler = new Scheduler(kv, 4, 64);
        Sequence a = sequence("A", 100, 4);
        Sequence b = sequence("B", 200, 4);
        scheduler.add(a);
        scheduler.add(b);
        assertThat(step(scheduler)).containsExactly("A@0:0", "A@1:0", "A@2:0", "A@3:0", "B@0:1", "B@1:1", "B@2:1", "B@3:1");
        assertThat(step(scheduler)).containsExactly("A@4:2", "B@4:3");
        for (int p = 5; p < 8; p++) {
            assertThat(step(scheduler)).containsExactly("A@" + p + ":2", "B@" + p + ":3");
        }
        assertThat(kv.available()).isZero();
        // Position 8 needs a third block each: B is preempted; its blocks 1 and 3 stay cached, and A takes the leaf, 3.
        assertThat(step(scheduler)).containsExactly("A@8:3");
        assertThat(scheduler.preemptions()).isEqualTo(1);
        assertThat(scheduler.waitingCount()).isEqualTo(1);
        assertThat(b.blocks.size()).isZero();
        assertThat(a.blocks.toArray()).containsExactly(0, 2, 3);
        // B's first block (1) is still cached, but 1 spare block is not enough for the 2 more it needs.
        assertThat(step(scheduler)).containsExactly("A@9:3");
        scheduler.remove(a);
        // A's uncached block 3 is free again; its cached leaf 2 is evicted for B's third block.
        assertThat(step(scheduler)).containsExactly("B@4:3", "B@5:3", "B@6:3", "B@7:3", "B@8:2");
        assertThat(b.blocks.toArray()).containsExactly(1, 3, 2);
        assertThat(b.cachedPromptTokens).as("counted at the first admission only").isZero();
    }

    @Test
    void aSequenceTooLargeForTheWholeCacheAloneIsStoppedWithAnError() {
        KvCacheManager kv = new KvCacheManager(BS, 2);
        Scheduler scheduler = new Scheduler(kv, 4, 64);
        Sequence a = sequence("A", 100, 7);
        scheduler.add(a);
        step(scheduler);
        step(scheduler);
        StepPlan plan = scheduler.schedule(NOW); // position 8 would need a third block
        assertThat(plan.hasWork()).isFalse();
        assertThat(plan.stopped()).singleElement().satisfies(s -> {
            assertThat(s.sequence()).isSameAs(a);
            assertThat(s.reason()).isEqualTo(FinishReason.ERROR);
            assertThat(s.error()).contains("too small for this sequence alone");
        });
        assertThat(kv.used()).isZero();
        assertThat(scheduler.runningCount()).isZero();
    }

    @Test
    void cancelledAndExpiredRequestsAreStoppedWhetherRunningOrWaiting() {
        KvCacheManager kv = new KvCacheManager(BS, 8);
        Scheduler scheduler = new Scheduler(kv, 1, 64);
        Sequence running = sequence("A", 100, 5);
        Sequence waiting = sequence(GenerationRequest.of("B", null, "B", SamplingParams.GREEDY, 10)
                .withDeadline(NOW.plusSeconds(1)), new int[] {1, 2, 3});
        scheduler.add(running);
        scheduler.add(waiting);
        step(scheduler);
        running.cancelled = true;
        StepPlan plan = scheduler.schedule(NOW.plusSeconds(1));
        assertThat(plan.stopped()).extracting(s -> s.sequence().id() + ":" + s.reason())
                .containsExactly("B:DEADLINE", "A:CANCELLED");
        assertThat(plan.hasWork()).isFalse();
        assertThat(kv.used()).isZero();
    }
}
