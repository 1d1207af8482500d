package dev.ponder.core.tokenizer;

/**
 * Token text to id, in an open-addressing table of ints. Looks up a key given as two char ranges to
 * be read as one string, so that the 151k merge rules ("left right") resolve their left, right and
 * merged tokens without allocating a substring each: loading a vocabulary spends most of its time here.
 * Hashes follow {@link String#hashCode()}, so stored tokens reuse the hash their String caches.
 */
final class VocabularyIndex {
    private final String[] tokens;
    private final int[] slots; // token id + 1; 0 marks an empty slot
    private final int mask;

    VocabularyIndex(String[] tokens) {
        this.tokens = tokens;
        int capacity = Integer.highestOneBit(Math.max(4, tokens.length) * 2 - 1) << 1; // load factor <= 1/2
        slots = new int[capacity];
        mask = capacity - 1;
    }

    /** Indexes a token unless a token with the same text is already indexed (the first one wins). */
    void add(int id) {
        String token = tokens[id];
        int slot = slot(token.hashCode());
        int entry;
        while ((entry = slots[slot]) != 0) {
            if (tokens[entry - 1].equals(token)) {
                return;
            }
            slot = (slot + 1) & mask;
        }
        slots[slot] = id + 1;
    }

    /** The id of the token spelled {@code text}, or -1. */
    int find(String text) {
        return find(text, 0, text.length(), "", 0, 0);
    }

    /** The id of the token spelled {@code a[aStart, aEnd)} followed by {@code b[bStart, bEnd)}, or -1. */
    int find(String a, int aStart, int aEnd, String b, int bStart, int bEnd) {
        int hash = 0;
        for (int i = aStart; i < aEnd; i++) {
            hash = 31 * hash + a.charAt(i);
        }
        for (int i = bStart; i < bEnd; i++) {
            hash = 31 * hash + b.charAt(i);
        }
        int aLength = aEnd - aStart;
        int length = aLength + bEnd - bStart;
        int slot = slot(hash);
        int entry;
        while ((entry = slots[slot]) != 0) {
            String token = tokens[entry - 1];
            if (token.length() == length && token.hashCode() == hash
                    && token.regionMatches(0, a, aStart, aLength) && token.regionMatches(aLength, b, bStart, bEnd - bStart)) {
                return entry - 1;
            }
            slot = (slot + 1) & mask;
        }
        return -1;
    }

    private int slot(int hash) {
        int h = hash * 0x9E3779B9; // spread String hashes, whose low bits cluster for short tokens
        return (h ^ (h >>> 16)) & mask;
    }
}
