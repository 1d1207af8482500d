package dev.ponder.core.engine;

import dev.ponder.core.model.ForwardBatch;
import java.util.ArrayList;
import java.util.List;

/**
 * What one engine step does, as the {@link Scheduler} decided it: which sequences feed how many tokens
 * (decode tokens first, then prefill chunks), and which sequences were stopped before the step (cancelled,
 * past their deadline, or too large for the KV cache alone) for the engine to answer.
 *
 * @param work    the sequences of the forward pass, in batch order, each with its token count
 * @param stopped the sequences the scheduler took out, already without queue place or KV blocks
 */
record StepPlan(List<Work> work, List<Stopped> stopped) {

    /**
     * A sequence's share of the step: {@code tokens} tokens from its first uncomputed one.
     *
     * @param samples whether the fed range reaches the sequence's last token, so the step samples its next one
     */
    record Work(Sequence sequence, int tokens, boolean samples) {
        Work(Sequence sequence, int tokens) {
            this(sequence, tokens, sequence.computed + tokens == sequence.size);
        }

        /** A decode token: one token of a sequence that has generated before (not the end of a prompt). */
        boolean isDecode() {
            return tokens == 1 && sequence.generated() > 0;
        }
    }

    /** A sequence the scheduler ended, and why. */
    record Stopped(Sequence sequence, FinishReason reason, String error) {
    }

    StepPlan {
        work = List.copyOf(work);
        stopped = List.copyOf(stopped);
    }

    boolean hasWork() {
        return !work.isEmpty();
    }

    /** The sequences that get a token sampled this step, in the order of their logits rows. */
    List<Sequence> sampled() {
        List<Sequence> out = new ArrayList<>();
        for (Work w : work) {
            if (w.samples()) {
                out.add(w.sequence());
            }
        }
        return out;
    }

    /** Prompt tokens (and recomputed tokens of preempted sequences) fed this step. */
    int prefillTokens() {
        int n = 0;
        for (Work w : work) {
            n += w.isDecode() ? 0 : w.tokens();
        }
        return n;
    }

    /** Writes the step's tokens, positions and block tables into {@code batch} (cleared first). */
    void fill(ForwardBatch batch) {
        batch.clear();
        for (Work w : work) {
            Sequence seq = w.sequence();
            int[] table = seq.blocks.ids();
            for (int k = 0; k < w.tokens(); k++) {
                int position = seq.computed + k;
                batch.add(seq.tokens[position], position, table, position == seq.size - 1);
            }
        }
    }
}
