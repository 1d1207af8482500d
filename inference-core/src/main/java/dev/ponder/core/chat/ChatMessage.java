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
 */
public record ChatMessage(String role, String content) {
    /** The roles a message may have, as the request schema documents them. */
    public static final List<String> ROLES = List.of("system", "user", "assistant");

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
        if (!ROLES.contains(role)) {
            throw new IllegalArgumentException("chat message role must be one of " + String.join(", ", ROLES)
                    + "; got '" + role + "'");
        }
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
}
