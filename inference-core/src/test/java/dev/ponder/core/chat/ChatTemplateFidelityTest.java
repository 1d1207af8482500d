package dev.ponder.core.chat;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Real chat templates rendered by ponder, compared character for character with Python Jinja2's render under
 * transformers' settings. The expected renders under {@code fidelity/<template>/} are produced by
 * {@code inference-core/src/test/python/chat_template_fidelity.py} from {@code fidelity/conversations.json}; rerun it
 * after changing a conversation or adding a template.
 */
class ChatTemplateFidelityTest {
    /** Template file -> the special tokens the Python script passes (keep the two lists in step). */
    private static final Map<String, String[]> TEMPLATES = Map.of(
            "qwq-32b", new String[] {null, "<|im_end|>"},
            "qwen2.5-instruct", new String[] {null, "<|im_end|>"},
            "qwen3", new String[] {null, "<|im_end|>"},
            "deepseek-r1-distill-qwen", new String[] {"<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"},
            "chatml-finetune", new String[] {null, "<|im_end|>"},
            "python-semantics-probe", new String[] {null, "<|im_end|>"});

    record Conversation(String name, List<ChatMessage> messages, boolean withTools) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final JsonNode SPEC = readSpec();

    private static JsonNode readSpec() {
        try {
            return new ObjectMapper().readTree(TemplateTexts.load("fidelity/conversations.json"));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    static List<ToolDefinition> tools() {
        List<ToolDefinition> tools = new ArrayList<>();
        SPEC.get("tools").forEach(t -> tools.add(new ToolDefinition(text(t, "name"), text(t, "description"),
                text(t, "parameters"))));
        return tools;
    }

    static List<Conversation> conversations() {
        List<Conversation> out = new ArrayList<>();
        for (JsonNode c : SPEC.get("conversations")) {
            List<ChatMessage> messages = new ArrayList<>();
            for (JsonNode m : c.get("messages")) {
                List<ToolCall> calls = new ArrayList<>();
                if (m.has("tool_calls")) {
                    m.get("tool_calls").forEach(tc -> calls.add(new ToolCall(text(tc, "id"), text(tc, "name"),
                            text(tc, "arguments"))));
                }
                String content = text(m, "content");
                messages.add(new ChatMessage(text(m, "role"), content == null ? "" : content, calls,
                        text(m, "tool_call_id")));
            }
            out.add(new Conversation(text(c, "name"), messages, c.path("tools").asBoolean(false)));
        }
        return out;
    }

    static Stream<Arguments> cases() {
        return TEMPLATES.keySet().stream().sorted()
                .flatMap(template -> conversations().stream().map(c -> Arguments.of(template, c)));
    }

    @ParameterizedTest(name = "{0} x {1}")
    @MethodSource("cases")
    void rendersExactlyAsPythonJinja(String templateName, Conversation conversation) {
        String[] tokens = TEMPLATES.get(templateName);
        ChatTemplate template = ChatTemplate.of(templateName, TemplateTexts.load(templateName + ".jinja"), tokens[0],
                tokens[1]);
        String expected = TemplateTexts.load("fidelity/" + templateName + "/" + conversation.name() + ".txt");

        RenderedPrompt rendered = template.render(conversation.messages(),
                conversation.withTools() ? tools() : List.of(), true, Map.of());

        assertThat(rendered.text()).isEqualTo(expected);
    }
}
