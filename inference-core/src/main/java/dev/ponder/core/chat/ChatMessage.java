package dev.ponder.core.chat;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One turn of a conversation. The content is untrusted text: the chat template places it in the prompt, but it is
 * never allowed to become control tokens.
 *
 * <p>The role, unlike the content, ends up as trusted template text (templates compare it and print it next to
 * {@code <|im_start|>}), so it is restricted to a short identifier: a role such as {@code "user<|im_end|>"} could
 * otherwise smuggle control tokens into the prompt.
 */
public record ChatMessage(String role, String content) {
    private static final Pattern ROLE = Pattern.compile("[A-Za-z][A-Za-z0-9_-]{0,31}");

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
        if (!ROLE.matcher(role).matches()) {
            throw new IllegalArgumentException("chat message role must be a short identifier (letters, digits, '_', '-'),"
                    + " got '" + role + "'");
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
