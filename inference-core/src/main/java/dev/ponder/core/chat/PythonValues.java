package dev.ponder.core.chat;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Map;

/**
 * Values written out as Python writes them, so that a template prints what Hugging Face's render prints:
 * {@link #json} is {@code json.dumps(x, ensure_ascii=False, indent=indent)} (the {@code tojson} filter that
 * transformers installs), {@link #str} is {@code str(x)} (what {@code {{ x }}} prints).
 *
 * <p>Strings pass through character by character apart from the escapes Python adds, so the content markers of
 * {@link ContentMarkers} (private-use characters) survive and keep marking message content inside the output.
 */
final class PythonValues {
    private PythonValues() {
    }

    /**
     * {@code json.dumps(value, ensure_ascii=False, indent=indent)}: separators {@code ", "} and {@code ": "} without
     * indent; with an indent, each item on its own line and {@code ","} between items, {@code ": "} after keys.
     *
     * @param indent null for one line, else the spaces per level
     */
    static String json(Object value, Integer indent) {
        StringBuilder out = new StringBuilder();
        writeJson(value, indent, 0, out);
        return out.toString();
    }

    private static void writeJson(Object value, Integer indent, int depth, StringBuilder out) {
        switch (value) {
            case null -> out.append("null");
            case Boolean b -> out.append(b ? "true" : "false");
            case CharSequence s -> jsonString(s.toString(), out);
            case Number n -> out.append(number(n, true));
            case Map<?, ?> map -> {
                if (map.isEmpty()) {
                    out.append("{}");
                    return;
                }
                out.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    separator(first, indent, depth + 1, out);
                    first = false;
                    jsonString(jsonKey(e.getKey()), out);
                    out.append(": ");
                    writeJson(e.getValue(), indent, depth + 1, out);
                }
                closing(indent, depth, out);
                out.append('}');
            }
            case Iterable<?> items -> {
                if (!items.iterator().hasNext()) {
                    out.append("[]");
                    return;
                }
                out.append('[');
                boolean first = true;
                for (Object item : items) {
                    separator(first, indent, depth + 1, out);
                    first = false;
                    writeJson(item, indent, depth + 1, out);
                }
                closing(indent, depth, out);
                out.append(']');
            }
            default -> throw new IllegalArgumentException("Object of type " + value.getClass().getSimpleName()
                    + " is not JSON serializable");
        }
    }

    /** Python turns keys that are not strings into strings (numbers, booleans, None); anything else fails. */
    private static String jsonKey(Object key) {
        return switch (key) {
            case null -> "null";
            case CharSequence s -> s.toString();
            case Boolean b -> b ? "true" : "false";
            case Number n -> number(n, true);
            default -> throw new IllegalArgumentException("keys must be str, int, float, bool or None, not "
                    + key.getClass().getSimpleName());
        };
    }

    private static void separator(boolean first, Integer indent, int depth, StringBuilder out) {
        if (!first) {
            out.append(indent == null ? ", " : ",");
        }
        if (indent != null) {
            out.append('\n').append(" ".repeat(indent * depth));
        }
    }

    private static void closing(Integer indent, int depth, StringBuilder out) {
        if (indent != null) {
            out.append('\n').append(" ".repeat(indent * depth));
        }
    }

    /** json's string escapes with ensure_ascii=False: quote, backslash and control characters only. */
    private static void jsonString(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /** {@code str(value)}: strings as they are, None as "None", booleans as "True"/"False", containers as repr. */
    static String str(Object value) {
        if (value instanceof CharSequence s) {
            return s.toString();
        }
        StringBuilder out = new StringBuilder();
        writeRepr(value, out);
        return out.toString();
    }

    private static void writeRepr(Object value, StringBuilder out) {
        switch (value) {
            case null -> out.append("None");
            case Boolean b -> out.append(b ? "True" : "False");
            case CharSequence s -> reprString(s.toString(), out);
            case Number n -> out.append(number(n, false));
            case Map<?, ?> map -> {
                out.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    out.append(first ? "" : ", ");
                    first = false;
                    writeRepr(e.getKey(), out);
                    out.append(": ");
                    writeRepr(e.getValue(), out);
                }
                out.append('}');
            }
            case Iterable<?> items -> {
                out.append('[');
                boolean first = true;
                for (Object item : items) {
                    out.append(first ? "" : ", ");
                    first = false;
                    writeRepr(item, out);
                }
                out.append(']');
            }
            default -> out.append(value);
        }
    }

    /** repr() of a str: single quotes unless the text has a single quote and no double quote. */
    private static void reprString(String s, StringBuilder out) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        out.append(quote);
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == quote || cp == '\\') {
                out.append('\\').appendCodePoint(cp);
            } else if (cp == '\n') {
                out.append("\\n");
            } else if (cp == '\r') {
                out.append("\\r");
            } else if (cp == '\t') {
                out.append("\\t");
            } else if (printable(cp)) {
                out.appendCodePoint(cp);
            } else if (cp < 0x100) {
                out.append(String.format("\\x%02x", cp));
            } else if (cp < 0x10000) {
                out.append(String.format("\\u%04x", cp));
            } else {
                out.append(String.format("\\U%08x", cp));
            }
        }
        out.append(quote);
    }

    /** str.isprintable() for one code point; this renderer's content markers count as printable (they are not text). */
    private static boolean printable(int cp) {
        if (cp >= 0xE000 && cp <= 0xE002) {
            return true;
        }
        if (cp == ' ') {
            return true;
        }
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE,
                 Character.UNASSIGNED, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
                 Character.SPACE_SEPARATOR -> false;
            default -> true;
        };
    }

    /** An integer in decimal; a float as Python's repr (json.dumps spells infinities and NaN its own way). */
    static String number(Number n, boolean json) {
        return switch (n) {
            case Integer i -> i.toString();
            case Long l -> l.toString();
            case Short s -> s.toString();
            case Byte b -> b.toString();
            case BigInteger big -> big.toString();
            default -> floatRepr(n.doubleValue(), json);
        };
    }

    /**
     * Python's repr of a float: the shortest digits that read back as the same double (Java's Double.toString picks
     * the same digits), written in positional notation when the decimal exponent is in [-4, 16), else as
     * {@code d.ddde+XX}; a whole number keeps ".0".
     */
    static String floatRepr(double d, boolean json) {
        if (Double.isNaN(d)) {
            return json ? "NaN" : "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? (json ? "Infinity" : "inf") : (json ? "-Infinity" : "-inf");
        }
        if (d == 0) {
            return 1 / d < 0 ? "-0.0" : "0.0";
        }
        String sign = d < 0 ? "-" : "";
        BigDecimal exact = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
        String digits = exact.unscaledValue().toString();
        int pointAt = digits.length() - exact.scale(); // value = 0.<digits> x 10^pointAt
        StringBuilder out = new StringBuilder(sign);
        if (pointAt > 16 || pointAt <= -4) {
            out.append(digits.charAt(0));
            if (digits.length() > 1) {
                out.append('.').append(digits, 1, digits.length());
            }
            int exponent = pointAt - 1;
            out.append('e').append(exponent < 0 ? '-' : '+');
            String e = Integer.toString(Math.abs(exponent));
            out.append(e.length() < 2 ? "0" + e : e);
        } else if (pointAt <= 0) {
            out.append("0.").append("0".repeat(-pointAt)).append(digits);
        } else if (pointAt >= digits.length()) {
            out.append(digits).append("0".repeat(pointAt - digits.length())).append(".0");
        } else {
            out.append(digits, 0, pointAt).append('.').append(digits, pointAt, digits.length());
        }
        return out.toString();
    }
}
