package dev.ponder.core.sampling;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/** The tokens a request has generated, with per-token counts for the penalties. */
public final class TokenHistory {
    private int[] tokens = new int[64];
    private int size;
    private final Map<Integer, Integer> counts = new HashMap<>();

    public void add(int token) {
        if (size == tokens.length) {
            tokens = Arrays.copyOf(tokens, size * 2);
        }
        tokens[size++] = token;
        counts.merge(token, 1, Integer::sum);
    }

    public int size() {
        return size;
    }

    public int get(int i) {
        return tokens[i];
    }

    public int[] toArray() {
        return Arrays.copyOf(tokens, size);
    }

    /** Each distinct token with how often it occurred. */
    public Map<Integer, Integer> counts() {
        return counts;
    }
}
