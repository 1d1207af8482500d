package dev.ponder.core.kv;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Scenarios on a pool of 6 blocks of 4 tokens, with exact block ids, reference counts and eviction order. */
class BlockManagerTest {
    static final int BS = 4;

    /** Fills blocks for {@code tokens} like a sequence does: fresh blocks, each named once full. */
    static int[] fill(BlockManager m, int[] tokens, String salt) {
        int full = tokens.length / BS;
        int[] table = new int[full];
        long parentKey = PrefixCache.ROOT;
        int parent = -1;
        for (int i = 0; i < full; i++) {
            table[i] = m.allocate();
            parentKey = m.commitFullBlock(table[i], parentKey, parent, tokens, i * BS, salt);
            parent = table[i];
        }
        return table;
    }

    /** Finds the cached prefix of {@code tokens[0..limit)} and references each found block, as an admission does. */
    static int[] take(BlockManager m, int[] tokens, int limit, String salt) {
        int[] hits = m.findCachedPrefix(tokens, limit, salt, new long[limit / BS]);
        for (int b : hits) {
            m.retainCached(b);
        }
        return hits;
    }

    static int[] range(int from, int n) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = from + i;
        }
        return t;
    }

    @Test
    void aSecondRequestReusesEveryLeadingFullBlock() {
        BlockManager m = new BlockManager(BS, 6);
        int[] a = range(100, 12);
        assertThat(fill(m, a, null)).containsExactly(0, 1, 2);
        int[] b = a.clone();
        b[9] = 999; // differs in the third block
        int[] hits = take(m, b, b.length, null);
        assertThat(hits).containsExactly(0, 1);
        assertThat(m.refCount(0)).isEqualTo(2);
        assertThat(m.refCount(1)).isEqualTo(2);
        assertThat(m.refCount(2)).isEqualTo(1);
    }

    @Test
    void findingAPrefixChangesNeitherReferencesNorEvictionOrder() {
        BlockManager m = new BlockManager(BS, 2);
        int[] x = fill(m, range(10, 4), null);   // block 0
        int[] y = fill(m, range(20, 4), null);   // block 1
        m.release(x[0]);
        m.release(y[0]);
        // x is the least recently used; looking it up (as a waiting request does every step) must not renew it
        for (int i = 0; i < 3; i++) {
            assertThat(m.findCachedPrefix(range(10, 5), 4, null, new long[1])).containsExactly(0);
        }
        assertThat(m.refCount(0)).isZero();
        assertThat(m.available()).isEqualTo(2);
        assertThat(m.allocate()).as("x is still the first to go").isEqualTo(0);
    }

    @Test
    void differentSaltsNeverShare() {
        BlockManager m = new BlockManager(BS, 6);
        int[] a = range(1, 9);
        fill(m, a, "tenant-a");
        assertThat(take(m, a, 8, "tenant-b")).isEmpty();
        assertThat(take(m, a, 8, null)).isEmpty();
        assertThat(take(m, a, 8, "tenant-a")).containsExactly(0, 1);
    }

    @Test
    void releasedCachedBlocksStayUntilThePoolNeedsThem() {
        BlockManager m = new BlockManager(BS, 6);
        int[] table = fill(m, range(1, 8), null);
        for (int b : table) {
            m.release(b);
        }
        assertThat(m.refCount(0)).isZero();
        assertThat(m.isCached(0)).isTrue();
        assertThat(m.available()).isEqualTo(6);
        assertThat(m.used()).isZero();
        // free blocks are used before any cached block is evicted
        assertThat(new int[] {m.allocate(), m.allocate(), m.allocate(), m.allocate()}).containsExactly(2, 3, 4, 5);
        assertThat(m.isCached(0)).isTrue();
        assertThat(m.isCached(1)).isTrue();
        // now eviction: the tail block (1) goes before its parent (0)
        assertThat(m.allocate()).isEqualTo(1);
        assertThat(m.isCached(1)).isFalse();
        assertThat(m.isCached(0)).isTrue();
        assertThat(m.allocate()).isEqualTo(0);
        assertThat(m.allocate()).isEqualTo(-1);
    }

    @Test
    void evictionIsLeastRecentlyUsedAmongLeaves() {
        BlockManager m = new BlockManager(BS, 4);
        int[] x = fill(m, range(10, 4), null);   // block 0
        int[] y = fill(m, range(20, 4), null);   // block 1
        int[] z = fill(m, range(30, 4), null);   // block 2
        m.release(x[0]);
        m.release(y[0]);
        m.release(z[0]);
        // touch x again through a hit, then let it go
        int[] hit = take(m, range(10, 5), 4, null);
        assertThat(hit).containsExactly(0);
        m.release(0);
        assertThat(m.allocate()).isEqualTo(3); // the free one first
        assertThat(m.allocate()).isEqualTo(1); // y: least recently used
        assertThat(m.allocate()).isEqualTo(2); // then z
        assertThat(m.allocate()).isEqualTo(0); // x was touched last
    }

    @Test
    void aReferencedBlockIsNeverEvicted() {
        BlockManager m = new BlockManager(BS, 2);
        int[] held = fill(m, range(1, 4), null); // block 0, still referenced
        int other = m.allocate();
        assertThat(other).isEqualTo(1);
        assertThat(m.allocate()).isEqualTo(-1);
        assertThat(m.refCount(held[0])).isEqualTo(1);
        assertThat(m.isCached(held[0])).isTrue();
    }

    @Test
    void twoIdenticalBlocksFilledTogetherAreNamedOnce() {
        BlockManager m = new BlockManager(BS, 6);
        int[] a = fill(m, range(1, 4), null);
        int[] b = fill(m, range(1, 4), null); // same content, different block
        assertThat(a[0]).isNotEqualTo(b[0]);
        assertThat(m.cachedBlocks()).isEqualTo(1);
        m.release(b[0]);
        assertThat(m.refCount(b[0])).isZero();
        assertThat(m.available()).isEqualTo(5); // b's block went straight back to the free list
    }
}
