package dev.ponder.core.chat;

import java.util.Objects;

/**
 * A function the model may call (an OpenAI function definition). The chat template receives it as
 * {@code {"type": "function", "function": {"name", "description", "parameters"}}}, the shape Hugging Face templates
 * list in the prompt.
 *
 * @param name the function's name
 * @param description what it does, for the model; may be null
 * @param parameters a JSON Schema object as JSON text; may be null (a function without parameters)
 */
public record ToolDefinition(String name, String description, String parameters) {
    public ToolDefinition {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("a tool needs a name");
        }
    }
}
