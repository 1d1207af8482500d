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
 *   <li>{@code not x is defined} becomes {@code not (x is defined)}: Python Jinja applies a test to the operand
 *       just before {@code is} and {@code not} to the result, while Jinjava reads {@code (not x) is defined}, which is
 *       always true. DeepSeek-R1-Distill's template starts with {@code {% if not add_generation_prompt is defined %}}.
 *   <li>Every printed expression {@code {{ e }}} becomes {@code {{ ponder_py_str(e) }}}, which prints the value as
 *       Python's {@code str()} does ({@code True}, {@code None}, {@code [1, 'a']}); {@code {{ none }}} becomes
 *       {@code {{ 'None' }}} (see {@link PythonFilters.Str} for why a None variable prints nothing).
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
            if (isBlockTag(tag, "raw")) {
                // {% raw %} ... {% endraw %} is text: copied as it is, tags included.
                int endRaw = rawEnd(source, end);
                out.append(source, open, endRaw);
                pos = endRaw;
                continue;
            }
            if (closer.equals("#}") || isMacroOrCall(tag)) {
                out.append(tag);
            } else {
                String rewritten = rewriteExpression(rewriteNotIs(tag));
                out.append(closer.equals("}}") ? printAsPython(rewritten) : rewritten);
            }
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

    /** True for {@code {% name %}} (whitespace control allowed). */
    private static boolean isBlockTag(String tag, String name) {
        if (!tag.startsWith("{%") || !tag.endsWith("%}")) {
            return false;
        }
        String body = tag.substring(2, tag.length() - 2).strip();
        body = body.startsWith("-") || body.startsWith("+") ? body.substring(1) : body;
        body = body.endsWith("-") || body.endsWith("+") ? body.substring(0, body.length() - 1) : body;
        return body.strip().equals(name);
    }

    /** The index just past the {@code {% endraw %}} that closes a raw block whose opening tag ends at {@code from}. */
    private static int rawEnd(String source, int from) {
        int i = source.indexOf("{%", from);
        while (i >= 0) {
            int close = source.indexOf("%}", i + 2);
            if (close < 0) {
                break;
            }
            if (isBlockTag(source.substring(i, close + 2), "endraw")) {
                return close + 2;
            }
            i = source.indexOf("{%", i + 2);
        }
        return source.length(); // unterminated: left to Jinjava to report
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

    /** {@code {{- e -}}} becomes {@code {{- ponder_py_str(e) -}}}, keeping the whitespace control marks. */
    static String printAsPython(String tag) {
        if (!tag.endsWith("}}") || tag.length() < 4) {
            return tag; // unterminated: left to Jinjava to report
        }
        int bodyStart = 2;
        if (bodyStart < tag.length() - 2 && (tag.charAt(bodyStart) == '-' || tag.charAt(bodyStart) == '+')) {
            bodyStart++;
        }
        int bodyEnd = tag.length() - 2;
        if (bodyEnd > bodyStart && tag.charAt(bodyEnd - 1) == '-') {
            bodyEnd--;
        }
        String body = tag.substring(bodyStart, bodyEnd);
        if (body.isBlank()) {
            return tag;
        }
        String printed = switch (body.strip()) {
            case "none", "None" -> "'None'";
            // A function call rather than "(e)|filter": Jinjava reads "({...})" as a tuple holding the dict.
            default -> PythonFilters.STR_FUNCTION + "(" + body + ")";
        };
        return tag.substring(0, bodyStart) + " " + printed + " " + tag.substring(bodyEnd);
    }

    /** Tests that take an argument without parentheses ({@code x is divisibleby 3}). */
    private static final java.util.Set<String> TESTS_WITH_ARGUMENT = java.util.Set.of("divisibleby", "sameas",
            "equalto", "eq", "ne", "lt", "le", "gt", "ge", "greaterthan", "lessthan", "in");
    private static final java.util.Set<String> KEYWORDS = java.util.Set.of("and", "or", "not", "if", "else", "is",
            "in");

    /** Rewrites each {@code not OPERAND is [not] TEST [ARG]} of a tag to {@code not (OPERAND is [not] TEST [ARG])}. */
    static String rewriteNotIs(String tag) {
        StringBuilder out = new StringBuilder(tag.length() + 8);
        int i = 0;
        while (i < tag.length()) {
            char c = tag.charAt(i);
            if (c == '\'' || c == '"') {
                int end = stringEnd(tag, i);
                out.append(tag, i, end);
                i = end;
                continue;
            }
            if (isKeywordAt(tag, i, "not") && !followsIs(tag, i)) {
                int operandStart = skipSpaces(tag, i + 3);
                int operandEnd = operandEnd(tag, operandStart);
                int isAt = operandEnd < 0 ? -1 : skipSpaces(tag, operandEnd);
                if (isAt > operandStart && isKeywordAt(tag, isAt, "is")) {
                    int testEnd = testEnd(tag, skipSpaces(tag, isAt + 2));
                    if (testEnd > 0) {
                        // The operand may itself hold a "not x is y": rewrite inside it too. Jinjava cannot parse a
                        // test right after a filter (x|length is odd), so a filtered operand gets its own parentheses.
                        String operand = rewriteNotIs(tag.substring(operandStart, operandEnd));
                        boolean filtered = hasTopLevelFilter(tag, operandStart, operandEnd);
                        out.append("not (").append(filtered ? "(" + operand + ")" : operand)
                                .append(tag, operandEnd, testEnd).append(')');
                        i = testEnd;
                        continue;
                    }
                }
            }
            if (Character.isJavaIdentifierPart(c)) {
                int end = identifierEnd(tag, i);
                out.append(tag, i, end);
                i = end;
                continue;
            }
            out.append(c);
            i++;
        }
        return out.toString();
    }

    private static boolean isKeywordAt(String tag, int at, String word) {
        if (!tag.startsWith(word, at)) {
            return false;
        }
        boolean startOk = at == 0 || !(Character.isJavaIdentifierPart(tag.charAt(at - 1)) || tag.charAt(at - 1) == '.');
        int after = at + word.length();
        boolean endOk = after >= tag.length() || !Character.isJavaIdentifierPart(tag.charAt(after));
        return startOk && endOk;
    }

    /** True for the "not" of "is not". */
    private static boolean followsIs(String tag, int notAt) {
        int j = notAt - 1;
        while (j >= 0 && Character.isWhitespace(tag.charAt(j))) {
            j--;
        }
        return j >= 1 && isKeywordAt(tag, j - 1, "is");
    }

    /**
     * The end of the operand a test applies to in Python Jinja: a primary (name, literal, bracketed expression)
     * with its attribute, item and call suffixes and its filters; -1 when none starts here.
     */
    private static int operandEnd(String tag, int from) {
        if (from >= tag.length()) {
            return -1;
        }
        char c = tag.charAt(from);
        int i;
        if (c == '\'' || c == '"') {
            i = stringEnd(tag, from);
        } else if (c == '(' || c == '[' || c == '{') {
            i = bracketEnd(tag, from);
        } else if (Character.isJavaIdentifierPart(c)) {
            i = identifierEnd(tag, from);
            if (KEYWORDS.contains(tag.substring(from, i))) {
                return -1;
            }
        } else {
            return -1;
        }
        while (i > 0 && i < tag.length()) {
            int next = skipSpaces(tag, i);
            if (next >= tag.length()) {
                break;
            }
            char s = tag.charAt(next);
            if (s == '.' && next + 1 < tag.length() && Character.isJavaIdentifierStart(tag.charAt(next + 1))) {
                i = identifierEnd(tag, next + 1);
            } else if (s == '[' || s == '(') {
                i = bracketEnd(tag, next);
            } else if (s == '|' && next + 1 < tag.length() && tag.charAt(next + 1) != '|') {
                int name = skipSpaces(tag, next + 1);
                if (name >= tag.length() || !Character.isJavaIdentifierStart(tag.charAt(name))) {
                    return -1;
                }
                i = identifierEnd(tag, name);
                int paren = skipSpaces(tag, i);
                if (paren < tag.length() && tag.charAt(paren) == '(') {
                    i = bracketEnd(tag, paren);
                }
            } else {
                break;
            }
        }
        return i;
    }

    /** After "is": optional "not", the test's name, and its argument; returns the end, or -1 when malformed. */
    private static int testEnd(String tag, int from) {
        int i = from;
        if (isKeywordAt(tag, i, "not")) {
            i = skipSpaces(tag, i + 3);
        }
        if (i >= tag.length() || !Character.isJavaIdentifierStart(tag.charAt(i))) {
            return -1;
        }
        int nameEnd = identifierEnd(tag, i);
        String test = tag.substring(i, nameEnd);
        int next = skipSpaces(tag, nameEnd);
        if (next < tag.length() && tag.charAt(next) == '(') {
            return bracketEnd(tag, next);
        }
        if (TESTS_WITH_ARGUMENT.contains(test)) {
            int argEnd = operandEnd(tag, next);
            return argEnd < 0 ? nameEnd : argEnd;
        }
        return nameEnd;
    }

    /** The index past the bracket that closes the one at {@code open}, skipping strings; -1 when unclosed. */
    private static int bracketEnd(String tag, int open) {
        int depth = 0;
        int i = open;
        while (i < tag.length()) {
            char c = tag.charAt(i);
            if (c == '\'' || c == '"') {
                i = stringEnd(tag, i);
                continue;
            }
            if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
                if (depth == 0) {
                    return i + 1;
                }
            }
            i++;
        }
        return -1;
    }

    /** True when the operand in [from, to) applies a filter outside any brackets or strings. */
    private static boolean hasTopLevelFilter(String tag, int from, int to) {
        int depth = 0;
        int i = from;
        while (i < to) {
            char c = tag.charAt(i);
            if (c == '\'' || c == '"') {
                i = stringEnd(tag, i);
                continue;
            }
            if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
            } else if (c == '|' && depth == 0) {
                return true;
            }
            i++;
        }
        return false;
    }
}
