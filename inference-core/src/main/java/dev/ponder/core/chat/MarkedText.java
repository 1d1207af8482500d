package dev.ponder.core.chat;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Text that remembers, character by character, which characters came from message content (untrusted) and which
 * from the template itself (trusted). The Python string methods that templates call work on this type so that a
 * {@code split}, {@code strip} or {@code replace} keeps every surviving character's origin.
 */
final class MarkedText {
    private final String text;
    private final BitSet fromContent;

    private MarkedText(String text, BitSet fromContent) {
        this.text = text;
        this.fromContent = fromContent;
    }

    static MarkedText trusted(String text) {
        return new MarkedText(text, new BitSet());
    }

    static MarkedText content(String text) {
        BitSet bits = new BitSet();
        bits.set(0, text.length());
        return new MarkedText(text, bits);
    }

    String text() {
        return text;
    }

    int length() {
        return text.length();
    }

    boolean isContent(int index) {
        return fromContent.get(index);
    }

    MarkedText slice(int from, int to) {
        return new MarkedText(text.substring(from, to), fromContent.get(from, to));
    }

    /** The code points in reverse order, each keeping its origin (for {@code [::-1]} on a string). */
    MarkedText reversed() {
        Builder out = new Builder();
        int end = text.length();
        while (end > 0) {
            int start = text.offsetByCodePoints(end, -1);
            out.append(this, start, end);
            end = start;
        }
        return out.build();
    }

    /** Maximal runs of same-origin characters, in order; empty text gives no runs. */
    List<RenderedPrompt.Segment> segments() {
        List<RenderedPrompt.Segment> runs = new ArrayList<>();
        int start = 0;
        while (start < text.length()) {
            boolean content = fromContent.get(start);
            int end = content ? fromContent.nextClearBit(start) : fromContent.nextSetBit(start);
            if (end < 0 || end > text.length()) {
                end = text.length();
            }
            runs.add(new RenderedPrompt.Segment(text.substring(start, end), !content));
            start = end;
        }
        return runs;
    }

    @Override
    public String toString() {
        return text;
    }

    /** Concatenates marked pieces. */
    static final class Builder {
        private final StringBuilder text = new StringBuilder();
        private final BitSet fromContent = new BitSet();

        Builder append(MarkedText piece) {
            return append(piece, 0, piece.length());
        }

        Builder append(MarkedText piece, int from, int to) {
            int offset = text.length();
            text.append(piece.text, from, to);
            for (int i = piece.fromContent.nextSetBit(from); i >= 0 && i < to; i = piece.fromContent.nextSetBit(i + 1)) {
                fromContent.set(offset + i - from);
            }
            return this;
        }

        Builder appendTrusted(String trusted) {
            text.append(trusted);
            return this;
        }

        Builder appendContent(String content) {
            int offset = text.length();
            text.append(content);
            fromContent.set(offset, text.length());
            return this;
        }

        MarkedText build() {
            return new MarkedText(text.toString(), (BitSet) fromContent.clone());
        }
    }
}
