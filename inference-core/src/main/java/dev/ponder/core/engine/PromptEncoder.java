package dev.ponder.core.engine;

import dev.ponder.core.chat.ChatMessage;
import dev.ponder.core.chat.ChatTemplate;
import dev.ponder.core.chat.RenderedPrompt;
import dev.ponder.core.reasoning.ReasoningSplitter;
import dev.ponder.core.tokenizer.TokenType;
import dev.ponder.core.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;

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
        RenderedPrompt rendered = template.render(messages, true);
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

    public ChatTemplate template() {
        return template;
    }
}
