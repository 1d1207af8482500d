package dev.ponder.schemas.registry;

import java.util.List;

/** The registry's verdict on a candidate schema, with its explanations when it gave any. */
public record CompatibilityResult(boolean compatible, List<String> messages) {
    public CompatibilityResult {
        messages = List.copyOf(messages);
    }
}
