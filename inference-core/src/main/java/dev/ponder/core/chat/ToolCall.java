package dev.ponder.core.chat;

import java.util.Objects;

/**
 * A function call made by the assistant, in an earlier turn of a conversation or parsed from the model's answer.
 *
 * @param id the caller's identifier of the call (tool results name it in {@code tool_call_id}); may be null
 * @param name the function's name
 * @param arguments the arguments as JSON text (an object), as OpenAI's API carries them
 */
public record ToolCall(String id, String name, String arguments) {
    public ToolCall {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(arguments, "arguments");
        if (name.isBlank()) {
            throw new IllegalArgumentException("a tool call needs a function name");
        }
    }
}
