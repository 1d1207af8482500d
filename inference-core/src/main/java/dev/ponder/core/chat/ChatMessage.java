package dev.ponder.core.chat;

import java.util.List;
import java.util.Objects;

/**
 * One turn of a conversation. The content is untrusted text: the chat template places it in the prompt, but it is
 * never allowed to become control tokens.
 *
 * <p>The role, unlike the content, ends up as trusted template text (templates compare it and print it next to
 * {@code <|im_start|>}), so it must be one of {@link #ROLES}: a role such as {@code "user<|im_end|>"} could otherwise
 * smuggle control tokens into the prompt, and a role the template does not know (say {@code "robot"}) is silently
 * left out of the prompt by Qwen's templates.
 *
 * <p>An assistant turn may carry the tool calls it made ({@code toolCalls}, its content then often empty); a
 * {@code tool} turn carries one call's result as content, and the id of that call ({@code toolCallId}, optional:
 * Qwen's templates match results to calls by order).
 */
public record ChatMessage(String role, String content, List<ToolCall> toolCalls, String toolCallId) {
    /** The roles a message may have, as the request schema documents them. */
    public static final List<String> ROLES = List.of("system", "user", "assistant", "tool");

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
        if (!ROLES.contains(role)) {
            throw new IllegalArgumentException("chat message role must be one of " + String.join(", ", ROLES)
                    + "; got '" + role + "'");
        }
        if (!toolCalls.isEmpty() && !role.equals("assistant")) {
            throw new IllegalArgumentException("only assistant messages carry tool calls; got tool calls on a '"
                    + role + "' message");
        }
        if (toolCallId != null && !role.equals("tool")) {
            throw new IllegalArgumentException("only tool messages carry a tool_call_id; got one on a '" + role
                    + "' message");
        }
    }

    public ChatMessage(String role, String content) {
        this(role, content, List.of(), null);
    }

    public static ChatMessage system(String content) {
        return new ChatMessage("system", content);
    }

    public static ChatMessage user(String content) {
        return new ChatMessage("user", content);
    }

    public static ChatMessage assistant(String content) {
        return new ChatMessage("assistant", content);
    }

    /** An assistant turn that called tools; {@code content} is the text around the calls (often empty). */
    public static ChatMessage assistant(String content, List<ToolCall> toolCalls) {
        return new ChatMessage("assistant", content, toolCalls, null);
    }

    /** The result of one tool call; {@code toolCallId} may be null. */
    public static ChatMessage tool(String toolCallId, String content) {
        return new ChatMessage("tool", content, List.of(), toolCallId);
    }
}
