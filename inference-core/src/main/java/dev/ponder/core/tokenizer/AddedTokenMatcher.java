package dev.ponder.core.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds added tokens ({@code <|im_start|>}, {@code <think>}, ...) written in text, leftmost first and,
 * among those starting at the same place, the longest. Candidates are bucketed by their first char,
 * which for chat-template text is almost always {@code <}, so a scan costs one map probe per char.
 */
final class AddedTokenMatcher {
    /** A match: the token id and the char range it covers. */
    record Match(int tokenId, int start, int end) {
    }

    private record Candidate(String text, int id) {
    }

    private final Map<Character, Candidate[]> byFirstChar;

    AddedTokenMatcher(String[] tokens, TokenType[] types) {
        Map<Character, List<Candidate>> buckets = new HashMap<>();
        for (int id = 0; id < tokens.length; id++) {
            if (types[id].isAdded() && !tokens[id].isEmpty()) {
                buckets.computeIfAbsent(tokens[id].charAt(0), c -> new ArrayList<>()).add(new Candidate(tokens[id], id));
            }
        }
        byFirstChar = new HashMap<>();
        for (var e : buckets.entrySet()) {
            Candidate[] sorted = e.getValue().toArray(Candidate[]::new);
            Arrays.sort(sorted, Comparator.comparingInt((Candidate c) -> c.text.length()).reversed());
            byFirstChar.put(e.getKey(), sorted);
        }
    }

    /** The first added token in {@code text} at or after {@code from}, or null. */
    Match find(String text, int from) {
        for (int i = from; i < text.length(); i++) {
            Candidate[] candidates = byFirstChar.get(text.charAt(i));
            if (candidates == null) {
                continue;
            }
            for (Candidate c : candidates) {
                if (text.startsWith(c.text, i)) {
                    return new Match(c.id, i, i + c.text.length());
                }
            }
        }
        return null;
    }
}
