package dev.ponder.core.tokenizer;

/**
 * The Qwen2 pre-tokenizer: a hand-written scanner equivalent to the split regex of Qwen2's
 * {@code tokenizer.json} (also llama.cpp's {@code qwen2} pre-tokenizer), matched leftmost-first:
 *
 * <pre>
 * (?i:'s|'t|'re|'ve|'m|'ll|'d)          contractions, either case
 * |[^\r\n\p{L}\p{N}]?\p{L}+             a letter run with at most one leading non-letter (" word", "'n")
 * |\p{N}                                a single digit (numbers are split digit by digit)
 * | ?[^\s\p{L}\p{N}]+[\r\n]*            a punctuation run, optional leading space, trailing newlines
 * |\s*[\r\n]+                           whitespace up to and including its last line break
 * |\s+(?!\S)                            whitespace, leaving the last one to lead the next word
 * |\s+                                  any other whitespace
 * </pre>
 *
 * {@code \s} is the Unicode White_Space property (as in the Oniguruma engine Hugging Face tokenizers
 * use), {@code \p{L}} letters and {@code \p{N}} numbers of any script. A scanner rather than
 * {@link java.util.regex} because the regex, with its alternation, lookahead and backtracking, splits
 * about 6x slower (33 vs 196 MB/s on 586 KB of mixed prose, code and Unicode, JDK 25); the test
 * {@code Qwen2PreTokenizerTest} checks the scanner against the regex on random text.
 */
final class Qwen2PreTokenizer implements PreTokenizer {
    static final Qwen2PreTokenizer INSTANCE = new Qwen2PreTokenizer();

    private static final byte OTHER = 0;
    private static final byte LETTER = 1;
    private static final byte NUMBER = 2;
    private static final byte SPACE = 3;   // White_Space other than CR and LF
    private static final byte NEWLINE = 4; // CR or LF: the [\r\n] of the regex

    private static final byte[] ASCII_CLASS = new byte[128];

    static {
        for (int c = 0; c < 128; c++) {
            ASCII_CLASS[c] = classifySlow(c);
        }
    }

    private Qwen2PreTokenizer() {
    }

    @Override
    public int pieceEnd(String s, int p, int end) {
        int cp = s.codePointAt(p);
        byte cls = classOf(cp);
        int q = p + Character.charCount(cp);

        if (cp == '\'' && q < end) {
            int n = contractionLength(s, q, end);
            if (n > 0) {
                return q + n;
            }
        }
        if (cls == LETTER) {
            return skip(s, q, end, LETTER);
        }
        if (cls != NEWLINE && cls != NUMBER && q < end && classAt(s, q) == LETTER) {
            return skip(s, q, end, LETTER);
        }
        if (cls == NUMBER) {
            return q;
        }
        if (cls == OTHER) {
            return skipNewlines(s, skip(s, q, end, OTHER), end);
        }
        if (cp == ' ' && q < end && classAt(s, q) == OTHER) {
            return skipNewlines(s, skip(s, q, end, OTHER), end);
        }
        return whitespaceEnd(s, p, end);
    }

    /** The three whitespace alternatives, for a run of whitespace starting at {@code p}. */
    private static int whitespaceEnd(String s, int p, int end) {
        int runEnd = p;
        int lastBreak = -1;
        int lastStart = p; // where the run's last code point starts
        while (runEnd < end) {
            int cp = s.codePointAt(runEnd);
            byte cls = classOf(cp);
            if (cls != SPACE && cls != NEWLINE) {
                break;
            }
            if (cls == NEWLINE) {
                lastBreak = runEnd;
            }
            lastStart = runEnd;
            runEnd += Character.charCount(cp);
        }
        if (lastBreak >= 0) {
            return lastBreak + 1; // \s*[\r\n]+ : greedy, so it ends at the run's last CR/LF
        }
        if (runEnd == end || lastStart == p) {
            return runEnd; // \s+(?!\S) at the end of text, or a lone space before a non-space (\s+)
        }
        return lastStart; // \s+(?!\S) backs off one so the last space can start the next piece
    }

    /**
     * Length in chars of a contraction suffix at {@code q} (after the apostrophe), or 0. Case-insensitive
     * as the regex is, which under Unicode case folding also lets the long s (U+017F) match {@code s}.
     */
    private static int contractionLength(String s, int q, int end) {
        char a = Character.toLowerCase(s.charAt(q));
        switch (a) {
            case 's', 't', 'm', 'd', '\u017F':
                return 1;
            case 'r', 'v':
                return q + 1 < end && Character.toLowerCase(s.charAt(q + 1)) == 'e' ? 2 : 0;
            case 'l':
                return q + 1 < end && Character.toLowerCase(s.charAt(q + 1)) == 'l' ? 2 : 0;
            default:
                return 0;
        }
    }

    private static int skip(String s, int i, int end, byte cls) {
        while (i < end) {
            int cp = s.codePointAt(i);
            if (classOf(cp) != cls) {
                break;
            }
            i += Character.charCount(cp);
        }
        return i;
    }

    private static int skipNewlines(String s, int i, int end) {
        while (i < end && (s.charAt(i) == '\r' || s.charAt(i) == '\n')) {
            i++;
        }
        return i;
    }

    private static byte classAt(String s, int i) {
        return classOf(s.codePointAt(i));
    }

    private static byte classOf(int cp) {
        return cp < 128 ? ASCII_CLASS[cp] : classifySlow(cp);
    }

    private static byte classifySlow(int cp) {
        if (cp == '\r' || cp == '\n') {
            return NEWLINE;
        }
        if (isWhiteSpace(cp)) {
            return SPACE;
        }
        if (Character.isLetter(cp)) {
            return LETTER;
        }
        return switch (Character.getType(cp)) {
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> NUMBER;
            default -> OTHER;
        };
    }

    /**
     * The Unicode White_Space property. Not {@link Character#isWhitespace}, which leaves out the
     * no-break spaces (U+00A0, U+2007, U+202F) and counts the separators U+001C..U+001F.
     */
    static boolean isWhiteSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
                || cp == 0x205F || cp == 0x3000;
    }
}
