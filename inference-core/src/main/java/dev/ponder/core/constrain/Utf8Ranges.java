package dev.ponder.core.constrain;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a range of code points into sequences of byte ranges whose concatenations are exactly the
 * UTF-8 encodings of that range. Each sequence is an array {@code lo0, hi0, lo1, hi1, ...}, one pair per
 * byte position. For example U+0080..U+07FF is the single sequence [C2-DF][80-BF].
 */
final class Utf8Ranges {
    /** The last code point of each encoded length. */
    private static final int[] LENGTH_LIMITS = {0x7F, 0x7FF, 0xFFFF, 0x10FFFF};

    private Utf8Ranges() {
    }

    static List<int[]> of(CodePointSet set) {
        List<int[]> out = new ArrayList<>();
        for (int r = 0; r < set.rangeCount(); r++) {
            split(set.lo(r), set.hi(r), out);
        }
        return out;
    }

    private static void split(int lo, int hi, List<int[]> out) {
        // Both ends must have the same encoded length.
        for (int limit : LENGTH_LIMITS) {
            if (lo <= limit && hi > limit) {
                split(lo, limit, out);
                split(limit + 1, hi, out);
                return;
            }
        }
        int length = encodedLength(lo);
        // A sequence of byte ranges only describes a "rectangle": below the first byte position where
        // the ends differ, the trailing bytes of lo must be all minimal and those of hi all maximal.
        for (int trailing = 1; trailing < length; trailing++) {
            int mask = (1 << (6 * trailing)) - 1;
            if ((lo & ~mask) != (hi & ~mask)) {
                if ((lo & mask) != 0) {
                    split(lo, lo | mask, out);
                    split((lo | mask) + 1, hi, out);
                    return;
                }
                if ((hi & mask) != mask) {
                    split(lo, (hi & ~mask) - 1, out);
                    split(hi & ~mask, hi, out);
                    return;
                }
            }
        }
        byte[] loBytes = encode(lo);
        byte[] hiBytes = encode(hi);
        int[] sequence = new int[2 * length];
        for (int i = 0; i < length; i++) {
            sequence[2 * i] = loBytes[i] & 0xFF;
            sequence[2 * i + 1] = hiBytes[i] & 0xFF;
        }
        out.add(sequence);
    }

    private static int encodedLength(int cp) {
        return cp <= 0x7F ? 1 : cp <= 0x7FF ? 2 : cp <= 0xFFFF ? 3 : 4;
    }

    private static byte[] encode(int cp) {
        return new String(Character.toChars(cp)).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
