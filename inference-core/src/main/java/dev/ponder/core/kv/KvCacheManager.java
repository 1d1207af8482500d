package dev.ponder.core.kv;

import java.util.Arrays;

/**
 * The per-sequence side of the KV cache: gives each sequence's {@link BlockTable} the blocks its tokens need,
 * finds and takes cached prefixes, names the blocks a sequence fills so later prompts can share them, and
 * frees a sequence's blocks. It owns the block size. Single-threaded: only the scheduler thread calls it.
 */
public final class KvCacheManager {
    private final int blockSize;
    private final BlockManager blocks;

    public KvCacheManager(int blockSize, int blockCount) {
        if (blockSize < 1) {
            throw new IllegalArgumentException("a KV block holds at least one token, not " + blockSize);
        }
        this.blockSize = blockSize;
        this.blocks = new BlockManager(blockSize, blockCount);
    }

    public int blockSize() {
        return blockSize;
    }

    /** Blocks in the cache. */
    public int capacity() {
        return blocks.capacity();
    }

    /** Blocks that can be handed out now: free ones plus unreferenced cached ones (evicted on demand). */
    public int available() {
        return blocks.available();
    }

    /** Blocks referenced by sequences. */
    public int used() {
        return blocks.used();
    }

    /** Blocks named in the prefix cache, referenced or not. */
    public int cachedBlocks() {
        return blocks.cachedBlocks();
    }

    public int refCount(int block) {
        return blocks.refCount(block);
    }

    /** Blocks needed to hold {@code tokens} tokens. */
    public int blocksFor(int tokens) {
        return (tokens + blockSize - 1) / blockSize;
    }

    /**
     * The cached full blocks that start a sequence of {@code length} tokens. Its last token is never served
     * from the cache, even when a cached block holds it: the model must compute it to give the logits of the
     * next token. Looks only, so it may be called on every step for a request that waits.
     */
    public PrefixHit findCachedPrefix(int[] tokens, int length, String salt) {
        int limit = length - 1;
        long[] keys = new long[Math.max(0, limit) / blockSize];
        int[] hits = blocks.findCachedPrefix(tokens, Math.max(0, limit), salt, keys);
        return new PrefixHit(hits, Arrays.copyOf(keys, hits.length), hits.length * blockSize);
    }

    /**
     * Whether a sequence of {@code tokens} tokens that takes {@code hit} gets all its blocks with
     * {@code headroom} blocks to spare. A hit on a block no sequence references takes it out of the available
     * blocks, so it counts as used, not as spare.
     */
    public boolean fits(PrefixHit hit, int tokens, int headroom) {
        int unreferenced = 0;
        for (int b : hit.blocks()) {
            unreferenced += blocks.refCount(b) == 0 ? 1 : 0;
        }
        return blocksFor(tokens) - hit.blocks().length <= blocks.available() - unreferenced - headroom;
    }

    /** Gives an empty table the hit's blocks (each referenced once more); the sequence computes from {@code hit.tokens()}. */
    public void takePrefix(BlockTable table, PrefixHit hit) {
        if (table.size() != 0) {
            throw new IllegalStateException("a prefix goes into an empty block table, not one of " + table.size() + " blocks");
        }
        for (int i = 0; i < hit.blocks().length; i++) {
            blocks.retainCached(hit.blocks()[i]);
            table.add(hit.blocks()[i]);
            table.addKey(hit.keys()[i]);
        }
    }

    /**
     * Adds blocks until the table covers {@code tokens} tokens. Returns false when the cache ran out first: the
     * blocks added so far stay in the table (freeing the table, or a later call, settles them).
     */
    public boolean allocate(BlockTable table, int tokens) {
        int need = blocksFor(tokens);
        while (table.size() < need) {
            int block = blocks.allocate();
            if (block < 0) {
                return false;
            }
            table.add(block);
        }
        return true;
    }

    /**
     * Names in the prefix cache every block of the table that {@code tokens[0, computed)} has completely
     * filled and that is not named yet, so later requests with the same prefix can share it.
     */
    public void commitFullBlocks(BlockTable table, int[] tokens, int computed, String salt) {
        while (table.namedBlocks() < computed / blockSize) {
            int b = table.namedBlocks();
            long parentKey = b == 0 ? PrefixCache.ROOT : table.key(b - 1);
            int parentBlock = b == 0 ? -1 : table.block(b - 1);
            table.addKey(blocks.commitFullBlock(table.block(b), parentKey, parentBlock, tokens, b * blockSize, salt));
        }
    }

    /** Copies the keys and values of one block into another (the model's KV storage does it). */
    @FunctionalInterface
    public interface BlockCopier {
        void copy(int from, int to);
    }

    /**
     * Gives an empty table the first {@code tokens} tokens of {@code parent}'s KV, for a sequence forked from it:
     * the full blocks are shared (each referenced once more, and named in the fork's table as in the parent's), the
     * partly filled last block is copied into a block of the fork's own, since both will write into
     * it. Returns false, with the table left empty, when no block is free for the copy.
     */
    public boolean fork(BlockTable parent, BlockTable child, int tokens, BlockCopier copier) {
        if (child.size() != 0) {
            throw new IllegalStateException("a fork goes into an empty block table, not one of " + child.size() + " blocks");
        }
        int full = tokens / blockSize;
        if (parent.namedBlocks() < full) {
            throw new IllegalStateException("the parent's full blocks are not all committed: " + parent.namedBlocks()
                    + " of " + full);
        }
        int partial = -1;
        if (tokens % blockSize != 0) {
            partial = blocks.allocate();
            if (partial < 0) {
                return false;
            }
            copier.copy(parent.block(full), partial);
        }
        for (int i = 0; i < full; i++) {
            blocks.retainHeld(parent.block(i));
            child.add(parent.block(i));
            child.addKey(parent.key(i));
        }
        if (partial >= 0) {
            child.add(partial);
        }
        return true;
    }

    /** Drops the table's references (cached blocks stay for reuse) and empties it. */
    public void free(BlockTable table) {
        for (int i = 0; i < table.size(); i++) {
            blocks.release(table.block(i));
        }
        table.clear();
    }
}
