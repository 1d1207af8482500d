package dev.ponder.core.chat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The JSON text of tool definitions and tool calls, parsed for the chat template: objects become insertion-ordered
 * maps and arrays lists, so that {@code tojson} writes them back in their original key order, as Python's
 * {@code json.loads} then {@code json.dumps} would.
 */
public final class ToolJson {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private ToolJson() {
    }

    /**
     * Parses JSON text that must be an object.
     *
     * @param what names the text in the error message (for example "arguments of tool call 2")
     * @throws IllegalArgumentException saying what is wrong, when the text is not JSON or not an object
     */
    public static Map<String, Object> parseObject(String text, String what) {
        Object value;
        try {
            value = MAPPER.readValue(text, Object.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(what + " is not valid JSON: " + e.getOriginalMessage());
        }
        if (!(value instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException(what + " must be a JSON object, got " + describe(value));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> object = (Map<String, Object>) map;
        return object;
    }

    /** True when {@code text} parses as a JSON object. */
    public static boolean isObject(String text) {
        try {
            parseObject(text, "text");
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static String describe(Object value) {
        return switch (value) {
            case null -> "null";
            case List<?> l -> "an array";
            case String s -> "a string";
            case Number n -> "a number";
            case Boolean b -> "a boolean";
            default -> value.getClass().getSimpleName();
        };
    }

    /**
     * A copy with every string value passed through {@code form} (keys unchanged, since templates look them up by
     * name). Used to mark user-supplied text as message content.
     */
    static Object mapStrings(Object value, Function<String, String> form) {
        return switch (value) {
            case String s -> form.apply(s);
            case Map<?, ?> map -> {
                Map<String, Object> copy = new LinkedHashMap<>();
                map.forEach((k, v) -> copy.put((String) k, mapStrings(v, form)));
                yield copy;
            }
            case List<?> list -> {
                List<Object> copy = new ArrayList<>(list.size());
                list.forEach(v -> copy.add(mapStrings(v, form)));
                yield copy;
            }
            case null, default -> value;
        };
    }

    /** The first key (at any depth) that contains '<' or '>', or null: keys are printed as trusted template text. */
    static String unsafeKey(Object value) {
        if (value instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                String key = (String) e.getKey();
                if (key.indexOf('<') >= 0 || key.indexOf('>') >= 0) {
                    return key;
                }
                String inner = unsafeKey(e.getValue());
                if (inner != null) {
                    return inner;
                }
            }
        } else if (value instanceof List<?> list) {
            for (Object item : list) {
                String inner = unsafeKey(item);
                if (inner != null) {
                    return inner;
                }
            }
        }
        return null;
    }
}
