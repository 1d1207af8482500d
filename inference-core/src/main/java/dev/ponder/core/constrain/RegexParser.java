package dev.ponder.core.constrain;

import java.util.ArrayList;
import java.util.List;

/**
 * Parses the regular-expression subset that answers need, with java.util.regex's meaning: literals
 * (any Unicode text), escapes ({@code \d \D \w \W \s \S}, escaped punctuation, {@code \n \t \r \f \xHH
 * \\uHHHH}), character classes with ranges and negation, {@code .} (any character but a newline), groups
 * ({@code (...)}, {@code (?:...)}, {@code (?<name>...)}), alternation and the quantifiers {@code * + ?
 * {m} {m,} {m,n}} (a lazy {@code ?} suffix is accepted: it changes what a search finds, not which texts
 * match as a whole). The whole text must match: a leading {@code ^} and a trailing {@code $} are
 * accepted and change nothing. Anything else (backreferences, lookaround, word boundaries, inline
 * flags, possessive quantifiers, Unicode property classes, class intersection) is refused with a
 * {@link ConstraintException} that names it.
 */
final class RegexParser {
    /** The largest count a quantifier may give; each repetition is a copy in the automaton. */
    static final int MAX_REPEAT = 1000;

    private static final CodePointSet DIGITS = CodePointSet.of('0', '9');
    private static final CodePointSet WORD = DIGITS.withRange('a', 'z').withRange('A', 'Z').withRange('_', '_');
    private static final CodePointSet SPACE = CodePointSet.ofChars(" \t\n\u000B\f\r");
    private static final CodePointSet ANY_BUT_NEWLINE = CodePointSet.single('\n').complement();

    private final String pattern;
    private int pos;

    private RegexParser(String pattern) {
        this.pattern = pattern;
    }

    static RegexNode parse(String pattern) {
        RegexParser parser = new RegexParser(pattern);
        if (parser.peekIs('^')) {
            parser.pos++;
        }
        RegexNode node = parser.alternation();
        if (parser.pos < pattern.length()) {
            throw parser.error(parser.peek() == ')' ? "unbalanced ')'" : "unexpected '" + (char) parser.peek() + "'");
        }
        return node;
    }

    private RegexNode alternation() {
        List<RegexNode> options = new ArrayList<>();
        options.add(concatenation());
        while (peekIs('|')) {
            pos++;
            options.add(concatenation());
        }
        return options.size() == 1 ? options.getFirst() : new RegexNode.Alternation(options);
    }

    private RegexNode concatenation() {
        List<RegexNode> parts = new ArrayList<>();
        while (pos < pattern.length() && !peekIs('|') && !peekIs(')')) {
            if (peekIs('$')) {
                pos++;
                if (pos == pattern.length()) {
                    break;
                }
                throw error("the anchor '$' is only supported at the end of the pattern");
            }
            parts.add(quantified(atom()));
        }
        return parts.isEmpty() ? new RegexNode.Empty() : parts.size() == 1 ? parts.getFirst() : new RegexNode.Concat(parts);
    }

    private RegexNode quantified(RegexNode atom) {
        RegexNode node = atom;
        if (pos < pattern.length()) {
            int c = peek();
            int min;
            int max;
            if (c == '*') {
                pos++;
                min = 0;
                max = RegexNode.UNBOUNDED;
            } else if (c == '+') {
                pos++;
                min = 1;
                max = RegexNode.UNBOUNDED;
            } else if (c == '?') {
                pos++;
                min = 0;
                max = 1;
            } else if (c == '{') {
                int[] bounds = braces();
                min = bounds[0];
                max = bounds[1];
            } else {
                return node;
            }
            if (peekIs('?')) {
                pos++; // lazy: same set of whole matches
            } else if (peekIs('+')) {
                throw error("possessive quantifiers are not supported");
            }
            node = new RegexNode.Repeat(node, min, max);
            if (pos < pattern.length() && "*+?{".indexOf(peek()) >= 0) {
                throw error("a quantifier after a quantifier needs a group, as in (a*){2}");
            }
        }
        return node;
    }

    /** {m}, {m,} or {m,n}; pos is at '{'. */
    private int[] braces() {
        int start = pos;
        pos++;
        int min = number();
        int max = min;
        if (peekIs(',')) {
            pos++;
            max = peekIs('}') ? RegexNode.UNBOUNDED : number();
        }
        if (!peekIs('}')) {
            pos = start;
            throw error("malformed quantifier");
        }
        pos++;
        if (max != RegexNode.UNBOUNDED && max < min) {
            throw error("quantifier {" + min + "," + max + "} has its maximum below its minimum");
        }
        return new int[] {min, max};
    }

    private int number() {
        int start = pos;
        while (pos < pattern.length() && Character.isDigit(peek()) && peek() < 128) {
            pos++;
        }
        if (start == pos) {
            throw error("malformed quantifier");
        }
        if (pos - start > 4 || Integer.parseInt(pattern.substring(start, pos)) > MAX_REPEAT) {
            throw error("quantifier counts above " + MAX_REPEAT + " are not supported");
        }
        return Integer.parseInt(pattern.substring(start, pos));
    }

    private RegexNode atom() {
        int c = next();
        return switch (c) {
            case '(' -> group();
            case '[' -> new RegexNode.Chars(characterClass());
            case '.' -> new RegexNode.Chars(ANY_BUT_NEWLINE);
            case '\\' -> escape(false);
            case '*', '+', '?' -> throw error("quantifier '" + (char) c + "' has nothing to repeat");
            case '{' -> throw error("quantifier '{' has nothing to repeat");
            case '^' -> throw error("the anchor '^' is only supported at the start of the pattern");
            default -> new RegexNode.Chars(CodePointSet.single(c));
        };
    }

