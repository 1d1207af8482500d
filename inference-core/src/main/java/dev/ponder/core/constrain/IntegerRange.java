package dev.ponder.core.constrain;

import java.util.ArrayList;
import java.util.List;

/**
 * The pattern of the integers in a range, written canonically (no leading zeros, no {@code -0}, no
 * plus sign), so that an integer schema's {@code minimum} and {@code maximum} hold for every number the
 * automaton lets through. Built digit by digit: a range of numbers with the same count of digits splits
 * into a few prefix-and-free-digits pieces, as in {@code 13..47 = 1[3-9] | [23][0-9] | 4[0-7]}.
 */
final class IntegerRange {
    /** Bounds beyond this are refused: they would overflow the arithmetic and nobody needs them. */
    static final long LIMIT = 1_000_000_000_000_000_000L;

    private IntegerRange() {
    }

    /** @param min the least allowed value, or null for none; {@code max} likewise */
    static String pattern(Long min, Long max) {
        if (min != null && max != null && min > max) {
            throw new ConstraintException("the integer range is empty: minimum " + min + " is above maximum " + max);
        }
        List<String> options = new ArrayList<>();
        if (max == null || max >= 0) {
            long from = min == null ? 0 : Math.max(min, 0);
            options.add(max == null ? atLeast(from) : between(from, max));
        }
        if (min == null || min < 0) {
            long from = max != null && max < 0 ? -max : 1;
            options.add("-(" + (min == null ? atLeast(from) : between(from, -min)) + ")");
        }
        return String.join("|", options);
    }

    /** Canonical non-negative integers from {@code from} up. */
    private static String atLeast(long from) {
        int digits = digits(from);
        String longer = "[1-9][0-9]{" + digits + ",}";
        return sameLength(Long.toString(from), "9".repeat(digits)) + "|" + longer;
    }

    /** Canonical non-negative integers in {@code [from, to]}. */
    private static String between(long from, long to) {
        List<String> options = new ArrayList<>();
        for (int digits = digits(from); digits <= digits(to); digits++) {
            long low = Math.max(from, digits == 1 ? 0 : smallestWith(digits));
            long high = Math.min(to, largestWith(digits));
            options.add(sameLength(Long.toString(low), Long.toString(high)));
        }
        return String.join("|", options);
    }

    /** Digit strings of equal length from {@code low} to {@code high}, leading zeros allowed. */
    private static String sameLength(String low, String high) {
        if (low.isEmpty()) {
            return "";
        }
        char a = low.charAt(0);
        char b = high.charAt(0);
        String lowRest = low.substring(1);
        String highRest = high.substring(1);
        if (a == b) {
            return a + group(sameLength(lowRest, highRest));
        }
        // A side whose rest is all zeros (low) or all nines (high) joins the free middle digits, which keeps
        // the pattern linear in the digit count.
        boolean lowFull = lowRest.chars().allMatch(c -> c == '0');
        boolean highFull = highRest.chars().allMatch(c -> c == '9');
        char middleFrom = lowFull ? a : (char) (a + 1);
        char middleTo = highFull ? b : (char) (b - 1);
        List<String> options = new ArrayList<>();
        if (!lowFull) {
            options.add(a + group(sameLength(lowRest, "9".repeat(lowRest.length()))));
        }
        if (middleFrom <= middleTo) {
            options.add("[" + middleFrom + "-" + middleTo + "]" + (lowRest.isEmpty() ? "" : "[0-9]{" + lowRest.length() + "}"));
        }
        if (!highFull) {
            options.add(b + group(sameLength("0".repeat(highRest.length()), highRest)));
        }
        return String.join("|", options);
    }

    private static String group(String pattern) {
        return pattern.isEmpty() ? "" : "(" + pattern + ")";
    }

    private static int digits(long value) {
        return Long.toString(value).length();
    }

    private static long smallestWith(int digits) {
        long value = 1;
        for (int i = 1; i < digits; i++) {
            value *= 10;
        }
        return value;
    }

    /** Saturates at Long.MAX_VALUE for 19 digits (bounds stay within 10^18, so only 10^18 itself has 19). */
    private static long largestWith(int digits) {
        return digits >= 19 ? Long.MAX_VALUE : smallestWith(digits) * 10 - 1;
    }
}
