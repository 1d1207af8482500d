package dev.ponder.core.chat;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A rendered chat prompt that knows which text came from the template (trusted: its markers such as
 * {@code <|im_start|>} are control tokens) and which from message content (untrusted: tokenized as plain text even
 * when it spells a control token).
 *
 * <p>Tokenize it with {@link #pieces}: special tokens are recognised only in trusted text, and the text between them
 * is encoded as one string with special tokens disallowed, so that a prompt without tricks gets exactly the tokens
 * that tokenizing the whole text would give.
 */
public record RenderedPrompt(List<Segment> segments) {

    /** A maximal run of text of one origin. */
    public record Segment(String text, boolean trusted) {
        public Segment {
            Objects.requireNonNull(text, "text");
        }
    }

    /** A unit for the tokenizer: a special token (one id) or plain text (encoded with special tokens disallowed). */
    public record Piece(String text, boolean specialToken) {
    }

    public RenderedPrompt {
        segments = List.copyOf(segments);
    }

    /** The whole prompt as one string (what a Python Jinja render would have produced). */
    public String text() {
        StringBuilder out = new StringBuilder();
        segments.forEach(s -> out.append(s.text()));
        return out.toString();
    }

    /**
     * Splits the prompt for tokenization: each occurrence of one of {@code specialTokens} inside trusted text becomes
     * a special piece (longest match first); all other text, trusted or not, is merged into plain pieces.
     */
    public List<Piece> pieces(Collection<String> specialTokens) {
        Map<Character, List<String>> byFirstChar = new HashMap<>();
        specialTokens.stream().filter(t -> !t.isEmpty())
                .sorted(Comparator.comparingInt(String::length).reversed())
                .forEach(t -> byFirstChar.computeIfAbsent(t.charAt(0), c -> new ArrayList<>()).add(t));
        List<Piece> pieces = new ArrayList<>();
        StringBuilder plain = new StringBuilder();
        for (Segment segment : segments) {
            if (!segment.trusted()) {
                plain.append(segment.text());
                continue;
            }
            String text = segment.text();
            int i = 0;
            while (i < text.length()) {
                String token = specialAt(text, i, byFirstChar);
                if (token == null) {
                    plain.append(text.charAt(i++));
                    continue;
                }
                flush(plain, pieces);
                pieces.add(new Piece(token, true));
                i += token.length();
            }
        }
        flush(plain, pieces);
        return pieces;
    }

    private static String specialAt(String text, int at, Map<Character, List<String>> byFirstChar) {
        for (String token : byFirstChar.getOrDefault(text.charAt(at), List.of())) {
            if (text.startsWith(token, at)) {
                return token;
            }
        }
        return null;
    }

    private static void flush(StringBuilder plain, List<Piece> pieces) {
        if (!plain.isEmpty()) {
            pieces.add(new Piece(plain.toString(), false));
            plain.setLength(0);
        }
    }
}