    private RegexNode group() {
        if (peekIs('?')) {
            pos++;
            int kind = pos < pattern.length() ? next() : -1;
            if (kind == '<' && pos < pattern.length() && (peek() == '=' || peek() == '!')) {
                throw error("lookbehind is not supported");
            } else if (kind == '<') {
                while (pos < pattern.length() && peek() != '>') {
                    pos++;
                }
                expect('>', "unterminated group name");
            } else if (kind == '=' || kind == '!') {
                throw error("lookahead is not supported");
            } else if (kind != ':') {
                throw error("inline flags and special groups '(?" + (kind < 0 ? "" : Character.toString(kind)) + "' are not supported");
            }
        }
        RegexNode inner = alternation();
        expect(')', "missing ')'");
        return inner;
    }

    private CodePointSet characterClass() {
        boolean negated = peekIs('^');
        if (negated) {
            pos++;
        }
        CodePointSet set = CodePointSet.EMPTY;
        boolean first = true;
        while (true) {
            if (pos >= pattern.length()) {
                throw error("missing ']'");
            }
            int c = peek();
            if (c == ']' && !first) {
                pos++;
                break;
            }
            if (c == '[') {
                throw error("nested character classes are not supported");
            }
            if (c == '&' && pattern.startsWith("&&", pos)) {
                throw error("character class intersection '&&' is not supported");
            }
            first = false;
            CodePointSet item = classItem();
            if (peekIs('-') && pos + 1 < pattern.length() && pattern.charAt(pos + 1) != ']') {
                pos++;
                CodePointSet upper = classItem();
                if (!isSingle(item) || !isSingle(upper)) {
                    throw error("a class range needs a single character on each side");
                }
                if (item.lo(0) > upper.lo(0)) {
                    throw error("class range is reversed");
                }
                item = CodePointSet.of(item.lo(0), upper.lo(0));
            }
            set = set.union(item);
        }
        return negated ? set.complement() : set;
    }

    private CodePointSet classItem() {
        int c = next();
        if (c != '\\') {
            return CodePointSet.single(c);
        }
        return ((RegexNode.Chars) escape(true)).set();
    }

    private static boolean isSingle(CodePointSet set) {
        return set.rangeCount() == 1 && set.lo(0) == set.hi(0);
    }

    /** After a backslash. */
    private RegexNode escape(boolean inClass) {
        if (pos >= pattern.length()) {
            throw error("trailing backslash");
        }
        int c = next();
        CodePointSet set = switch (c) {
            case 'd' -> DIGITS;
            case 'D' -> DIGITS.complement();
            case 'w' -> WORD;
            case 'W' -> WORD.complement();
            case 's' -> SPACE;
            case 'S' -> SPACE.complement();
            case 'n' -> CodePointSet.single('\n');
            case 't' -> CodePointSet.single('\t');
            case 'r' -> CodePointSet.single('\r');
            case 'f' -> CodePointSet.single('\f');
            case 'x' -> CodePointSet.single(hex(2));
            case 'u' -> CodePointSet.single(hex(4));
            case 'b' -> throw error(inClass ? "'\\b' inside a class is not supported" : "word boundaries '\\b' are not supported");
            case 'B' -> throw error("word boundaries '\\B' are not supported");
            case 'p', 'P' -> throw error("Unicode property classes '\\" + (char) c + "' are not supported");
            case 'A', 'z', 'Z', 'G' -> throw error("the anchor '\\" + (char) c + "' is not supported");
            case 'Q' -> throw error("quoting '\\Q...\\E' is not supported");
            case 'k' -> throw error("backreferences are not supported");
            default -> {
                if (c >= '1' && c <= '9') {
                    throw error("backreferences are not supported");
                }
                if (Character.isLetterOrDigit(c)) {
                    throw error("unknown escape '\\" + Character.toString(c) + "'");
                }
                yield CodePointSet.single(c); // escaped punctuation stands for itself
            }
        };
        return new RegexNode.Chars(set);
    }

    private int hex(int digits) {
        if (pos + digits > pattern.length()) {
            throw error("truncated hex escape");
        }
        String text = pattern.substring(pos, pos + digits);
        if (!text.chars().allMatch(ch -> Character.digit(ch, 16) >= 0)) {
            throw error("bad hex escape '" + text + "'");
        }
        pos += digits;
        int value = Integer.parseInt(text, 16);
        if (value >= 0xD800 && value <= 0xDFFF) {
            throw error("surrogate escapes are not supported");
        }
        return value;
    }

    private int peek() {
        return pattern.codePointAt(pos);
    }

    private boolean peekIs(int c) {
        return pos < pattern.length() && peek() == c;
    }

    private int next() {
        int c = peek();
        pos += Character.charCount(c);
        return c;
    }

    private void expect(int c, String message) {
        if (!peekIs(c)) {
            throw error(message);
        }
        pos++;
    }

    private ConstraintException error(String message) {
        return new ConstraintException("regex " + quoted(pattern) + " at offset " + pos + ": " + message);
    }

    private static String quoted(String s) {
        return "'" + (s.length() > 80 ? s.substring(0, 80) + "..." : s) + "'";
    }
}
