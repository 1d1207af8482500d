package dev.ponder.core.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * The Python {@code str} methods that Hugging Face chat templates call ({@code content.split('</think>')[-1]
 * .lstrip('\n')}, {@code content.startswith('<tool_response>')}, ...), with Python's semantics rather than Java's
 * (Java's {@code split} takes a regex and drops trailing empty parts; {@code strip} takes no characters).
 *
 * <p>Each method works on {@link MarkedText}, so the characters it returns keep their origin. Arguments are plain
 * text: a separator or prefix only selects where to cut, it contributes no characters, except the replacement of
 * {@code replace} and the separator of {@code join}, which keep their own origin.
 */
final class PythonStringMethods {
    static final Set<String> NAMES = Set.of("split", "rsplit", "strip", "lstrip", "rstrip", "startswith", "endswith",
            "upper", "lower", "replace", "find", "count", "join");

    private PythonStringMethods() {
    }

    /** The arguments of one call; string arguments are decoded with the markers of the template being rendered. */
    record Args(Object[] values, Function<String, MarkedText> decoder) {
        int size() {
            return values.length;
        }

        Object raw(int index) {
            return values[index];
        }

        /** The argument as marked text; {@code null} for Python's None. Non-strings (numbers) count as trusted. */
        MarkedText marked(int index) {
            return toMarked(values[index]);
        }

        /** The items of a list argument, each as marked text. */
        List<MarkedText> items(int index) {
            if (!(values[index] instanceof Iterable<?> iterable)) {
                throw new IllegalArgumentException("expected a list argument, got " + values[index]);
            }
            List<MarkedText> items = new ArrayList<>();
            iterable.forEach(item -> items.add(toMarked(item)));
            return items;
        }

        String text(int index) {
            MarkedText marked = marked(index);
            return marked == null ? null : marked.text();
        }

        int integer(int index, int absent) {
            if (index >= values.length || values[index] == null) {
                return absent;
            }
            if (!(values[index] instanceof Number number)) {
                throw new IllegalArgumentException("expected an integer argument, got " + values[index]);
            }
            return number.intValue();
        }

        private MarkedText toMarked(Object value) {
            if (value == null) {
                return null;
            }
            return value instanceof CharSequence chars ? decoder.apply(chars.toString())
                    : MarkedText.trusted(String.valueOf(value));
        }
    }

    /** Returns MarkedText, a list of MarkedText, a Boolean or a Long. */
    static Object call(String name, MarkedText self, Args args) {
        return switch (name) {
            case "split" -> split(self, optionalText(args, 0), args.integer(1, -1));
            case "rsplit" -> rsplit(self, optionalText(args, 0), args.integer(1, -1));
            case "strip" -> strip(self, optionalText(args, 0), true, true);
            case "lstrip" -> strip(self, optionalText(args, 0), true, false);
            case "rstrip" -> strip(self, optionalText(args, 0), false, true);
            case "startswith" -> affixMatch(self, args, true);
            case "endswith" -> affixMatch(self, args, false);
            case "upper" -> mapCodePoints(self, cp -> new String(Character.toChars(cp)).toUpperCase(Locale.ROOT));
            case "lower" -> mapCodePoints(self, cp -> new String(Character.toChars(cp)).toLowerCase(Locale.ROOT));
            case "replace" -> replace(self, requiredText(args, 0, name), args.marked(1), args.integer(2, -1));
            case "find" -> (long) self.text().indexOf(requiredText(args, 0, name));
            case "count" -> (long) count(self.text(), requiredText(args, 0, name));
            case "join" -> join(self, args);
            default -> throw new IllegalArgumentException("str." + name + " is not supported");
        };
    }

    static List<MarkedText> split(MarkedText self, String separator, int maxSplit) {
        if (separator == null) {
            return splitWhitespace(self, maxSplit, false);
        }
        requireSeparator(separator);
        String text = self.text();
        List<MarkedText> parts = new ArrayList<>();
        int start = 0;
        while (maxSplit < 0 || parts.size() < maxSplit) {
            int at = text.indexOf(separator, start);
            if (at < 0) {
                break;
            }
            parts.add(self.slice(start, at));
            start = at + separator.length();
        }
        parts.add(self.slice(start, text.length()));
        return parts;
    }

    static List<MarkedText> rsplit(MarkedText self, String separator, int maxSplit) {
        if (separator == null) {
            return splitWhitespace(self, maxSplit, true);
        }
        requireSeparator(separator);
        String text = self.text();
        List<MarkedText> parts = new ArrayList<>();
        int end = text.length();
        while (maxSplit < 0 || parts.size() < maxSplit) {
            int at = end - separator.length() < 0 ? -1 : text.lastIndexOf(separator, end - separator.length());
            if (at < 0) {
                break;
            }
            parts.add(0, self.slice(at + separator.length(), end));
            end = at;
        }
        parts.add(0, self.slice(0, end));
        return parts;
    }

    /** Python's split()/rsplit() without a separator: runs of whitespace separate, empty words never appear. */
    private static List<MarkedText> splitWhitespace(MarkedText self, int maxSplit, boolean fromRight) {
        String text = self.text();
        List<int[]> words = new ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            while (i < text.length() && isPythonSpace(text.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < text.length() && !isPythonSpace(text.charAt(i))) {
                i++;
            }
            if (i > start) {
                words.add(new int[] {start, i});
            }
        }
        if (maxSplit < 0 || words.size() <= maxSplit + 1) {
            return words.stream().map(w -> self.slice(w[0], w[1])).toList();
        }
        List<MarkedText> parts = new ArrayList<>();
        if (fromRight) {
            // The unsplit remainder keeps its leading whitespace, as in Python.
            int keep = words.size() - maxSplit;
            parts.add(self.slice(0, words.get(keep - 1)[1]));
            words.subList(keep, words.size()).forEach(w -> parts.add(self.slice(w[0], w[1])));
        } else {
            // The unsplit remainder keeps its trailing whitespace, as in Python.
            words.subList(0, maxSplit).forEach(w -> parts.add(self.slice(w[0], w[1])));
            parts.add(self.slice(words.get(maxSplit)[0], text.length()));
        }
        return parts;
    }

    static MarkedText strip(MarkedText self, String chars, boolean left, boolean right) {
        String text = self.text();
        int start = 0;
        int end = text.length();
        while (left && start < end && strippable(text.charAt(start), chars)) {
            start++;
        }
        while (right && end > start && strippable(text.charAt(end - 1), chars)) {
            end--;
        }
        return self.slice(start, end);
    }

    private static boolean strippable(char c, String chars) {
        return chars == null ? isPythonSpace(c) : chars.indexOf(c) >= 0;
    }

    /** str.isspace() for one UTF-16 unit: Java's whitespace plus the no-break spaces and NEL that Python includes. */
    static boolean isPythonSpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u0085';
    }

    /** startswith/endswith with one affix or a tuple (list) of affixes. */
    private static boolean affixMatch(MarkedText self, Args args, boolean prefix) {
        if (args.size() != 1) {
            throw new IllegalArgumentException((prefix ? "str.startswith" : "str.endswith")
                    + " is supported with one argument (an affix or a tuple of affixes), got " + args.size());
        }
        List<MarkedText> affixes = args.raw(0) instanceof Iterable<?> ? args.items(0)
                : List.of(MarkedText.trusted(requiredText(args, 0, prefix ? "startswith" : "endswith")));
        String text = self.text();
        return affixes.stream().map(MarkedText::text).anyMatch(a -> prefix ? text.startsWith(a) : text.endsWith(a));
    }

    private static MarkedText mapCodePoints(MarkedText self, IntFunction<String> mapping) {
        String text = self.text();
        MarkedText.Builder out = new MarkedText.Builder();
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            String mapped = mapping.apply(cp);
            if (self.isContent(i)) {
                out.appendContent(mapped);
            } else {
                out.appendTrusted(mapped);
            }
            i += Character.charCount(cp);
        }
        return out.build();
    }

    static MarkedText replace(MarkedText self, String old, MarkedText replacement, int maxCount) {
        if (replacement == null) {
            throw new IllegalArgumentException("str.replace needs a replacement string");
        }
        String text = self.text();
        MarkedText.Builder out = new MarkedText.Builder();
        int done = 0;
        if (old.isEmpty()) {
            // Python inserts the replacement before every character and at the end.
            for (int i = 0; i <= text.length(); i++) {
                if (maxCount < 0 || done < maxCount) {
                    out.append(replacement);
                    done++;
                }
                if (i < text.length()) {
                    out.append(self, i, i + 1);
                }
            }
            return out.build();
        }
        int start = 0;
        while (maxCount < 0 || done < maxCount) {
            int at = text.indexOf(old, start);
            if (at < 0) {
                break;
            }
            out.append(self, start, at).append(replacement);
            start = at + old.length();
            done++;
        }
        return out.append(self, start, text.length()).build();
    }

    private static int count(String text, String sub) {
        if (sub.isEmpty()) {
            return text.length() + 1;
        }
        int n = 0;
        for (int at = text.indexOf(sub); at >= 0; at = text.indexOf(sub, at + sub.length())) {
            n++;
        }
        return n;
    }

    private static MarkedText join(MarkedText separator, Args args) {
        if (args.size() != 1) {
            throw new IllegalArgumentException("str.join needs one list argument");
        }
        List<MarkedText> items = args.items(0);
        MarkedText.Builder out = new MarkedText.Builder();
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) {
                out.append(separator);
            }
            out.append(items.get(i));
        }
        return out.build();
    }

    private static String optionalText(Args args, int index) {
        return index < args.size() ? args.text(index) : null;
    }

    private static String requiredText(Args args, int index, String method) {
        String text = optionalText(args, index);
        if (text == null) {
            throw new IllegalArgumentException("str." + method + " needs a string argument");
        }
        return text;
    }

    private static void requireSeparator(String separator) {
        if (separator.isEmpty()) {
            throw new IllegalArgumentException("empty separator");
        }
    }
}
