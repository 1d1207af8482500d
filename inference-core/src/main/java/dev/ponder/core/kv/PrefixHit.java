package dev.ponder.core.kv;

/**
 * The leading full blocks of a prompt found in the prefix cache, with their chained keys: a look-up's answer,
 * taken (referenced) only by {@link KvCacheManager#takePrefix}.
 *
 * @param blocks the cached blocks, in position order
 * @param keys   each block's chained prefix-cache key
 * @param tokens the tokens those blocks hold (blocks times the block size)
 */
public record PrefixHit(int[] blocks, long[] keys, int tokens) {
}
