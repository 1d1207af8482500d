package dev.ponder.core.chat;

import java.util.List;
import java.util.Objects;

/**
 * Which tools the model is offered: {@code auto} (all of them; it may call any or answer in text), {@code none}
 * (none: the tools are left out of the prompt and the answer is not searched for calls, so the model answers in
 * text as if there were no tools), or one named function (only that one is listed; a call to any other is
 * reported as unknown). Nothing forces the model to call: a named choice narrows the offer, it does not constrain
 * decoding.
 */
public record ToolChoice(Mode mode, String function) {
    public enum Mode { AUTO, NONE, FUNCTION }

    public static final ToolChoice AUTO = new ToolChoice(Mode.AUTO, null);
    public static final ToolChoice NONE = new ToolChoice(Mode.NONE, null);

    public ToolChoice {
        Objects.requireNonNull(mode, "mode");
        if ((mode == Mode.FUNCTION) != (function != null)) {
            throw new IllegalArgumentException("a function name goes with the FUNCTION mode only");
        }
    }

    /** {@code "auto"}, {@code "none"}, or a function's name; null means auto. */
    public static ToolChoice parse(String text) {
        if (text == null || text.equals("auto")) {
            return AUTO;
        }
        if (text.equals("none")) {
            return NONE;
        }
        if (text.isBlank()) {
            throw new IllegalArgumentException("tool_choice is blank: give auto, none, or the name of one of the tools");
        }
        return new ToolChoice(Mode.FUNCTION, text);
    }

    /**
     * The tools to list in the prompt.
     *
     * @throws IllegalArgumentException when a named function is not among {@code tools}, or two tools share a name
     */
    public List<ToolDefinition> listed(List<ToolDefinition> tools) {
        long distinct = tools.stream().map(ToolDefinition::name).distinct().count();
        if (distinct != tools.size()) {
            throw new IllegalArgumentException("two tools have the same name");
        }
        return switch (mode) {
            case AUTO -> tools;
            case NONE -> List.of();
            case FUNCTION -> {
                List<ToolDefinition> named = tools.stream().filter(t -> t.name().equals(function)).toList();
                if (named.isEmpty()) {
                    throw new IllegalArgumentException("tool_choice names the function '" + function
                            + "', which is not among the request's tools");
                }
                yield named;
            }
        };
    }

    @Override
    public String toString() {
        return mode == Mode.FUNCTION ? function : mode.name().toLowerCase(java.util.Locale.ROOT);
    }
}
