package dev.ponder.core.kv;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The per-sequence KV layer on a cache of 6 blocks of 4 tokens, with exact block ids. */
class KvCacheManagerTest {
    static final int BS = 4;

    /** A sequence that computed all of {@code tokens}: blocks allocated, full ones named. */
    static BlockTable computed(KvCacheManager kv, int[] tokens) {
        BlockTable table = new BlockTable();
        assertThat(kv.allocate(table, tokens.length)).isTrue();
        kv.commitFullBlocks(table, tokens, tokens.length, null);
        return table;
    }

    @Test
    void theLastPromptTokenIsNeverServedFromTheCache() {
        KvCacheManager kv = new KvCacheManager(BS, 6);
        int[] a = BlockManagerTest.range(1, 8);
        computed(kv, a);
        // The same 8 tokens again: both blocks are cached, but the last token must be computed to give logits,
        // so only the first block is served.
        PrefixHit same = kv.findCachedPrefix(a, a.length, null);
        assertThat(same.blocks()).containsExactly(0);
        assertThat(same.tokens()).isEqualTo(4);
        // One token more: now both cached blocks lie before the last token.
        int[] longer = BlockManagerTest.range(1, 9);
        assertThat(kv.findCachedPrefix(longer, longer.length, null).blocks()).containsExactly(0, 1);
    }

    @Test
    void aTakenPrefixIsReferencedAndTheRestIsAllocatedAfterIt() {
        KvCacheManager kv = new KvCacheManager(BS, 6);
        int[] a = BlockManagerTest.range(1, 12);
        BlockTable first = computed(kv, a);
        assertThat(first.toArray()).containsExactly(0, 1, 2);
        assertThat(first.namedBlocks()).isEqualTo(3);

        int[] b = BlockManagerTest.range(1, 14); // shares a's 12 tokens
        BlockTable second = new BlockTable();
        PrefixHit hit = kv.findCachedPrefix(b, b.length, null);
        kv.takePrefix(second, hit);
        assertThat(kv.allocate(second, b.length)).isTrue();
        assertThat(second.toArray()).containsExactly(0, 1, 2, 3);
        assertThat(kv.refCount(0)).isEqualTo(2);
        assertThat(kv.refCount(3)).isEqualTo(1);
        assertThat(second.namedBlocks()).as("the taken blocks come with their keys").isEqualTo(3);

        kv.free(first);
        assertThat(first.size()).isZero();
        assertThat(kv.refCount(0)).isEqualTo(1);
        assertThat(kv.used()).isEqualTo(4);
        kv.free(second);
        assertThat(kv.used()).isZero();
        assertThat(kv.cachedBlocks()).isEqualTo(3);
    }

    @Test
    void allocationStopsWhenTheCacheIsFullAndKeepsWhatItGot() {
        KvCacheManager kv = new KvCacheManager(BS, 3);
        BlockTable table = new BlockTable();
        assertThat(kv.allocate(table, 5 * BS)).isFalse();
        assertThat(table.toArray()).containsExactly(0, 1, 2);
        kv.free(table);
        assertThat(kv.available()).isEqualTo(3);
    }

    @Test
    void aHitOnAnUnreferencedBlockCountsAsUsedWhenCheckingRoom() {
        KvCacheManager kv = new KvCacheManager(BS, 4);
        int[] a = BlockManagerTest.range(1, 9);
        kv.free(computed(kv, a)); // blocks 0, 1 cached and unreferenced; 2 free again
        assertThat(kv.available()).isEqualTo(4);
        PrefixHit hit = kv.findCachedPrefix(a, a.length, null);
        assertThat(hit.blocks()).containsExactly(0, 1);
        // 3 blocks for 9 tokens, 2 of them from the hit: 1 more, out of the 2 that stay available after the hit
        assertThat(kv.fits(hit, 9, 1)).isTrue();
        assertThat(kv.fits(hit, 9, 2)).as("counting the hit's blocks as spare would say yes").isFalse();
        assertThat(kv.fits(hit, 13, 1)).isFalse();
    }

    @Test
    void aForkSharesTheFullBlocksAndCopiesThePartlyFilledOne() {
        KvCacheManager kv = new KvCacheManager(BS, 6);
        int[] prompt = BlockManagerTest.range(1, 10); // 10 tokens: two full blocks and two tokens in a third
        BlockTable parent = computed(kv, prompt);
        assertThat(parent.toArray()).containsExactly(0, 1, 2);
        java.util.List<int[]> copies = new java.util.ArrayList<>();
        BlockTable child = new BlockTable();
        assertThat(kv.fork(parent, child, prompt.length, (from, to) -> copies.add(new int[] {from, to}))).isTrue();
        assertThat(child.toArray()).containsExactly(0, 1, 3);
        assertThat(child.namedBlocks()).isEqualTo(2);
        assertThat(copies).containsExactly(new int[] {2, 3});
        assertThat(kv.refCount(0)).isEqualTo(2);
        assertThat(kv.refCount(1)).isEqualTo(2);
        assertThat(kv.refCount(2)).isEqualTo(1);
        assertThat(kv.refCount(3)).isEqualTo(1);
        // the child goes on into a block of its own and names its blocks after the shared ones
        int[] childTokens = java.util.Arrays.copyOf(prompt, 12);
        childTokens[10] = 50;
        childTokens[11] = 51;
        assertThat(kv.allocate(child, 12)).isTrue();
        kv.commitFullBlocks(child, childTokens, 12, null);
        assertThat(child.namedBlocks()).isEqualTo(3);
        // the parent's end leaves the shared blocks to the child
        kv.free(parent);
        assertThat(kv.refCount(0)).isEqualTo(1);
        assertThat(kv.refCount(2)).isZero();
        kv.free(child);
        assertThat(kv.used()).isZero();
    }

    @Test
    void aForkAtABlockBoundaryCopiesNothingAndOneWithoutAFreeBlockTakesNothing() {
        KvCacheManager kv = new KvCacheManager(BS, 3);
        BlockTable parent = computed(kv, BlockManagerTest.range(1, 8));
        BlockTable even = new BlockTable();
        assertThat(kv.fork(parent, even, 8, (from, to) -> {
            throw new AssertionError("no block to copy at a boundary");
        })).isTrue();
        assertThat(even.toArray()).containsExactly(0, 1);
        BlockTable odd = new BlockTable();
        BlockTable filler = new BlockTable();
        assertThat(kv.allocate(filler, 1)).isTrue(); // the last free block
        assertThat(kv.fork(parent, odd, 7, (from, to) -> { })).isFalse();
        assertThat(odd.size()).isZero();
        assertThat(kv.refCount(0)).isEqualTo(2);
    }
}
