package dev.ponder.core.engine;

/**
 * Detects a sequence stuck in a loop: its last tokens are one span (of at most {@code window} tokens)
 * repeated back to back, covering at least {@code minTokens}. Checked after every token, over the tail only.
 */
final class RepetitionGuard {
    private final int window;
    private final int minTokens;

    RepetitionGuard(int window, int minTokens) {
        this.window = window;
        this.minTokens = minTokens;
    }

    boolean enabled() {
        return window > 0;
    }

    /** True when {@code tokens[0..size)} ends with a span of length <= window repeated to cover minTokens. */
    boolean isStuck(int[] tokens, int size) {
        if (window <= 0 || size < minTokens) {
            return false;
        }
        for (int span = 1; span <= window && 2 * span <= size; span++) {
            int covered = span;
            while (size - covered - span >= 0 && covered < minTokens
                    && sameSpan(tokens, size - covered - span, size - span, span)) {
                covered += span;
            }
            if (covered >= minTokens && covered >= 2 * span) {
                return true;
            }
        }
        return false;
    }

    private static boolean sameSpan(int[] tokens, int a, int b, int length) {
        for (int i = 0; i < length; i++) {
            if (tokens[a + i] != tokens[b + i]) {
                return false;
            }
        }
        return true;
    }
}
