package dev.ponder.core.kv;

import java.util.Arrays;

/**
 * The shared side of the KV cache: hands out blocks and shares full blocks between sequences through the
 * prefix cache. It knows blocks, not sequences; {@link KvCacheManager} keeps each sequence's blocks.
 * Single-threaded: only the scheduler thread calls it.
 */
public final class BlockManager {
    private final int blockSize;
    private final BlockPool pool;
    private final PrefixCache cache;
    private int unreferencedCached;

    public BlockManager(int blockSize, int blocks) {
        this.blockSize = blockSize;
        this.pool = new BlockPool(blocks);
        this.cache = new PrefixCache(blocks);
    }

    public int blockSize() {
        return blockSize;
    }

    public int capacity() {
        return pool.capacity();
    }

    /** Blocks that can be handed out now: free ones plus unreferenced cached ones (evicted on demand). */
    public int available() {
        return pool.freeCount() + unreferencedCached;
    }

    /** Blocks referenced by running sequences. */
    public int used() {
        return pool.capacity() - available();
    }

    public int cachedBlocks() {
        return cache.size();
    }

    public int refCount(int block) {
        return pool.refCount(block);
    }

    public boolean isCached(int block) {
        return cache.isCached(block);
    }

    /** A block for a sequence (reference count 1), evicting the least recently used cached block if needed; -1 if none. */
    public int allocate() {
        int b = pool.allocate();
        if (b >= 0) {
            return b;
        }
        int evicted = cache.evictOne(pool);
        if (evicted < 0) {
            return -1;
        }
        unreferencedCached--;
        pool.free(evicted);
        return pool.allocate();
    }

    /** Drops a sequence's reference; a cached block stays for reuse, an uncached one is freed. */
    public void release(int block) {
        if (pool.release(block)) {
            if (cache.isCached(block)) {
                unreferencedCached++;
                cache.onUnreferenced(block);
            } else {
                pool.free(block);
            }
        }
    }

    /**
     * The longest run of cached full blocks that starts {@code tokens[0..limit)}, each with its chained key
     * in {@code keys}. Looks only: no reference count, recency or statistic changes, so a request that
     * waits and looks again every step changes nothing. {@link #retainCached} takes a block found here.
     */
    public int[] findCachedPrefix(int[] tokens, int limit, String salt, long[] keys) {
        int full = limit / blockSize;
        int[] hits = new int[full];
        int n = 0;
        long parentKey = PrefixCache.ROOT;
        int parentBlock = -1;
        for (int i = 0; i < full; i++) {
            int from = i * blockSize;
            long key = PrefixCache.key(parentKey, tokens, from, from + blockSize, salt);
            int block = cache.lookup(key, parentKey, parentBlock, tokens, from, from + blockSize, salt);
            if (block < 0) {
                break;
            }
            hits[n] = block;
            keys[n++] = key;
            parentKey = key;
            parentBlock = block;
        }
        return Arrays.copyOf(hits, n);
    }

    /**
     * References once more a block that a sequence holds, for a sequence forked from it; cached or not, it then
     * stays until both have released it.
     */
    public void retainHeld(int block) {
        if (pool.refCount(block) == 0) {
            throw new IllegalStateException("block " + block + " is held by no sequence");
        }
        pool.retain(block);
    }

    /** References a cached block once more for a sequence (a prefix hit), marking it as just used. */
    public void retainCached(int block) {
        if (!cache.isCached(block)) {
            throw new IllegalStateException("block " + block + " is not in the prefix cache");
        }
        if (pool.refCount(block) == 0) {
            unreferencedCached--;
            cache.onReferenced(block);
        }
        pool.retain(block);
        cache.touch(block);
    }

    /**
     * Names a block a sequence has just filled with {@code tokens[from, from + blockSize)} and returns its
     * key (for the next block's chain). The block stays the sequence's; other requests can now share it.
     */
    public long commitFullBlock(int block, long parentKey, int parentBlock, int[] tokens, int from, String salt) {
        long key = PrefixCache.key(parentKey, tokens, from, from + blockSize, salt);
        cache.register(block, key, parentKey, parentBlock, tokens, from, from + blockSize, salt);
        return key;
    }
}
