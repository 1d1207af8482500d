package dev.ponder.core.constrain;

import java.util.Arrays;
import java.util.Comparator;

/**
 * The byte strings of a vocabulary as a trie laid out flat in depth-first order, so that walking it
 * with an automaton is one pass over arrays: a node whose byte kills the automaton skips its whole
 * subtree by a single jump. Nodes have no explicit root: the first bytes of tokens are depth 1.
 */
final class TokenTrie {
    private final byte[] label;
    private final int[] depth;
    /** Index of the first node after this node's subtree. */
    private final int[] subtreeEnd;
    /** Tokens spelled exactly by node i: {@code tokenIds[firstToken[i] .. firstToken[i + 1])}. */
    private final int[] firstToken;
    private final int[] tokenIds;
    private final int maxDepth;

    /** @param bytesById each token's bytes, or null for a token that must never be walked */
    TokenTrie(byte[][] bytesById) {
        Integer[] order = java.util.stream.IntStream.range(0, bytesById.length)
                .filter(id -> bytesById[id] != null && bytesById[id].length > 0)
                .boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparing(id -> bytesById[id], Arrays::compareUnsigned));

        int capacity = 0;
        for (int id : order) {
            capacity += bytesById[id].length;
        }
        byte[] labels = new byte[capacity];
        int[] depths = new int[capacity];
        int[] ends = new int[capacity];
        int[] firsts = new int[capacity + 1];
        int[] openAt = new int[256]; // node index of the open path, by depth
        int nodes = 0;
        int longest = 0;
        byte[] previous = new byte[0];
        tokenIds = new int[order.length];
        for (int t = 0; t < order.length; t++) {
            byte[] bytes = bytesById[order[t]];
            int shared = Arrays.mismatch(previous, bytes);
            shared = shared < 0 ? bytes.length : shared;
            if (bytes.length > openAt.length) {
                openAt = Arrays.copyOf(openAt, bytes.length * 2);
            }
            // Close the nodes of the previous path below the shared prefix.
            for (int d = shared; d < previous.length; d++) {
                ends[openAt[d]] = nodes;
            }
            for (int d = shared; d < bytes.length; d++) {
                labels[nodes] = bytes[d];
                depths[nodes] = d + 1;
                firsts[nodes] = t;
                openAt[d] = nodes++;
            }
            tokenIds[t] = order[t];
            longest = Math.max(longest, bytes.length);
            previous = bytes;
        }
        for (int d = 0; d < previous.length; d++) {
            ends[openAt[d]] = nodes;
        }
        firsts[nodes] = order.length;
        label = Arrays.copyOf(labels, nodes);
        depth = Arrays.copyOf(depths, nodes);
        subtreeEnd = Arrays.copyOf(ends, nodes);
        firstToken = Arrays.copyOf(firsts, nodes + 1);
        maxDepth = longest;
    }

    int nodeCount() {
        return label.length;
    }

    /**
     * Sets in {@code allowed} the bit of every token whose bytes, read from {@code state}, never reach
     * {@link ByteDfa#DEAD}.
     */
    void walk(ByteDfa dfa, int state, long[] allowed) {
        int[] stateAtDepth = new int[maxDepth + 1];
        stateAtDepth[0] = state;
        int nodes = label.length;
        int i = 0;
        while (i < nodes) {
            int d = depth[i];
            int next = dfa.next(stateAtDepth[d - 1], label[i]);
            if (next == ByteDfa.DEAD) {
                i = subtreeEnd[i];
                continue;
            }
            stateAtDepth[d] = next;
            for (int k = firstToken[i]; k < firstToken[i + 1]; k++) {
                int id = tokenIds[k];
                allowed[id >>> 6] |= 1L << id;
            }
            i++;
        }
    }
}
