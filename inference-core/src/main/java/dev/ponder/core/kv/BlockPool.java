package dev.ponder.core.kv;

import java.util.ArrayDeque;

/**
 * The KV cache's blocks and their reference counts. A block is free (on the free list), referenced
 * (by one or more sequences), or unreferenced but kept because the prefix cache holds its contents;
 * only the first kind can be handed out directly.
 */
public final class BlockPool {
    private final int[] refCounts;
    private final ArrayDeque<Integer> free = new ArrayDeque<>();

    public BlockPool(int blocks) {
        if (blocks < 1) {
            throw new IllegalArgumentException("a KV pool needs at least one block");
        }
        refCounts = new int[blocks];
        for (int b = 0; b < blocks; b++) {
            free.addLast(b);
        }
    }

    public int capacity() {
        return refCounts.length;
    }

    public int freeCount() {
        return free.size();
    }

    /** A free block with reference count 1, or -1 when none is free. Lowest ids first, so tests can predict ids. */
    public int allocate() {
        Integer b = free.pollFirst();
        if (b == null) {
            return -1;
        }
        refCounts[b] = 1;
        return b;
    }

    public void retain(int block) {
        refCounts[block]++;
    }

    /** Drops one reference; returns true when the block is now unreferenced (the caller decides where it goes). */
    public boolean release(int block) {
        if (refCounts[block] <= 0) {
            throw new IllegalStateException("block " + block + " released more often than retained");
        }
        return --refCounts[block] == 0;
    }

    /** Returns an unreferenced block to the free list. */
    public void free(int block) {
        if (refCounts[block] != 0) {
            throw new IllegalStateException("block " + block + " freed while referenced " + refCounts[block] + " times");
        }
        free.addFirst(block);
    }

    public int refCount(int block) {
        return refCounts[block];
    }
}
