package dev.ponder.core.engine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.ponder.core.constrain.AnswerConstraint;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Self-consistency: the answer most chains of a request agree on. Answers are compared normalised: trimmed
 * text, or, under a JSON-schema response format, canonical JSON (keys sorted, no spaces), so that
 * {@code {"a": 1, "b": 2}} and {@code {"b":2,"a":1}} count as one answer. Only answers the model ended itself
 * count (finish reason STOP), and under a response format only valid ones. A tie goes to the answer given by
 * the earliest chain, so the vote is a function of the chains alone.
 */
final class AnswerVote {
    private static final ObjectMapper CANONICAL = new ObjectMapper()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    private AnswerVote() {
    }

    /** The winning answer and the index of the first chain that gave it; null when no chain's answer counts. */
    record Outcome(GenerationResult.Vote vote, int firstChain) {
    }

    static Outcome of(List<GenerationResult> chains, AnswerConstraint format) {
        Map<String, Integer> counts = new HashMap<>();
        Map<String, Integer> first = new HashMap<>();
        int counted = 0;
        for (int i = 0; i < chains.size(); i++) {
            String key = countedAnswer(chains.get(i), format);
            if (key != null) {
                counted++;
                counts.merge(key, 1, Integer::sum);
                first.putIfAbsent(key, i);
            }
        }
        String best = null;
        for (Map.Entry<String, Integer> e : counts.entrySet()) {
            if (best == null || e.getValue() > counts.get(best)
                    || e.getValue().equals(counts.get(best)) && first.get(e.getKey()) < first.get(best)) {
                best = e.getKey();
            }
        }
        return best == null ? null : new Outcome(new GenerationResult.Vote(best, counts.get(best), counted), first.get(best));
    }

    /** The normalised answer of a chain, or null when it does not count. */
    static String countedAnswer(GenerationResult chain, AnswerConstraint format) {
        if (chain.finishReason() != FinishReason.STOP || chain.answer() == null || chain.answer().isBlank()) {
            return null;
        }
        if (format != null && !Boolean.TRUE.equals(chain.answerFormatOk())) {
            return null;
        }
        return normalise(chain.answer(), format);
    }

    static String normalise(String answer, AnswerConstraint format) {
        String text = answer.strip();
        if (format instanceof AnswerConstraint.JsonSchema) {
            try {
                JsonNode tree = CANONICAL.readTree(text);
                return CANONICAL.writeValueAsString(CANONICAL.treeToValue(tree, Object.class));
            } catch (JsonProcessingException e) {
                return text; // a valid answer always parses; text that does not is compared as it is
            }
        }
        return text;
    }
}
