package dev.ponder.core.kv;

import java.util.Arrays;

/**
 * One sequence's KV blocks in position order (block {@code i} holds positions {@code [i * blockSize, (i + 1) *
 * blockSize)}), and the prefix-cache keys of its leading full blocks that are named in the cache (each key
 * chains the one before it, so naming block {@code i} needs the key of block {@code i - 1}). Only
 * {@link KvCacheManager} changes it.
 */
public final class BlockTable {
    private int[] ids = new int[4];
    private int size;
    private long[] keys = new long[4];
    private int named;

    /** Blocks in the table. */
    public int size() {
        return size;
    }

    public int block(int index) {
        return ids[index];
    }

    /**
     * The block ids as the model reads them, without a copy: the array may be longer than {@link #size()},
     * and the model only reads the entries of the positions it is fed. Valid until the table next changes.
     */
    public int[] ids() {
        return ids;
    }

    /** A copy of the table's block ids, for tests and logs. */
    public int[] toArray() {
        return Arrays.copyOf(ids, size);
    }

    /** Leading full blocks named in the prefix cache (their keys are known). */
    public int namedBlocks() {
        return named;
    }

    long key(int index) {
        return keys[index];
    }

    void add(int block) {
        if (size == ids.length) {
            ids = Arrays.copyOf(ids, size * 2);
        }
        ids[size++] = block;
    }

    void addKey(long key) {
        if (named == keys.length) {
            keys = Arrays.copyOf(keys, named * 2);
        }
        keys[named++] = key;
    }

    void clear() {
        size = 0;
        named = 0;
    }
}
