package dev.ponder.core.reasoning;

import java.util.Objects;

/**
 * A generation split into its thought and its answer.
 *
 * @param reasoning the text inside {@code <think>}...{@code </think>}, without the surrounding newlines; empty when
 *     the model did not think
 * @param answer the text after {@code </think>} without leading newlines or the end-of-turn token; empty when there
 *     is no answer
 * @param hasAnswer false when the thought was never closed (typically the length limit hit while thinking): then
 *     everything generated is reasoning and the request has no answer
 */
public record ReasoningSplit(String reasoning, String answer, boolean hasAnswer) {
    public ReasoningSplit {
        Objects.requireNonNull(reasoning, "reasoning");
        Objects.requireNonNull(answer, "answer");
        if (!hasAnswer && !answer.isEmpty()) {
            throw new IllegalArgumentException("an unfinished thought cannot have an answer");
        }
    }
}
