package dev.ponder.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class Qwen2PreTokenizerTest {
    /**
     * Qwen2's split regex in java.util.regex terms: UNICODE_CHARACTER_CLASS makes \s the White_Space
     * property and (?i) Unicode-aware, as in the Oniguruma engine of Hugging Face tokenizers.
     */
    static final Pattern QWEN2_REGEX = Pattern.compile(
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
                    + "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);

    static List<String> split(String text) {
        List<String> pieces = new ArrayList<>();
        for (int start = 0; start < text.length(); ) {
            int end = Qwen2PreTokenizer.INSTANCE.pieceEnd(text, start, text.length());
            assertThat(end).as("progress at %d in %s", start, text).isGreaterThan(start);
            pieces.add(text.substring(start, end));
            start = end;
        }
        return pieces;
    }

    static List<String> regexSplit(String text) {
        List<String> pieces = new ArrayList<>();
        Matcher m = QWEN2_REGEX.matcher(text);
        int last = 0;
        while (m.find()) {
            assertThat(m.start()).as("regex skipped text in %s", text).isEqualTo(last);
            pieces.add(m.group());
            last = m.end();
        }
        return pieces;
    }

    @Test
    void lettersTakeOneLeadingNonLetter() {
        assertThat(split("Hello world")).containsExactly("Hello", " world");
        assertThat(split("rock'n'roll")).containsExactly("rock", "'n", "'roll");
        assertThat(split("$abc")).containsExactly("$abc");
        assertThat(split("\tfoo")).containsExactly("\tfoo");
        assertThat(split("\u3000日本語")).containsExactly("\u3000日本語");
        assertThat(split("\nfoo")).containsExactly("\n", "foo");
    }

    @Test
    void contractionsInEitherCase() {
        assertThat(split("don't")).containsExactly("don", "'t");
        assertThat(split("YOU'RE we'Ve I'M it'LL he'd")).containsExactly(
                "YOU", "'RE", " we", "'Ve", " I", "'M", " it", "'LL", " he", "'d");
        assertThat(split("'sup")).containsExactly("'s", "up");
        assertThat(split("'x")).containsExactly("'x");
        assertThat(split("'lx")).containsExactly("'lx");
    }

    @Test
    void digitsOneByOne() {
        assertThat(split("12345")).containsExactly("1", "2", "3", "4", "5");
        assertThat(split("x²Ⅻ٣")).containsExactly("x", "²", "Ⅻ", "٣");
        assertThat(split(" 42")).containsExactly(" ", "4", "2");
    }

    @Test
    void punctuationRunsKeepOneSpaceAndTrailingNewlines() {
        assertThat(split("a, b")).containsExactly("a", ",", " b");
        assertThat(split("x !?!\n\ny")).containsExactly("x", " !?!\n\n", "y");
        assertThat(split("  ...")).containsExactly(" ", " ...");
        assertThat(split("😀😀 ok")).containsExactly("😀😀", " ok");
    }

    @Test
    void whitespaceRules() {
        assertThat(split("hello \n world")).containsExactly("hello", " \n", " world");
        assertThat(split("a  b")).containsExactly("a", " ", " b");
        assertThat(split("a   ")).containsExactly("a", "   ");
        assertThat(split("a\r\n\r\n b")).containsExactly("a", "\r\n\r\n", " b");
        assertThat(split(" \n \n  x")).containsExactly(" \n \n", " ", " x");
        assertThat(split("\t\t1")).containsExactly("\t", "\t", "1");
        assertThat(split("a\u00A0\u00A0b")).containsExactly("a", "\u00A0", "\u00A0b");
    }

    @Test
    void agreesWithTheRegexOnRandomText() {
        String[] alphabet = {"a", "Z", "s", "t", "r", "e", "v", "l", "m", "d", "S", "T", "R", "E", "L", "D", "'", "ſ",
            "0", "7", "²", "Ⅻ", "٣", " ", " ", "  ", "\t", "\r", "\n", "\r\n", "\u00A0", "\u3000", "\u2028", "\u0085",
            "\u200B", "\uFEFF", ".", ",", "!", "$", "-", "_", "<", "|", ">", "日", "本", "ü", "\u0301", "😀", "👍🏽",
            "\u200D", "é", "ß", "Ω", "ا", "ב", "\u0000", "\u001F", "K"};
        Random random = new Random(20260607);
        for (int round = 0; round < 20_000; round++) {
            StringBuilder text = new StringBuilder();
            int length = random.nextInt(14);
            for (int i = 0; i < length; i++) {
                text.append(alphabet[random.nextInt(alphabet.length)]);
            }
            String s = text.toString();
            assertThat(split(s)).as("split of %s", s.codePoints().mapToObj(Integer::toHexString).toList())
                    .isEqualTo(regexSplit(s));
        }
    }
}
