package dev.ponder.core.engine;

import dev.ponder.core.chat.ChatMessage;
import dev.ponder.core.chat.ChatTemplate;
import dev.ponder.core.chat.RenderedPrompt;
import dev.ponder.core.chat.ToolDefinition;
import dev.ponder.core.reasoning.ReasoningSplitter;
import dev.ponder.core.tokenizer.TokenType;
import dev.ponder.core.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns a conversation into prompt token ids: the chat template renders it, template markers become
 * control tokens, and message content is tokenized as plain text (so it cannot smuggle control tokens).
 */
public final class PromptEncoder {
    /** A prompt's ids, and whether it already opened the thought (QwQ's generation prompt ends in {@code <think>\n}). */
    public record EncodedPrompt(int[] ids, boolean opensThinking) {
    }

    private final ChatTemplate template;
    private final Tokenizer tokenizer;
    private final List<String> specialTokens = new ArrayList<>();
    private final ReasoningSplitter splitter = ReasoningSplitter.qwen();

    public PromptEncoder(ChatTemplate template, Tokenizer tokenizer) {
        this.template = template;
        this.tokenizer = tokenizer;
        for (int id = 0; id < tokenizer.vocabSize(); id++) {
            TokenType type = tokenizer.tokenType(id);
            if (type == TokenType.CONTROL || type == TokenType.USER_DEFINED) {
                specialTokens.add(tokenizer.tokenText(id));
            }
        }
    }

    public EncodedPrompt encode(List<ChatMessage> messages) {
        return encode(messages, List.of());
    }

    /** The prompt of a conversation with the tools listed to the model (empty: none). */
    public EncodedPrompt encode(List<ChatMessage> messages, List<ToolDefinition> tools) {
        RenderedPrompt rendered = render(messages, tools);
        List<Integer> ids = new ArrayList<>();
        for (RenderedPrompt.Piece piece : rendered.pieces(specialTokens)) {
            if (piece.specialToken()) {
                ids.add(tokenizer.tokenId(piece.text()));
            } else {
                for (int id : tokenizer.encode(piece.text(), false)) {
                    ids.add(id);
                }
            }
        }
        return new EncodedPrompt(ids.stream().mapToInt(Integer::intValue).toArray(), splitter.promptOpensThinking(rendered));
    }

    /** The prompt as text, exactly as the model receives it (before tokenization); {@code ./ponder render} prints it. */
    public RenderedPrompt render(List<ChatMessage> messages, List<ToolDefinition> tools) {
        return template.render(messages, tools, true, Map.of());
    }

    public ChatTemplate template() {
        return template;
    }
}
