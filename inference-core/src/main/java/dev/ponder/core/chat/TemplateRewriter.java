package dev.ponder.core.chat;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A small source rewrite for two Python-Jinja constructs that Jinjava's parser reads differently. It touches only
 * the inside of {@code {{ }}} and {@code {% %}} tags, outside string literals:
 *
 * <ul>
 *   <li>{@code x[::-1]} (reverse; Jinjava has no slice step) becomes {@code x['<REVERSED_KEY>']}, which
 *       {@link PythonCompatResolver} answers with the reversed list or string. Other steps stay unsupported.
 *   <li>A keyword argument's value gets parentheses: {@code namespace(i=messages|length - 1)} becomes
 *       {@code namespace(i=(messages|length - 1))}, because Jinjava binds {@code i=messages|length} before the
 *       {@code - 1}. Macro and call tags are left alone: their parameter lists are not expressions.
 * </ul>
 */
final class TemplateRewriter {
    static final String REVERSED_KEY = "__ponder_reversed__";

    private TemplateRewriter() {
    }

    static String rewrite(String source) {
        StringBuilder out = new StringBuilder(source.length() + 64);
        int pos = 0;
        while (pos < source.length()) {
            int open = nextTagStart(source, pos);
            if (open < 0) {
                out.append(source, pos, source.length());
                break;
            }
            out.append(source, pos, open);
            String closer = switch (source.charAt(open + 1)) {
                case '{' -> "}}";
                case '%' -> "%}";
                default -> "#}";
            };
            int end = closer.equals("#}") ? commentEnd(source, open) : tagEnd(source, open + 2, closer);
            String tag = source.substring(open, end);
            out.append(closer.equals("#}") || isMacroOrCall(tag) ? tag : rewriteExpression(tag));
            pos = end;
        }
        return out.toString();
    }

    private static int nextTagStart(String source, int from) {
        for (int i = source.indexOf('{', from); i >= 0 && i + 1 < source.length(); i = source.indexOf('{', i + 1)) {
            char next = source.charAt(i + 1);
            if (next == '{' || next == '%' || next == '#') {
                return i;
            }
        }
        return -1;
    }

    private static int commentEnd(String source, int open) {
        int close = source.indexOf("#}", open + 2);
        return close < 0 ? source.length() : close + 2;
    }

    /** The index just past the tag's closer, skipping string literals (templates print "}" inside strings). */
    private static int tagEnd(String source, int from, String closer) {
        int i = from;
        while (i < source.length()) {
            char c = source.charAt(i);
            if (c == '\'' || c == '"') {
                i = stringEnd(source, i);
            } else if (source.startsWith(closer, i)) {
                return i + closer.length();
            } else {
                i++;
            }
        }
        return source.length(); // unterminated: leave it to Jinjava to report
    }

    /** The index just past the string literal starting at {@code quoteAt}. */
    private static int stringEnd(String source, int quoteAt) {
        char quote = source.charAt(quoteAt);
        int i = quoteAt + 1;
        while (i < source.length() && source.charAt(i) != quote) {
            i += source.charAt(i) == '\\' ? 2 : 1;
        }
        return Math.min(i + 1, source.length());
    }

    private static boolean isMacroOrCall(String tag) {
        if (!tag.startsWith("{%")) {
            return false;
        }
        String body = tag.substring(2).stripLeading();
        body = body.startsWith("-") || body.startsWith("+") ? body.substring(1).stripLeading() : body;
        return body.startsWith("macro ") || body.startsWith("call ") || body.startsWith("call(");
    }

    private static String rewriteExpression(String tag) {
        StringBuilder out = new StringBuilder(tag.length() + 16);
        Deque<Character> brackets = new ArrayDeque<>();
        // Bracket depths at which a keyword value was opened with an extra "(" that still needs its ")".
        Deque<Integer> pendingCloses = new ArrayDeque<>();
        char previous = 0; // last significant (non-space) character emitted
        int i = 0;
        while (i < tag.length()) {
            char c = tag.charAt(i);
            if (c == '\'' || c == '"') {
                int end = stringEnd(tag, i);
                out.append(tag, i, end);
                i = end;
                previous = c;
                continue;
            }
            if ((c == ',' || c == ')') && !pendingCloses.isEmpty() && pendingCloses.peek() == brackets.size()) {
                out.append(')');
                pendingCloses.pop();
            }
            if (c == '[') {
                int after = reverseSliceEnd(tag, i);
                if (after > 0) {
                    out.append("['").append(REVERSED_KEY).append("']");
                    i = after;
                    previous = ']';
                    continue;
                }
            }
            if (Character.isJavaIdentifierStart(c) && (previous == '(' || previous == ',') && !brackets.isEmpty()
                    && brackets.peek() == '(') {
                int nameEnd = identifierEnd(tag, i);
                int eq = skipSpaces(tag, nameEnd);
                if (eq < tag.length() && tag.charAt(eq) == '=' && (eq + 1 >= tag.length() || tag.charAt(eq + 1) != '=')) {
                    out.append(tag, i, eq + 1).append('(');
                    pendingCloses.push(brackets.size());
                    i = eq + 1;
                    previous = '(';
                    continue;
                }
            }
            switch (c) {
                case '(', '[', '{' -> brackets.push(c);
                case ')', ']', '}' -> {
                    if (!brackets.isEmpty()) {
                        brackets.pop();
                    }
                }
                default -> {
                }
            }
            out.append(c);
            if (!Character.isWhitespace(c)) {
                previous = c;
            }
            i++;
        }
        return out.toString();
    }

    /** If {@code [::-1]} (spaces allowed) starts at {@code at}, the index past its "]"; otherwise -1. */
    private static int reverseSliceEnd(String tag, int at) {
        StringBuilder compact = new StringBuilder();
        int i = at + 1;
        while (i < tag.length() && tag.charAt(i) != ']' && compact.length() <= 4) {
            if (!Character.isWhitespace(tag.charAt(i))) {
                compact.append(tag.charAt(i));
            }
            i++;
        }
        return i < tag.length() && compact.toString().equals("::-1") ? i + 1 : -1;
    }

    private static int identifierEnd(String tag, int from) {
        int i = from;
        while (i < tag.length() && Character.isJavaIdentifierPart(tag.charAt(i))) {
            i++;
        }
        return i;
    }

    private static int skipSpaces(String tag, int from) {
        int i = from;
        while (i < tag.length() && Character.isWhitespace(tag.charAt(i))) {
            i++;
        }
        return i;
    }
}
