package dev.ponder.core.tokenizer;

import java.util.Arrays;

/**
 * Byte-level BPE of one pre-tokenized piece: start from one symbol per byte and repeatedly apply the
 * lowest-ranked merge among adjacent pairs (the leftmost on ties), until none applies. Symbols sit in a
 * linked list and candidate pairs in a min-heap keyed by (rank, position), so a piece of n bytes costs
 * O(n log n) rather than the naive O(n^2) rescans; stale heap entries are skipped when popped.
 */
final class BytePairEncoder {
    private static final int DEAD = -1;

    private final MergeTable merges;
    private final int[] byteTokenIds;

    BytePairEncoder(MergeTable merges, int[] byteTokenIds) {
        this.merges = merges;
        this.byteTokenIds = byteTokenIds;
    }

    int[] encode(byte[] bytes) {
        int n = bytes.length;
        int[] sym = new int[n];
        for (int i = 0; i < n; i++) {
            sym[i] = byteTokenIds[bytes[i] & 0xFF];
        }
        if (n < 2) {
            return sym;
        }
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        LongMinHeap heap = new LongMinHeap(n);
        for (int i = 0; i + 1 < n; i++) {
            offer(heap, sym, i, i + 1);
        }
        int alive = n;
        while (!heap.isEmpty()) {
            long entry = heap.poll();
            int rank = (int) (entry >>> 32);
            int left = (int) entry;
            int right = next[left];
            // Stale if the left symbol was absorbed, or either side has since changed: pairs are
            // unique per rank, so an unchanged rank means an unchanged pair.
            if (sym[left] == DEAD || right < 0 || merges.rank(sym[left], sym[right]) != rank) {
                continue;
            }
            sym[left] = merges.mergedId(rank);
            sym[right] = DEAD;
            alive--;
            next[left] = next[right];
            if (next[left] >= 0) {
                prev[next[left]] = left;
                offer(heap, sym, left, next[left]);
            }
            if (prev[left] >= 0) {
                offer(heap, sym, prev[left], left);
            }
        }
        int[] out = new int[alive];
        for (int i = 0, k = 0; i >= 0; i = next[i]) {
            out[k++] = sym[i];
        }
        return out;
    }

    private void offer(LongMinHeap heap, int[] sym, int left, int right) {
        int rank = merges.rank(sym[left], sym[right]);
        if (rank >= 0) {
            heap.add(((long) rank << 32) | left);
        }
    }

    /** A binary min-heap of longs, to avoid boxing in the merge loop. */
    private static final class LongMinHeap {
        private long[] items;
        private int size;

        LongMinHeap(int capacity) {
            items = new long[Math.max(4, capacity)];
        }

        boolean isEmpty() {
            return size == 0;
        }

        void add(long value) {
            if (size == items.length) {
                items = Arrays.copyOf(items, size * 2);
            }
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (items[parent] <= value) {
                    break;
                }
                items[i] = items[parent];
                i = parent;
            }
            items[i] = value;
        }

        long poll() {
            long top = items[0];
            long last = items[--size];
            int i = 0;
            int half = size >>> 1;
            while (i < half) {
                int child = 2 * i + 1;
                if (child + 1 < size && items[child + 1] < items[child]) {
                    child++;
                }
                if (last <= items[child]) {
                    break;
                }
                items[i] = items[child];
                i = child;
            }
            items[i] = last;
            return top;
        }
    }
}
