package dev.ponder.core.constrain;

import java.util.Arrays;

/**
 * The tokens allowed in one automaton state, as a bitset, kept with the cheaper way to apply it. Most
 * states of a structured answer allow a few tokens (a digit, a quote): then the whole logit row is
 * filled with negative infinity (a vectorised fill) and the few allowed logits put back. States inside
 * free text allow most tokens: then only the refused ones are written.
 */
final class TokenMask {
    private final long[] bits;
    private final int size;
    /** The allowed ids when they are at most a quarter of the vocabulary; null otherwise. */
    private final int[] allowedIds;

    TokenMask(long[] bits, int size) {
        this.bits = bits;
        this.size = size;
        int count = 0;
        for (long word : bits) {
            count += Long.bitCount(word);
        }
        if (count <= size / 4) {
            allowedIds = new int[count];
            int n = 0;
            for (int w = 0; w < bits.length; w++) {
                for (long word = bits[w]; word != 0; word &= word - 1) {
                    allowedIds[n++] = (w << 6) + Long.numberOfTrailingZeros(word);
                }
            }
        } else {
            allowedIds = null;
        }
    }

    boolean allows(int id) {
        return id >= 0 && id < size && (bits[id >>> 6] >>> id & 1) != 0;
    }

    long[] bits() {
        return bits;
    }

    /** Sets the logits of refused tokens (and of ids at or above the vocabulary's size) to negative infinity. */
    void apply(float[] logits, int offset, int vocabSize) {
        if (allowedIds != null) {
            applySparse(logits, offset, vocabSize);
        } else {
            applyDense(logits, offset, vocabSize);
        }
    }

    private void applySparse(float[] logits, int offset, int vocabSize) {
        int kept = 0;
        float[] saved = new float[allowedIds.length];
        for (int id : allowedIds) {
            if (id < vocabSize) {
                saved[kept++] = logits[offset + id];
            }
        }
        Arrays.fill(logits, offset, offset + vocabSize, Float.NEGATIVE_INFINITY);
        for (int i = 0; i < kept; i++) {
            logits[offset + allowedIds[i]] = saved[i];
        }
    }

    private void applyDense(float[] logits, int offset, int vocabSize) {
        int known = Math.min(vocabSize, size);
        int words = (known + 63) >>> 6;
        for (int w = 0; w < words; w++) {
            long refused = ~bits[w];
            if (w == words - 1 && (known & 63) != 0) {
                refused &= (1L << known) - 1; // bits past the vocabulary are not ids
            }
            while (refused != 0) {
                logits[offset + (w << 6) + Long.numberOfTrailingZeros(refused)] = Float.NEGATIVE_INFINITY;
                refused &= refused - 1;
            }
        }
        if (known < vocabSize) {
            Arrays.fill(logits, offset + known, offset + vocabSize, Float.NEGATIVE_INFINITY);
        }
    }
}
