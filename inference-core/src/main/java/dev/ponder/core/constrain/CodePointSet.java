package dev.ponder.core.constrain;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An immutable set of Unicode scalar values (code points without the surrogates, which UTF-8 cannot
 * encode), kept as sorted, disjoint, non-adjacent inclusive ranges.
 */
final class CodePointSet {
    static final int MAX = 0x10FFFF;
    private static final int SURROGATE_FIRST = 0xD800;
    private static final int SURROGATE_LAST = 0xDFFF;

    static final CodePointSet EMPTY = new CodePointSet(new int[0]);
    static final CodePointSet ALL = of(0, MAX);

    /** Pairs lo0, hi0, lo1, hi1, ... */
    private final int[] bounds;

    private CodePointSet(int[] bounds) {
        this.bounds = bounds;
    }

    static CodePointSet of(int lo, int hi) {
        return EMPTY.withRange(lo, hi);
    }

    static CodePointSet single(int codePoint) {
        return of(codePoint, codePoint);
    }

    /** Every code point of the string. */
    static CodePointSet ofChars(String chars) {
        CodePointSet set = EMPTY;
        for (int cp : chars.codePoints().toArray()) {
            set = set.withRange(cp, cp);
        }
        return set;
    }

    CodePointSet withRange(int lo, int hi) {
        if (lo > hi) {
            throw new IllegalArgumentException("range " + lo + ".." + hi + " is reversed");
        }
        int[] merged = Arrays.copyOf(bounds, bounds.length + 2);
        merged[bounds.length] = lo;
        merged[bounds.length + 1] = hi;
        return normalised(merged);
    }

    CodePointSet union(CodePointSet other) {
        int[] merged = Arrays.copyOf(bounds, bounds.length + other.bounds.length);
        System.arraycopy(other.bounds, 0, merged, bounds.length, other.bounds.length);
        return normalised(merged);
    }

    CodePointSet complement() {
        List<Integer> out = new ArrayList<>();
        int next = 0;
        for (int i = 0; i < bounds.length; i += 2) {
            if (bounds[i] > next) {
                out.add(next);
                out.add(bounds[i] - 1);
            }
            next = bounds[i + 1] + 1;
        }
        if (next <= MAX) {
            out.add(next);
            out.add(MAX);
        }
        return normalised(out.stream().mapToInt(Integer::intValue).toArray());
    }

    CodePointSet intersect(CodePointSet other) {
        return complement().union(other.complement()).complement();
    }

    CodePointSet minus(CodePointSet other) {
        return intersect(other.complement());
    }

    boolean isEmpty() {
        return bounds.length == 0;
    }

    boolean contains(int codePoint) {
        for (int i = 0; i < bounds.length; i += 2) {
            if (codePoint >= bounds[i] && codePoint <= bounds[i + 1]) {
                return true;
            }
        }
        return false;
    }

    int rangeCount() {
        return bounds.length / 2;
    }

    int lo(int range) {
        return bounds[2 * range];
    }

    int hi(int range) {
        return bounds[2 * range + 1];
    }

    /** Sorts, merges overlapping and adjacent ranges, and drops the surrogates. */
    private static CodePointSet normalised(int[] pairs) {
        int n = pairs.length / 2;
        long[] packed = new long[n];
        for (int i = 0; i < n; i++) {
            packed[i] = ((long) pairs[2 * i] << 32) | pairs[2 * i + 1];
        }
        Arrays.sort(packed);
        List<int[]> ranges = new ArrayList<>();
        for (long p : packed) {
            int lo = Math.max(0, (int) (p >>> 32));
            int hi = Math.min(MAX, (int) p);
            if (lo > hi) {
                continue;
            }
            int[] last = ranges.isEmpty() ? null : ranges.getLast();
            if (last != null && lo <= last[1] + 1) {
                last[1] = Math.max(last[1], hi);
            } else {
                ranges.add(new int[] {lo, hi});
            }
        }
        List<Integer> out = new ArrayList<>();
        for (int[] r : ranges) {
            addWithoutSurrogates(out, r[0], r[1]);
        }
        return new CodePointSet(out.stream().mapToInt(Integer::intValue).toArray());
    }

    private static void addWithoutSurrogates(List<Integer> out, int lo, int hi) {
        if (lo < SURROGATE_FIRST && hi >= SURROGATE_FIRST) {
            addWithoutSurrogates(out, lo, SURROGATE_FIRST - 1);
            addWithoutSurrogates(out, SURROGATE_FIRST, hi);
            return;
        }
        if (lo <= SURROGATE_LAST && hi > SURROGATE_LAST) {
            addWithoutSurrogates(out, lo, SURROGATE_LAST);
            addWithoutSurrogates(out, SURROGATE_LAST + 1, hi);
            return;
        }
        if (lo >= SURROGATE_FIRST && hi <= SURROGATE_LAST) {
            return;
        }
        out.add(lo);
        out.add(hi);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CodePointSet other && Arrays.equals(bounds, other.bounds);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bounds);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < bounds.length; i += 2) {
            s.append(String.format("%X-%X ", bounds[i], bounds[i + 1]));
        }
        return s.append(']').toString();
    }
}
