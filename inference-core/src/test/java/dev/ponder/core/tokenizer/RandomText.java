package dev.ponder.core.tokenizer;

import java.util.Random;

/** Random strings for round-trip tests: a mix of the scripts and classes the tokenizer must handle. */
final class RandomText {
    private static final String[] PIECES = {"a", "Q", "the", " ", "  ", "\t", "\n", "\r\n", "'s", "'LL", "0", "9",
        "42", ".", "!?", "<", "|", ">", "{}", "\u00A0", "\u3000", "é", "e\u0301", "ß", "Ω", "ж", "日本", "中文",
        "한국어", "ا", "ב", "ไทย", "😀", "👨\u200D👩\u200D👧", "👍🏽", "🇫🇷", "\u0308", "ſ", "²", "Ⅻ"};

    private RandomText() {
    }

    /** {@code parts} pieces from a fixed list or, one time in four, a random valid code point. */
    static String unicode(Random random, int parts) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < parts; i++) {
            if (random.nextInt(4) == 0) {
                int cp;
                do {
                    cp = random.nextInt(random.nextBoolean() ? 0x3000 : 0x20000);
                } while (Character.isSurrogate((char) cp) && cp <= 0xFFFF);
                out.appendCodePoint(cp);
            } else {
                out.append(PIECES[random.nextInt(PIECES.length)]);
            }
        }
        return out.toString();
    }

    static String describe(String text) {
        return text.codePoints().mapToObj(cp -> String.format("U+%04X", cp)).toList().toString();
    }
}
