package dev.ponder.core.engine;

import dev.ponder.core.kv.KvCacheManager;
import dev.ponder.core.kv.PrefixHit;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Turns the queue into one step at a time ({@link #schedule}): ends cancelled and expired requests, admits
 * waiting requests while the batch and the KV cache have room (taking their cached prefixes), plans decode
 * tokens first and then prefill chunks under the step's token budget, and gives every planned sequence its
 * KV blocks, preempting the most recently admitted sequence when blocks run out. After the forward pass,
 * {@link #onComputed} records what the step computed. Only the engine's thread calls it.
 */
final class Scheduler {
    private final KvCacheManager kv;
    private final int maxRunning;
    private final int maxStepTokens;
    private final ArrayDeque<Sequence> waiting = new ArrayDeque<>();
    /** Admission order: the last one is the first to be preempted. */
    private final List<Sequence> running = new ArrayList<>();
    private long preemptions;
    private long promptTokens;
    private long cachedPromptTokens;

    Scheduler(KvCacheManager kv, int maxRunning, int maxStepTokens) {
        this.kv = kv;
        this.maxRunning = maxRunning;
        this.maxStepTokens = maxStepTokens;
    }

    /** Queues a new request behind those waiting. */
    void add(Sequence seq) {
        waiting.addLast(seq);
    }

    /**
     * Adds a chain forked from a running one: into the batch when it shares its KV already ({@code running}), else
     * at the head of the queue, to be admitted on the prefix cache and compute what it could not share.
     */
    void addFork(Sequence fork, boolean running) {
        if (running) {
            this.running.add(fork);
        } else {
            waiting.addFirst(fork);
        }
    }

    /** Takes a sequence out of the queue or the batch and frees its KV blocks (it finished, or is handed back). */
    void remove(Sequence seq) {
        if (!running.remove(seq)) {
            waiting.remove(seq);
        }
        kv.free(seq.blocks);
        seq.computed = 0;
    }

    int runningCount() {
        return running.size();
    }

    int waitingCount() {
        return waiting.size();
    }

    /** The running sequences, in admission order (a copy). */
    List<Sequence> running() {
        return new ArrayList<>(running);
    }

    /** Running sequences first (in admission order), then waiting ones (in queue order). */
    List<Sequence> all() {
        List<Sequence> all = new ArrayList<>(running);
        all.addAll(waiting);
        return all;
    }

    long preemptions() {
        return preemptions;
    }

    /**
     * Fraction of prompt tokens served from the prefix cache, over every admitted request, each counted once
     * at its first admission (a request that waits at the head of the queue, or is readmitted after a
     * preemption, is not counted again).
     */
    double prefixCacheHitRate() {
        return promptTokens == 0 ? 0 : (double) cachedPromptTokens / promptTokens;
    }

    /** Plans the next step. A plan without work means there is nothing to compute now. */
    StepPlan schedule(Instant now) {
        List<StepPlan.Stopped> stopped = new ArrayList<>();
        stopInterrupted(now, stopped);
        admit();
        List<StepPlan.Work> work = planTokens();
        allocateBlocks(work, stopped);
        return new StepPlan(work, stopped);
    }

    /** Records that the planned tokens now have KV in the cache, and names the blocks they filled. */
    void onComputed(StepPlan plan) {
        for (StepPlan.Work w : plan.work()) {
            Sequence seq = w.sequence();
            seq.computed += w.tokens();
            kv.commitFullBlocks(seq.blocks, seq.tokens, seq.computed, seq.request.cacheSalt());
        }
    }

    private void stopInterrupted(Instant now, List<StepPlan.Stopped> stopped) {
        stopInterrupted(waiting.iterator(), now, "the deadline passed while the request waited", stopped);
        stopInterrupted(running.iterator(), now, "the deadline passed during generation", stopped);
    }

    /** Takes out of {@code queue} each cancelled or expired sequence, frees its blocks and records why it stopped. */
    private void stopInterrupted(Iterator<Sequence> queue, Instant now, String deadlineMessage,
                                 List<StepPlan.Stopped> stopped) {
        while (queue.hasNext()) {
            Sequence seq = queue.next();
            FinishReason reason = interruption(seq, now);
            if (reason != null) {
                queue.remove();
                kv.free(seq.blocks);
                String error = reason == FinishReason.DEADLINE ? deadlineMessage : null;
                stopped.add(new StepPlan.Stopped(seq, reason, error));
            }
        }
    }

    private static FinishReason interruption(Sequence seq, Instant now) {
        if (seq.isCancelled()) {
            return FinishReason.CANCELLED;
        }
        Instant deadline = seq.request.deadline();
        return deadline != null && !now.isBefore(deadline) ? FinishReason.DEADLINE : null;
    }

    /** Moves waiting requests into the running set, in queue order, while the batch and the KV cache have room. */
    private void admit() {
        int slots = occupiedSlots();
        while (!waiting.isEmpty() && slots + waiting.peekFirst().batchSlots() <= maxRunning) {
            Sequence seq = waiting.peekFirst();
            PrefixHit hit = kv.findCachedPrefix(seq.tokens, seq.size, seq.request.cacheSalt());
            // Keep one block of headroom per running sequence (and per chain still to fork) so that admitting
            // does not force preemptions.
            if (!kv.fits(hit, seq.size, slots + seq.batchSlots() - 1)) {
                break;
            }
            waiting.pollFirst();
            kv.takePrefix(seq.blocks, hit);
            seq.computed = hit.tokens();
            if (seq.cachedPromptTokens < 0) {
                seq.cachedPromptTokens = Math.min(seq.computed, seq.promptLength);
                seq.admittedNanos = System.nanoTime();
                promptTokens += seq.promptLength;
                cachedPromptTokens += seq.cachedPromptTokens;
            }
            running.add(seq);
            slots += seq.batchSlots();
        }
    }

    /** Places in the batch the running sequences hold, counting the chains they are still to fork. */
    private int occupiedSlots() {
        int slots = 0;
        for (Sequence seq : running) {
            slots += seq.batchSlots();
        }
        return slots;
    }

    /** Decode tokens first (one per generating sequence), then prefill chunks, under the step's token budget. */
    private List<StepPlan.Work> planTokens() {
        List<StepPlan.Work> work = new ArrayList<>();
        int budget = maxStepTokens;
        for (Sequence seq : running) {
            if (seq.pending() == 1) {
                work.add(new StepPlan.Work(seq, 1));
                budget--;
            }
        }
        for (Sequence seq : running) {
            if (seq.pending() > 1 && budget > 0) {
                int n = Math.min(seq.pending(), budget);
                work.add(new StepPlan.Work(seq, n));
                budget -= n;
            }
        }
        return work;
    }

    /**
     * Gives every planned sequence the blocks its tokens need. When the cache runs dry, the most recently
     * admitted sequence is preempted (its blocks freed, the request put back at the head of the queue, its
     * work taken out of the plan) until the rest fit; a sequence that does not fit even alone is stopped.
     */
    private void allocateBlocks(List<StepPlan.Work> work, List<StepPlan.Stopped> stopped) {
        for (int i = 0; i < work.size(); i++) {
            Sequence seq = work.get(i).sequence();
            while (!kv.allocate(seq.blocks, seq.computed + work.get(i).tokens())) {
                Sequence victim = running.getLast();
                if (victim == seq && running.size() == 1) {
                    remove(seq);
                    stopped.add(new StepPlan.Stopped(seq, FinishReason.ERROR, "the KV cache ("
                            + (long) kv.capacity() * kv.blockSize()
                            + " tokens) is too small for this sequence alone; raise the KV budget"));
                    work.remove(i--);
                    break;
                }
                preempt(victim);
                int at = indexOf(work, victim);
                if (at >= 0) {
                    work.remove(at);
                    if (at <= i) {
                        i--;
                    }
                }
                if (victim == seq) {
                    break;
                }
            }
        }
    }

    private static int indexOf(List<StepPlan.Work> work, Sequence seq) {
        for (int i = 0; i < work.size(); i++) {
            if (work.get(i).sequence() == seq) {
                return i;
            }
        }
        return -1;
    }

    private void preempt(Sequence seq) {
        kv.free(seq.blocks);
        seq.computed = 0;
        running.remove(seq);
        waiting.addFirst(seq);
        preemptions++;
    }
}
