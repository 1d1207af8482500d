package dev.ponder.core.constrain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ByteDfaTest {
    /** Characters of every UTF-8 length, and ones that \d \w \s and '.' treat differently. */
    private static final String[] ALPHABET = {"a", "b", "c", "0", "7", "_", " ", "\n", "-", "é", "€", "😀", "Z"};
    private static final String[] ATOMS = {"a", "b", "c", "0", "é", "€", "😀", ".", "\\d", "\\w", "\\s", "\\D", "\\W",
        "\\S", "[a-c]", "[^a0]", "[0-9_]", "[é€]", "[^é]", "\\-", "[a\\-c]", "\\u00e9", "\\x41"};

    @Test
    void theBytesToAcceptAreTheShortestCompletion() {
        ByteDfa integer = ByteDfa.fromRegex("-?[0-9]+");
        assertThat(integer.bytesToAccept(integer.start())).isEqualTo(1);
        int minus = integer.next(integer.start(), '-');
        assertThat(integer.bytesToAccept(minus)).isEqualTo(1);
        assertThat(integer.bytesToAccept(integer.next(minus, '4'))).isZero();
        ByteDfa choice = ByteDfa.fromRegex("(abcdef|xy)z{2}");
        assertThat(choice.bytesToAccept(choice.start())).isEqualTo(4);
        assertThat(choice.bytesToAccept(choice.walk(choice.start(), "ab".getBytes(StandardCharsets.UTF_8)))).isEqualTo(6);
        // a multi-byte character counts its bytes
        ByteDfa euro = ByteDfa.fromRegex("€+");
        assertThat(euro.bytesToAccept(euro.start())).isEqualTo(3);
    }

    @Test
    void randomPatternsAgreeWithJavaUtilRegex() {
        Random random = new Random(15);
        int matchedSomething = 0;
        int overLimit = 0;
        for (int trial = 0; trial < 400; trial++) {
            String regex = randomRegex(random, 3);
            ByteDfa dfa;
            try {
                dfa = ByteDfa.fromRegex(regex);
            } catch (ConstraintException e) {
                // Deeply nested ambiguous repetitions of multi-byte classes may pass the state limit.
                assertThat(e).hasMessageContaining("automaton states (the limit)");
                overLimit++;
                continue;
            }
            Pattern java = Pattern.compile(regex, Pattern.UNIX_LINES);
            List<String> texts = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                texts.add(randomText(random, random.nextInt(7)));
            }
            for (int i = 0; i < 20; i++) {
                texts.add(sampleAccepted(dfa, random));
            }
            for (String text : texts) {
                boolean expected = java.matcher(text).matches();
                assertThat(dfa.matches(text)).as("regex %s on %s", regex, text).isEqualTo(expected);
                if (expected) {
                    matchedSomething++;
                }
            }
        }
        assertThat(matchedSomething).isGreaterThan(5000);
        assertThat(overLimit).isLessThan(10);
    }

    @Test
    void negatedClassesAndDotTakeWholeNonAsciiCharacters() {
        ByteDfa notA = ByteDfa.fromRegex("[^a]");
        assertThat(notA.matches("é")).isTrue();
        assertThat(notA.matches("😀")).isTrue();
        assertThat(notA.matches("a")).isFalse();
        assertThat(notA.matches("éé")).isFalse();
        ByteDfa dots = ByteDfa.fromRegex("..");
        assertThat(dots.matches("€😀")).isTrue();
        assertThat(dots.matches("€")).isFalse();
        assertThat(dots.matches("\n\n")).isFalse();
    }

    @Test
    void invalidUtf8IsNeverAccepted() {
        ByteDfa any = ByteDfa.fromRegex(".*");
        assertThat(any.matches(new byte[] {(byte) 0xC3})).as("a truncated character").isFalse();
        assertThat(any.matches(new byte[] {(byte) 0x80})).as("a lone continuation byte").isFalse();
        assertThat(any.matches(new byte[] {(byte) 0xC0, (byte) 0x80})).as("an overlong encoding").isFalse();
        assertThat(any.matches(new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80})).as("a surrogate").isFalse();
        assertThat(any.walk(any.start(), new byte[] {(byte) 0xC3})).as("but a partial character lives on")
                .isNotEqualTo(ByteDfa.DEAD);
    }

    @Test
    void deadMeansNoCompletionCanMatch() {
        ByteDfa dfa = ByteDfa.fromRegex("ab|ac");
        int afterA = dfa.next(dfa.start(), 'a');
        assertThat(afterA).isNotEqualTo(ByteDfa.DEAD);
        assertThat(dfa.next(afterA, 'd')).isEqualTo(ByteDfa.DEAD);
        assertThat(dfa.next(dfa.start(), 'b')).isEqualTo(ByteDfa.DEAD);
        int done = dfa.next(afterA, 'b');
        assertThat(dfa.isAccepting(done)).isTrue();
        assertThat(dfa.canContinue(done)).isFalse();
    }

    @Test
    void anchorsAtTheEndsChangeNothing() {
        assertThat(ByteDfa.fromRegex("^a+$").matches("aaa")).isTrue();
        assertThat(ByteDfa.fromRegex("^a+$").matches("")).isFalse();
    }

    @Test
    void countedRepetition() {
        ByteDfa dfa = ByteDfa.fromRegex("x{2,4}y{3}z{1,}");
        assertThat(dfa.matches("xxyyyz")).isTrue();
        assertThat(dfa.matches("xxxxyyyzzz")).isTrue();
        assertThat(dfa.matches("xyyyz")).isFalse();
        assertThat(dfa.matches("xxxxxyyyz")).isFalse();
        assertThat(dfa.matches("xxyyz")).isFalse();
    }

    @Test
    void unsupportedSyntaxIsNamed() {
        assertRefused("(a)\\1", "backreferences");
        assertRefused("a(?=b)", "lookahead");
        assertRefused("(?<=a)b", "lookbehind");
        assertRefused("\\bword", "word boundaries");
        assertRefused("(?i)abc", "inline flags");
        assertRefused("a++", "possessive");
        assertRefused("\\p{L}", "Unicode property classes");
        assertRefused("[a-z&&[^b]]", "intersection");
        assertRefused("a$b", "anchor '$'");
        assertRefused("a{2000}", "above 1000");
        assertRefused("(ab", "missing ')'");
        assertRefused("ab)", "unbalanced ')'");
        assertRefused("[ab", "missing ']'");
        assertRefused("*a", "nothing to repeat");
        assertRefused("a{3,2}", "maximum below its minimum");
        assertRefused("\\q", "unknown escape");
        assertRefused("a*{2}", "quantifier after a quantifier");
    }

    @Test
    void tooManyStatesNamesTheLimit() {
        // (a|b)*a(a|b){n}: the classic pattern whose smallest DFA has 2^(n+1) states.
        assertThatThrownBy(() -> ByteDfa.fromRegex("[ab]*a[ab]{13}"))
                .isInstanceOf(ConstraintException.class)
                .hasMessageContaining("more than " + ByteDfa.MAX_STATES + " automaton states");
    }

    @Test
    void anEmptyLanguageIsRefused() {
        assertThatThrownBy(() -> ByteDfa.fromRegex("a[^\\x00-\\uFFFF😀-\\x{10FFFF}]"))
                .isInstanceOf(ConstraintException.class);
    }

    private static void assertRefused(String regex, String named) {
        assertThatThrownBy(() -> ByteDfa.fromRegex(regex))
                .as(regex)
                .isInstanceOf(ConstraintException.class)
                .hasMessageContaining(named);
    }

    private static String randomRegex(Random random, int depth) {
        if (depth == 0 || random.nextInt(4) == 0) {
            return ATOMS[random.nextInt(ATOMS.length)];
        }
        String body = switch (random.nextInt(3)) {
            case 0 -> randomRegex(random, depth - 1) + randomRegex(random, depth - 1);
            case 1 -> "(" + randomRegex(random, depth - 1) + "|" + randomRegex(random, depth - 1) + ")";
            default -> "(" + randomRegex(random, depth - 1) + ")";
        };
        return switch (random.nextInt(9)) {
            case 0 -> "(" + body + ")*";
            case 1 -> "(" + body + ")+";
            case 2 -> "(" + body + ")?";
            case 3 -> "(" + body + "){2}";
            case 4 -> "(" + body + "){1,3}";
            case 5 -> "(" + body + "){0,}?";
            default -> body;
        };
    }

    private static String randomText(Random random, int length) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < length; i++) {
            s.append(ALPHABET[random.nextInt(ALPHABET.length)]);
        }
        return s.toString();
    }

    /**
     * A text the automaton accepts (so Java must match it too): a random walk over live bytes, which after
     * 24 bytes takes the shortest way to acceptance.
     */
    private static String sampleAccepted(ByteDfa dfa, Random random) {
        int[] distance = distancesToAcceptance(dfa);
        int state = dfa.start();
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        while (!(dfa.isAccepting(state) && (random.nextInt(3) == 0 || bytes.size() >= 24 || !dfa.canContinue(state)))) {
            List<Integer> choices = new ArrayList<>();
            for (int b = 0; b < 256; b++) {
                int next = dfa.next(state, b);
                if (next != ByteDfa.DEAD && (bytes.size() < 24 || distance[next] < distance[state])) {
                    choices.add(b);
                }
            }
            int b = choices.get(random.nextInt(choices.size()));
            bytes.write(b);
            state = dfa.next(state, b);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    static int[] distancesToAcceptance(ByteDfa dfa) {
        int[] distance = new int[dfa.stateCount()];
        for (int s = 0; s < distance.length; s++) {
            distance[s] = dfa.isAccepting(s) ? 0 : Integer.MAX_VALUE;
        }
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int s = 0; s < distance.length; s++) {
                for (int b = 0; b < 256; b++) {
                    int next = dfa.next(s, b);
                    if (next != ByteDfa.DEAD && distance[next] != Integer.MAX_VALUE && distance[next] + 1 < distance[s]) {
                        distance[s] = distance[next] + 1;
                        changed = true;
                    }
                }
            }
        }
        return distance;
    }
}
