package dev.ponder.core.tokenizer;

import java.util.Arrays;

/**
 * GPT-2's reversible byte-to-character mapping. Byte-level BPE vocabularies spell every byte as a
 * printable character, so that a token is a plain string: the printable Latin-1 bytes stand for
 * themselves and the rest (controls, space, DEL, NBSP, soft hyphen) are shifted to U+0100 and up, in
 * byte order. A space is therefore spelled {@code Ġ} (U+0120) and a newline {@code Ċ} (U+010A).
 */
final class ByteLevel {
    private static final char[] BYTE_TO_CHAR = new char[256];
    /** Indexed by char; -1 where the char spells no byte. All spelling chars are below U+0144. */
    private static final int[] CHAR_TO_BYTE = new int[0x144];

    static {
        Arrays.fill(CHAR_TO_BYTE, -1);
        int shifted = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + shifted++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    private ByteLevel() {
    }

    static char charOf(int unsignedByte) {
        return BYTE_TO_CHAR[unsignedByte];
    }

    /** The byte a char spells, or -1 if the char is not part of the byte-level alphabet. */
    static int byteOf(char c) {
        return c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
    }

    /** The bytes a byte-level token spells, or null if the token contains a char outside the alphabet. */
    static byte[] decode(String token) {
        byte[] out = new byte[token.length()];
        for (int i = 0; i < out.length; i++) {
            int b = byteOf(token.charAt(i));
            if (b < 0) {
                return null;
            }
            out[i] = (byte) b;
        }
        return out;
    }

    /** Spells bytes as a byte-level string (used to look up merged tokens and in tests). */
    static String encode(byte[] bytes) {
        char[] chars = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            chars[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        }
        return new String(chars);
    }
}
