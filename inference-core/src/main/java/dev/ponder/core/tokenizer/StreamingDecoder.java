package dev.ponder.core.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Turns a stream of token ids into text as it comes, for streaming output and stop strings. A byte-level
 * token may end in the middle of a UTF-8 character (an emoji is often two or three tokens), so the bytes
 * of an unfinished character are held back until the tokens that complete it arrive. The concatenation
 * of everything returned by {@link #feed} and {@link #flush} equals {@link Tokenizer#decode} of the same
 * ids, invalid bytes included (each becomes U+FFFD in both).
 *
 * <p>One decoder per sequence; not thread-safe.
 */
public final class StreamingDecoder {
    private final Tokenizer tokenizer;
    private final boolean skipSpecial;
    private byte[] pending = new byte[16];
    private int pendingLength;

    StreamingDecoder(Tokenizer tokenizer, boolean skipSpecial) {
        this.tokenizer = tokenizer;
        this.skipSpecial = skipSpecial;
    }

    /** Adds one token and returns the text it completes: possibly empty, never half a character. */
    public String feed(int tokenId) {
        byte[] bytes = tokenizer.tokenBytesShared(tokenId);
        if (skipSpecial && tokenizer.isSkippable(tokenId)) {
            return "";
        }
        append(bytes);
        int complete = completePrefixLength(pending, pendingLength);
        if (complete == 0) {
            return "";
        }
        String text = new String(pending, 0, complete, StandardCharsets.UTF_8);
        System.arraycopy(pending, complete, pending, 0, pendingLength - complete);
        pendingLength -= complete;
        return text;
    }

    /** Returns whatever is held back (an unfinished character becomes U+FFFD) and empties the decoder. */
    public String flush() {
        String text = new String(pending, 0, pendingLength, StandardCharsets.UTF_8);
        pendingLength = 0;
        return text;
    }

    /** Whether bytes of an unfinished character are being held back. */
    public boolean hasPending() {
        return pendingLength > 0;
    }

    private void append(byte[] bytes) {
        if (pendingLength + bytes.length > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(pending.length * 2, pendingLength + bytes.length));
        }
        System.arraycopy(bytes, 0, pending, pendingLength, bytes.length);
        pendingLength += bytes.length;
    }

    /**
     * How many leading bytes can be decoded now: all of them, unless they end in the valid beginning of
     * a multi-byte character, which more bytes may complete. Anything that can no longer become valid is
     * released at once (as U+FFFD), so a broken byte does not stall the stream.
     */
    static int completePrefixLength(byte[] b, int length) {
        // A UTF-8 character is at most 4 bytes, so an unfinished one starts within the last 3.
        for (int start = length - 1; start >= Math.max(0, length - 3); start--) {
            int lead = b[start] & 0xFF;
            if (lead < 0x80) {
                return length; // ASCII: nothing unfinished after it
            }
            if (lead >= 0xC0) {
                int need = sequenceLength(lead);
                int have = length - start;
                return need > have && isValidPrefix(b, start, length) ? start : length;
            }
        }
        return length; // only continuation bytes at the end: already malformed, release them
    }

    /** Bytes in the sequence a lead byte starts, or 0 for bytes that never start one (C0, C1, F5..FF). */
    private static int sequenceLength(int lead) {
        if (lead >= 0xC2 && lead <= 0xDF) {
            return 2;
        }
        if (lead >= 0xE0 && lead <= 0xEF) {
            return 3;
        }
        if (lead >= 0xF0 && lead <= 0xF4) {
            return 4;
        }
        return 0;
    }

    /** Whether the bytes after the lead are continuation bytes allowed there (no overlongs, surrogates, or > U+10FFFF). */
    private static boolean isValidPrefix(byte[] b, int start, int end) {
        int lead = b[start] & 0xFF;
        for (int i = start + 1; i < end; i++) {
            int c = b[i] & 0xFF;
            int lo = 0x80;
            int hi = 0xBF;
            if (i == start + 1) {
                switch (lead) {
                    case 0xE0 -> lo = 0xA0;
                    case 0xED -> hi = 0x9F;
                    case 0xF0 -> lo = 0x90;
                    case 0xF4 -> hi = 0x8F;
                    default -> { }
                }
            }
            if (c < lo || c > hi) {
                return false;
            }
        }
        return true;
    }
}
