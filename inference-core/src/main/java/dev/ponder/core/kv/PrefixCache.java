package dev.ponder.core.kv;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Names full KV blocks by their content so that later requests can reuse them. A block's key chains
 * the key of the block before it with its own token ids (and, for the first block, the cache salt),
 * so a block matches only when the whole prefix up to it matches. Keys are 64-bit hashes, and every
 * hit is confirmed against the stored tokens and parent, so a hash collision can never serve wrong KV.
 *
 * <p>Unreferenced cached blocks are evicted least recently used first, and only blocks with no cached
 * children are eligible, so a prefix's tail goes before its parents.
 */
public final class PrefixCache {
    /** Key of the (virtual) parent of a sequence's first block. */
    public static final long ROOT = 0x9E3779B97F4A7C15L;

    private record Entry(int block, long key, long parentKey, int parentBlock, int[] tokens, String salt) {
    }

    private final Map<Long, Entry> byKey = new HashMap<>();
    private final Entry[] byBlock;
    private final int[] cachedChildren;
    private final long[] lastUsed;
    private final TreeSet<Long> evictable = new TreeSet<>(); // (lastUsed << 20 | block), oldest first
    private long clock;

    public PrefixCache(int blocks) {
        if (blocks >= (1 << 20)) {
            throw new IllegalArgumentException("at most 2^20 KV blocks");
        }
        byBlock = new Entry[blocks];
        cachedChildren = new int[blocks];
        lastUsed = new long[blocks];
    }

    /** The chained key of a block holding {@code tokens} after a block with key {@code parentKey}. */
    public static long key(long parentKey, int[] tokens, int from, int to, String salt) {
        long h = parentKey * 0xff51afd7ed558ccdL + 0x632BE59BD9B4E019L;
        if (parentKey == ROOT && salt != null) {
            h = mix(h ^ salt.hashCode() * 0xc4ceb9fe1a85ec53L ^ salt.length());
        }
        for (int i = from; i < to; i++) {
            h = mix(h ^ (tokens[i] & 0xffffffffL) * 0x9E3779B97F4A7C15L);
        }
        return mix(h ^ (to - from));
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }

    /** The cached block for these tokens after {@code parentBlock} (-1 for the first), or -1. */
    public int lookup(long key, long parentKey, int parentBlock, int[] tokens, int from, int to, String salt) {
        Entry e = byKey.get(key);
        if (e == null || e.parentKey != parentKey || e.parentBlock != parentBlock
                || !Arrays.equals(e.tokens, 0, e.tokens.length, tokens, from, to)
                || (parentBlock < 0 && !Objects.equals(e.salt, salt))) {
            return -1;
        }
        return e.block;
    }

    /** Whether this block's contents are named in the cache. */
    public boolean isCached(int block) {
        return byBlock[block] != null;
    }

    public long keyOf(int block) {
        return byBlock[block].key;
    }

    /**
     * Names a freshly filled block. Returns false (and caches nothing) when another block already holds
     * the same content, e.g. two identical prompts prefilled in the same step.
     */
    public boolean register(int block, long key, long parentKey, int parentBlock, int[] tokens, int from, int to, String salt) {
        if (byKey.containsKey(key) || byBlock[block] != null) {
            return false;
        }
        // Only a block whose parent is itself cached is named: then every hit, walked from the first block,
        // is confirmed token by token along the whole chain.
        if (parentBlock >= 0 && (byBlock[parentBlock] == null || byBlock[parentBlock].key != parentKey)) {
            return false;
        }
        Entry e = new Entry(block, key, parentKey, parentBlock, Arrays.copyOfRange(tokens, from, to),
                parentBlock < 0 ? salt : null);
        byKey.put(key, e);
        byBlock[block] = e;
        if (parentBlock >= 0) {
            cachedChildren[parentBlock]++;
            evictable.remove(order(parentBlock));
        }
        touch(block);
        return true;
    }

    /** Marks a block as just used (a hit, or a new registration). */
    public void touch(int block) {
        boolean wasEvictable = evictable.remove(order(block));
        lastUsed[block] = ++clock;
        if (wasEvictable) {
            evictable.add(order(block));
        }
    }

    /** A cached block lost its last reference: it may now be evicted (if it has no cached children). */
    public void onUnreferenced(int block) {
        if (byBlock[block] != null && cachedChildren[block] == 0) {
            evictable.add(order(block));
        }
    }

    /** A cached block is referenced again (a prefix hit): not evictable while in use. */
    public void onReferenced(int block) {
        evictable.remove(order(block));
    }

    public int evictableCount() {
        return evictable.size();
    }

    public int size() {
        return byKey.size();
    }

    /**
     * Forgets the least recently used evictable block and returns its id (now free to reuse), or -1.
     * Its parent may become evictable in turn.
     */
    public int evictOne(BlockPool pool) {
        Long first = evictable.pollFirst();
        if (first == null) {
            return -1;
        }
        int block = (int) (first & 0xFFFFF);
        Entry e = byBlock[block];
        byBlock[block] = null;
        byKey.remove(e.key);
        if (e.parentBlock >= 0 && byBlock[e.parentBlock] != null) {
            if (--cachedChildren[e.parentBlock] == 0 && pool.refCount(e.parentBlock) == 0) {
                evictable.add(order(e.parentBlock));
            }
        }
        return block;
    }

    private long order(int block) {
        return lastUsed[block] << 20 | block;
    }
}
