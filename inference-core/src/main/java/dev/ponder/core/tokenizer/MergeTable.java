package dev.ponder.core.tokenizer;

import java.util.Arrays;

/**
 * BPE merge ranks keyed by the pair of token ids, in an open-addressing table of primitive longs:
 * 151k merges would cost several times the memory and load time as boxed entries in a HashMap.
 */
final class MergeTable {
    private static final long EMPTY = -1L;

    private final long[] keys;
    private final int[] ranks;
    private final int[] mergedIds; // indexed by rank
    private final int mask;

    MergeTable(int capacityHint) {
        int capacity = Integer.highestOneBit(Math.max(4, capacityHint) * 3 - 1) << 1; // load factor <= 2/3
        keys = new long[capacity];
        Arrays.fill(keys, EMPTY);
        ranks = new int[capacity];
        mergedIds = new int[capacityHint];
        mask = capacity - 1;
    }

    /** Records that {@code left right} merges into {@code merged} with the given rank (lower merges first). */
    boolean put(int left, int right, int rank, int merged) {
        long key = key(left, right);
        int slot = slot(key);
        while (keys[slot] != EMPTY) {
            if (keys[slot] == key) {
                return false; // a duplicate merge: the first (lower) rank wins, as in llama.cpp
            }
            slot = (slot + 1) & mask;
        }
        keys[slot] = key;
        ranks[slot] = rank;
        mergedIds[rank] = merged;
        return true;
    }

    /** The rank of merging {@code left right}, or -1 if they do not merge. */
    int rank(int left, int right) {
        long key = key(left, right);
        int slot = slot(key);
        long k;
        while ((k = keys[slot]) != EMPTY) {
            if (k == key) {
                return ranks[slot];
            }
            slot = (slot + 1) & mask;
        }
        return -1;
    }

    int mergedId(int rank) {
        return mergedIds[rank];
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    private int slot(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 29)) & mask;
    }
}
