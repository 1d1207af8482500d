package dev.ponder.core.model;

import java.util.Arrays;

/**
 * The tokens of one forward step, possibly from many sequences: prefill chunks and decode tokens mixed.
 * Token i has id {@code tokens[i]}, position {@code positions[i]} in its sequence, and that sequence's
 * KV block table {@code blockTables[i]}; logits are computed only for tokens with {@code wantLogits[i]}.
 * Tokens of one sequence must appear in increasing position order.
 */
public final class ForwardBatch {
    private int size;
    private int[] tokens;
    private int[] positions;
    private int[][] blockTables;
    private boolean[] wantLogits;
    private int logitCount;

    public ForwardBatch(int capacity) {
        tokens = new int[Math.max(1, capacity)];
        positions = new int[tokens.length];
        blockTables = new int[tokens.length][];
        wantLogits = new boolean[tokens.length];
    }

    /** Adds a token; returns its index in the batch. */
    public int add(int token, int position, int[] blockTable, boolean logits) {
        if (size == tokens.length) {
            int n = size * 2;
            tokens = Arrays.copyOf(tokens, n);
            positions = Arrays.copyOf(positions, n);
            blockTables = Arrays.copyOf(blockTables, n);
            wantLogits = Arrays.copyOf(wantLogits, n);
        }
        tokens[size] = token;
        positions[size] = position;
        blockTables[size] = blockTable;
        wantLogits[size] = logits;
        if (logits) {
            logitCount++;
        }
        return size++;
    }

    public void clear() {
        Arrays.fill(blockTables, 0, size, null);
        size = 0;
        logitCount = 0;
    }

    public int size() {
        return size;
    }

    public int token(int i) {
        return tokens[i];
    }

    public int position(int i) {
        return positions[i];
    }

    public int[] blockTable(int i) {
        return blockTables[i];
    }

    public boolean wantsLogits(int i) {
        return wantLogits[i];
    }

    public int logitCount() {
        return logitCount;
    }
}
