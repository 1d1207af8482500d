package dev.ponder.core.chat;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Finds the function calls in a model's answer, in the format Qwen2.5, QwQ and Qwen3 are trained to emit (and their
 * templates describe): each call a JSON object {@code {"name": ..., "arguments": {...}}} between {@code <tool_call>}
 * and {@code </tool_call>}. The text outside the blocks is the answer's text.
 *
 * <p>Nothing is dropped: a block whose JSON does not parse, that lacks a name, or that names a function the request
 * did not offer is returned with an {@code error}, its raw text as arguments. A block left open at the end (the
 * generation stopped inside it) is one such error.
 */
public final class ToolCallParser {
    public static final String OPEN = "<tool_call>";
    public static final String CLOSE = "</tool_call>";

    /** One call; {@code error} is null when it is valid. {@code arguments} is JSON text (Python's json.dumps style). */
    public record ParsedCall(String id, String name, String arguments, String error) {
        public boolean valid() {
            return error == null;
        }
    }

    /** The answer's text outside the calls (trimmed), and the calls in order. */
    public record ParsedAnswer(String text, List<ParsedCall> calls) {
        public boolean hasCalls() {
            return !calls.isEmpty();
        }

        public List<String> errors() {
            return calls.stream().filter(c -> !c.valid()).map(ParsedCall::error).toList();
        }
    }

    private ToolCallParser() {
    }

    /**
     * @param answer the answer part of a generation (after {@code </think>})
     * @param offered the names of the functions listed to the model
     * @param idPrefix ids are {@code idPrefix + "-call-" + n} (n from 1): derived from the request id, so a job
     *     replayed after a crash gets the same ids
     */
    public static ParsedAnswer parse(String answer, Collection<String> offered, String idPrefix) {
        StringBuilder text = new StringBuilder();
        List<ParsedCall> calls = new ArrayList<>();
        int pos = 0;
        while (true) {
            int open = answer.indexOf(OPEN, pos);
            if (open < 0) {
                text.append(answer, pos, answer.length());
                break;
            }
            text.append(answer, pos, open);
            int bodyStart = open + OPEN.length();
            int close = answer.indexOf(CLOSE, bodyStart);
            String body = close < 0 ? answer.substring(bodyStart) : answer.substring(bodyStart, close);
            String id = idPrefix + "-call-" + (calls.size() + 1);
            calls.add(close < 0
                    ? new ParsedCall(id, "", body.strip(), "tool call " + (calls.size() + 1) + " is not closed with "
                            + CLOSE + " (the generation ended inside it)")
                    : call(body, calls.size() + 1, id, offered));
            if (close < 0) {
                break;
            }
            pos = close + CLOSE.length();
        }
        return new ParsedAnswer(text.toString().strip(), calls);
    }

    private static ParsedCall call(String body, int n, String id, Collection<String> offered) {
        String raw = body.strip();
        Map<String, Object> object;
        try {
            object = ToolJson.parseObject(raw, "tool call " + n);
        } catch (IllegalArgumentException e) {
            return new ParsedCall(id, "", raw, e.getMessage());
        }
        if (!(object.get("name") instanceof String name) || name.isBlank()) {
            return new ParsedCall(id, "", raw, "tool call " + n + " has no function name (\"name\")");
        }
        Object arguments = object.getOrDefault("arguments", Map.of());
        if (arguments instanceof String s && ToolJson.isObject(s)) {
            arguments = ToolJson.parseObject(s, "arguments"); // some models write the arguments as a JSON string
        }
        if (!(arguments instanceof Map<?, ?>)) {
            return new ParsedCall(id, name, raw, "tool call " + n + " to '" + name
                    + "' has arguments that are not a JSON object");
        }
        if (!offered.contains(name)) {
            return new ParsedCall(id, name, PythonValues.json(arguments, null), "tool call " + n
                    + " names the function '" + name + "', which the request did not offer (offered: "
                    + (offered.isEmpty() ? "none" : String.join(", ", offered)) + ")");
        }
        return new ParsedCall(id, name, PythonValues.json(arguments, null), null);
    }
}
