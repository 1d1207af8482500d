package dev.ponder.core.sampling;

import java.util.List;

/**
 * Finds stop strings in generated text. Text arrives in pieces (whole characters, from the incremental
 * detokenizer); a stop string may straddle pieces, so the matcher searches the tail of the text that
 * could still hold the start of a match.
 */
public final class StopMatcher {
    private final List<String> stops;
    private final int longest;
    private final StringBuilder text = new StringBuilder();
    private int matchStart = -1;

    public StopMatcher(List<String> stops) {
        for (String s : stops) {
            if (s == null || s.isEmpty()) {
                throw new IllegalArgumentException("stop strings must not be empty");
            }
        }
        this.stops = List.copyOf(stops);
        this.longest = stops.stream().mapToInt(String::length).max().orElse(0);
    }

    /** Appends a piece of text; returns true when a stop string is now complete. */
    public boolean append(String piece) {
        if (matchStart >= 0) {
            return true;
        }
        int searchFrom = Math.max(0, text.length() - longest + 1);
        text.append(piece);
        for (String stop : stops) {
            int at = text.indexOf(stop, searchFrom);
            if (at >= 0 && (matchStart < 0 || at < matchStart)) {
                matchStart = at;
            }
        }
        return matchStart >= 0;
    }

    public boolean matched() {
        return matchStart >= 0;
    }

    /** The text before the stop string (all text when none matched). */
    public String textBeforeStop() {
        return matchStart >= 0 ? text.substring(0, matchStart) : text.toString();
    }
}
