package dev.ponder.core.reasoning;

import dev.ponder.core.chat.PythonStrip;
import dev.ponder.core.chat.RenderedPrompt;
import java.util.List;

/**
 * Splits generated text into reasoning and answer, following the QwQ protocol.
 *
 * <p>QwQ's generation prompt already ends in {@code <think>\n}, so the generation starts inside the thought; other
 * models open {@code <think>} themselves as their first tokens, or do not think at all. The thought ends at the first
 * {@code </think>}; a generation without it is all reasoning and has no answer.
 */
public final class ReasoningSplitter {
    public static final String THINK_OPEN = "<think>";
    public static final String THINK_CLOSE = "</think>";

    private final String openTag;
    private final String closeTag;
    private final List<String> endOfTurnMarkers;

    /**
     * @param endOfTurnMarkers texts of the tokens that end a turn ({@code <|im_end|>}); removed from the end of the
     *     generation when present, since they belong to neither part
     */
    public ReasoningSplitter(String openTag, String closeTag, List<String> endOfTurnMarkers) {
        if (openTag.isEmpty() || closeTag.isEmpty()) {
            throw new IllegalArgumentException("reasoning tags must not be empty");
        }
        this.openTag = openTag;
        this.closeTag = closeTag;
        this.endOfTurnMarkers = List.copyOf(endOfTurnMarkers);
    }

    /** {@code <think>}/{@code </think>} with Qwen's end-of-turn tokens. */
    public static ReasoningSplitter qwen() {
        return new ReasoningSplitter(THINK_OPEN, THINK_CLOSE, List.of("<|im_end|>", "<|endoftext|>"));
    }

    /**
     * Whether generation starts inside a thought: the prompt's trusted text opens one after the last one it closed.
     * Content is ignored, so a user typing {@code <think>} changes nothing.
     */
    public boolean promptOpensThinking(RenderedPrompt prompt) {
        int offset = 0;
        int lastOpen = -1;
        int lastClose = -1;
        for (RenderedPrompt.Segment segment : prompt.segments()) {
            if (segment.trusted()) {
                int open = segment.text().lastIndexOf(openTag);
                int close = segment.text().lastIndexOf(closeTag);
                lastOpen = open >= 0 ? offset + open : lastOpen;
                lastClose = close >= 0 ? offset + close : lastClose;
            }
            offset += segment.text().length();
        }
        return lastOpen > lastClose;
    }

    /**
     * @param generated the decoded generation, possibly ending with an end-of-turn token's text
     * @param promptOpenedThinking whether the prompt already opened the thought ({@link #promptOpensThinking})
     */
    public ReasoningSplit split(String generated, boolean promptOpenedThinking) {
        String text = withoutEndOfTurn(generated);
        boolean thinking = promptOpenedThinking;
        if (!thinking) {
            String lead = PythonStrip.strip(text, null, true, false);
            if (lead.startsWith(openTag)) {
                thinking = true;
                text = lead.substring(openTag.length());
            }
        }
        int close = text.indexOf(closeTag);
        if (close < 0) {
            return thinking ? new ReasoningSplit(stripNewlines(text, true, true), "", false)
                    : new ReasoningSplit("", stripNewlines(text, true, false), true);
        }
        // A close tag ends a thought even without an open one: some models start thinking without writing it.
        return new ReasoningSplit(stripNewlines(text.substring(0, close), true, true),
                stripNewlines(text.substring(close + closeTag.length()), true, false), true);
    }

    private String withoutEndOfTurn(String text) {
        String result = text;
        boolean removed = true;
        while (removed) {
            removed = false;
            for (String marker : endOfTurnMarkers) {
                if (!marker.isEmpty() && result.endsWith(marker)) {
                    result = result.substring(0, result.length() - marker.length());
                    removed = true;
                }
            }
        }
        return result;
    }

    private static String stripNewlines(String text, boolean left, boolean right) {
        return PythonStrip.strip(text, "\n", left, right);
    }
}
