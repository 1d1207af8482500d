package dev.ponder.core.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ponder.core.gguf.GgufFile;
import dev.ponder.core.gguf.GgufMetadata;
import dev.ponder.core.testing.TestFiles;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChatTemplateTest {
    private static final String SYSTEM =
            "You are a careful arithmetic assistant. Think step by step, then give the final answer.";
    private static final List<ChatMessage> SYSTEM_AND_USER =
            List.of(ChatMessage.system(SYSTEM), ChatMessage.user("What is 47 + 38?"));
    private static final String SYSTEM_AND_USER_TEXT = "<|im_start|>system\n" + SYSTEM + "<|im_end|>\n"
            + "<|im_start|>user\nWhat is 47 + 38?<|im_end|>\n";
    /** An earlier turn as the model produced it: reasoning, then the answer. */
    private static final List<ChatMessage> MULTI_TURN = List.of(
            ChatMessage.user("What is 2 + 2?"),
            ChatMessage.assistant("We need 2 + 2.\nSo 2 + 2 = 4.\n</think>\n\nThe answer is 4."),
            ChatMessage.user("Compute 9 - 3."));

    @Test
    void bundledModelTemplateRendersSystemAndUserWithThinkingGenerationPrompt() throws Exception {
        ChatTemplate template;
        try (GgufFile file = GgufFile.open(TestFiles.bundledModel())) {
            template = ChatTemplate.fromGguf(file);
        }
        assertThat(template.isFallback()).isFalse();
        assertThat(template.render(SYSTEM_AND_USER, true).text())
                .isEqualTo(SYSTEM_AND_USER_TEXT + "<|im_start|>assistant\n<think>\n");
        assertThat(template.render(SYSTEM_AND_USER, false).text()).isEqualTo(SYSTEM_AND_USER_TEXT);
    }

    @Test
    void bundledModelTemplateDropsEarlierReasoning() throws Exception {
        ChatTemplate template;
        try (GgufFile file = GgufFile.open(TestFiles.bundledModel())) {
            template = ChatTemplate.fromGguf(file);
        }
        assertThat(template.render(MULTI_TURN, true).text()).isEqualTo(
                "<|im_start|>user\nWhat is 2 + 2?<|im_end|>\n"
                        + "<|im_start|>assistant\nThe answer is 4.<|im_end|>\n"
                        + "<|im_start|>user\nCompute 9 - 3.<|im_end|>\n"
                        + "<|im_start|>assistant\n<think>\n");
    }

    @Test
    void qwqTemplateRendersSystemAndUser() {
        ChatTemplate qwq = TemplateTexts.qwq();
        assertThat(qwq.render(SYSTEM_AND_USER, true).text())
                .isEqualTo(SYSTEM_AND_USER_TEXT + "<|im_start|>assistant\n<think>\n");
        assertThat(qwq.render(SYSTEM_AND_USER, false).text()).isEqualTo(SYSTEM_AND_USER_TEXT);
    }

    @Test
    void qwqTemplateStripsThinkingFromAssistantTurns() {
        List<ChatMessage> conversation = List.of(
                ChatMessage.system(SYSTEM),
                ChatMessage.user("What is 2 + 2?"),
                ChatMessage.assistant("<think>\nWe need 2 + 2.\n</think>\n\nThe answer is 4."));
        assertThat(TemplateTexts.qwq().render(conversation, false).text()).isEqualTo(
                "<|im_start|>system\n" + SYSTEM + "<|im_end|>\n"
                        + "<|im_start|>user\nWhat is 2 + 2?<|im_end|>\n"
                        + "<|im_start|>assistant\nThe answer is 4.<|im_end|>\n");
        assertThat(TemplateTexts.qwq().render(MULTI_TURN, true).text()).isEqualTo(
                "<|im_start|>user\nWhat is 2 + 2?<|im_end|>\n"
                        + "<|im_start|>assistant\nThe answer is 4.<|im_end|>\n"
                        + "<|im_start|>user\nCompute 9 - 3.<|im_end|>\n"
                        + "<|im_start|>assistant\n<think>\n");
    }

    @Test
    void qwen25TemplateAddsItsDefaultSystemPromptAndKeepsAssistantTextAsIs() {
        ChatTemplate qwen = TemplateTexts.qwen25();
        assertThat(qwen.render(List.of(ChatMessage.user("Hello")), true).text()).isEqualTo(
                "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
                        + "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n");
        assertThat(qwen.render(SYSTEM_AND_USER, true).text())
                .isEqualTo(SYSTEM_AND_USER_TEXT + "<|im_start|>assistant\n");
        assertThat(qwen.render(SYSTEM_AND_USER, false).text()).isEqualTo(SYSTEM_AND_USER_TEXT);
        assertThat(qwen.render(MULTI_TURN, false).text()).isEqualTo(
                "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
                        + "<|im_start|>user\nWhat is 2 + 2?<|im_end|>\n"
                        + "<|im_start|>assistant\nWe need 2 + 2.\nSo 2 + 2 = 4.\n</think>\n\nThe answer is 4.<|im_end|>\n"
                        + "<|im_start|>user\nCompute 9 - 3.<|im_end|>\n");
    }

    @Test
    void qwen3TemplateRebuildsTheLastThoughtAndHonoursEnableThinking() {
        ChatTemplate qwen3 = TemplateTexts.qwen3();
        List<ChatMessage> answered = List.of(
                ChatMessage.user("What is 2 + 2?"),
                ChatMessage.assistant("<think>\nWe need 2 + 2.\n</think>\n\nThe answer is 4."));
        assertThat(qwen3.render(answered, false).text()).isEqualTo(
                "<|im_start|>user\nWhat is 2 + 2?<|im_end|>\n"
                        + "<|im_start|>assistant\n<think>\nWe need 2 + 2.\n</think>\n\nThe answer is 4.<|im_end|>\n");
        assertThat(qwen3.render(List.of(ChatMessage.user("Hi")), true, Map.of("enable_thinking", false)).text())
                .isEqualTo("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n");
        assertThat(qwen3.render(List.of(ChatMessage.user("Hi")), true).text())
                .isEqualTo("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
    }

    @Test
    void qwen3TemplateFindsTheLastRealQueryByWalkingMessagesBackwards() {
        // Exercises messages[::-1], namespace(...) with an arithmetic keyword value, startswith and endswith.
        List<ChatMessage> conversation = List.of(
                ChatMessage.user("Q1"),
                ChatMessage.assistant("<think>\nr1\n</think>\n\nA1"),
                ChatMessage.user("<tool_response>\nx\n</tool_response>"),
                ChatMessage.assistant("<think>\nr2\n</think>\n\nA2"));
        assertThat(TemplateTexts.qwen3().render(conversation, false).text()).isEqualTo(
                "<|im_start|>user\nQ1<|im_end|>\n"
                        + "<|im_start|>assistant\n<think>\nr1\n</think>\n\nA1<|im_end|>\n"
                        + "<|im_start|>user\n<tool_response>\nx\n</tool_response><|im_end|>\n"
                        + "<|im_start|>assistant\n<think>\nr2\n</think>\n\nA2<|im_end|>\n");
    }

    @Test
    void fileWithoutTemplateFallsBackToChatMl() {
        ChatTemplate template = ChatTemplate.fromMetadata(new GgufMetadata(Map.of()), "bare model");
        assertThat(template.isFallback()).isTrue();
        assertThat(template.name()).contains("bare model").contains("ChatML");
        List<ChatMessage> conversation = List.of(ChatMessage.system("S"), ChatMessage.user("U"));
        assertThat(template.render(conversation, true).text())
                .isEqualTo("<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\n");
        assertThat(template.render(conversation, false).text())
                .isEqualTo("<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n");
    }

    @Test
    void specialTokenVariablesComeFromTheModel() {
        ChatTemplate template = ChatTemplate.of("t", "{{ bos_token }}|{{ eos_token }}|{{ 'tools' if tools else 'no tools' }}|"
                + "{{ 'thinking set' if enable_thinking is defined else 'thinking unset' }}", "<s>", "</s>");
        assertThat(template.render(List.of(ChatMessage.user("x")), false).text())
                .isEqualTo("<s>|</s>|no tools|thinking unset");
    }

    @Test
    void templateRaisingAnExceptionNamesTheTemplateAndTheReason() {
        ChatTemplate template = ChatTemplate.of("strict test template",
                "{%- for m in messages %}{%- if m.role == 'system' and not loop.first %}"
                        + "{{ raise_exception('System message must be first, got one at ' ~ loop.index0) }}"
                        + "{%- endif %}{%- endfor %}", null, null);
        assertThatThrownBy(() -> template.render(List.of(ChatMessage.user("a"), ChatMessage.system("b")), false))
                .isInstanceOf(ChatTemplateException.class)
                .hasMessageContaining("strict test template")
                .hasMessageContaining("System message must be first, got one at 1");
    }

    @Test
    void jinjaErrorsNameTheTemplate() {
        ChatTemplate template = ChatTemplate.of("broken template", "{{ messages[0].content.nosuchmethod() }}", null, null);
        assertThatThrownBy(() -> template.render(List.of(ChatMessage.user("a")), false))
                .isInstanceOf(ChatTemplateException.class)
                .hasMessageContaining("broken template")
                .hasMessageContaining("Jinja error")
                .hasMessageContaining("nosuchmethod");
    }

    @Test
    void contentThatLooksLikeJinjaIsNotEvaluated() {
        String text = TemplateTexts.qwq().render(List.of(ChatMessage.user("{{ 7 * 7 }} {% if true %}x{% endif %}")),
                false).text();
        assertThat(text).isEqualTo("<|im_start|>user\n{{ 7 * 7 }} {% if true %}x{% endif %}<|im_end|>\n");
    }

    @Test
    void emptyContentStaysFalsy() {
        ChatTemplate template = ChatTemplate.of("t",
                "{% for m in messages %}{{ m.role }}={{ 'yes' if m.content else 'no' }};{% endfor %}", null, null);
        assertThat(template.render(List.of(ChatMessage.user(""), ChatMessage.assistant("a")), false).text())
                .isEqualTo("user=no;assistant=yes;");
    }

    @Test
    void templatesThatMeasureOrSliceContentAreRefusedRatherThanGuessed() {
        ChatTemplate slicing = ChatTemplate.of("slicing template", "{{ messages[0].content[:3] }}", null, null);
        assertThatThrownBy(() -> slicing.render(List.of(ChatMessage.user("abcdef")), false))
                .isInstanceOf(ChatTemplateException.class)
                .hasMessageContaining("slicing template")
                .hasMessageContaining("cannot be tracked");
        ChatTemplate measuring = ChatTemplate.of("measuring template", "{{ messages[0].content|length }}", null, null);
        assertThatThrownBy(() -> measuring.render(List.of(ChatMessage.user("abcdef")), false))
                .isInstanceOf(ChatTemplateException.class)
                .hasMessageContaining("cannot be tracked");
    }

    @Test
    void reservedVariablesCannotBeOverridden() {
        assertThatThrownBy(() -> TemplateTexts.qwq().render(List.of(ChatMessage.user("x")), false,
                Map.of("messages", List.of())))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void contentSerialisedAsJsonKeepsItsOrigin() {
        ChatTemplate template = ChatTemplate.of("json template", "{{ '<|im_start|>' ~ messages[0].content|tojson }}",
                null, null);
        RenderedPrompt prompt = template.render(List.of(ChatMessage.user("say \"hi\" <|im_end|>")), false);
        assertThat(prompt.text()).isEqualTo("<|im_start|>\"say \\\"hi\\\" <|im_end|>\"");
        assertThat(prompt.segments()).containsExactly(
                new RenderedPrompt.Segment("<|im_start|>\"", true),
                new RenderedPrompt.Segment("say \\\"hi\\\" <|im_end|>", false),
                new RenderedPrompt.Segment("\"", true));
    }

    @Test
    void strftimeNowFormatsTheRenderTime() {
        ChatTemplate template = ChatTemplate.of("dated template", "Today: {{ strftime_now('%Y') }}", null, null);
        String year = String.valueOf(java.time.ZonedDateTime.now().getYear());
        assertThat(template.render(List.of(ChatMessage.user("x")), false).text()).isIn("Today: " + year,
                "Today: " + (Integer.parseInt(year) + 1));
    }

    @Test
    void notBindsLooserThanIsDefinedSoDeepSeeksGuardKeepsTheGenerationPrompt() {
        ChatTemplate deepSeek = ChatTemplate.of("DeepSeek-R1-Distill-Qwen template",
                TemplateTexts.load("deepseek-r1-distill-qwen.jinja"), "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>");
        assertThat(deepSeek.render(List.of(ChatMessage.user("Hi")), true).text())
                .isEqualTo("<｜begin▁of▁sentence｜><｜User｜>Hi<｜Assistant｜><think>\n");
        assertThat(deepSeek.render(List.of(ChatMessage.user("Hi")), false).text())
                .isEqualTo("<｜begin▁of▁sentence｜><｜User｜>Hi");
        ChatTemplate probe = ChatTemplate.of("t", "{{ not x is none }}|{{ not undefined_name is defined }}", null, null);
        assertThat(probe.render(List.of(ChatMessage.user("x")), false, Map.of("x", "set")).text()).isEqualTo("True|True");
    }

    @Test
    void tojsonWritesWhatPythonsJsonDumpsWrites() {
        ChatTemplate template = ChatTemplate.of("t", "{{ tools[0]|tojson }}\n{{ tools[0].function.parameters|tojson(indent=2) }}",
                null, null);
        ToolDefinition tool = new ToolDefinition("f", "Does f.", "{\"type\":\"object\",\"properties\":{\"x\":{\"type\":\"number\",\"default\":1e-5}}}");
        assertThat(template.render(List.of(ChatMessage.user("x")), List.of(tool), false, Map.of()).text()).isEqualTo(
                "{\"type\": \"function\", \"function\": {\"name\": \"f\", \"description\": \"Does f.\", \"parameters\": "
                        + "{\"type\": \"object\", \"properties\": {\"x\": {\"type\": \"number\", \"default\": 1e-05}}}}}\n"
                        + "{\n  \"type\": \"object\",\n  \"properties\": {\n    \"x\": {\n      \"type\": \"number\",\n"
                        + "      \"default\": 1e-05\n    }\n  }\n}");
    }

    @Test
    void printedValuesLookLikePythons() {
        ChatTemplate template = ChatTemplate.of("t", "{{ true }} {{ false }} {{ none }} {{ [1, 'a', none] }} {{ missing }}.",
                null, null);
        assertThat(template.render(List.of(ChatMessage.user("x")), false).text()).isEqualTo("True False None [1, 'a', None] .");
    }

    @Test
    void badToolJsonIsRefusedWithAClearMessage() {
        ChatTemplate qwq = TemplateTexts.qwq();
        assertThatThrownBy(() -> qwq.render(List.of(ChatMessage.user("x")),
                List.of(new ToolDefinition("f", null, "{\"type\": ")), true, Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("parameters of tool 'f'")
                .hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> qwq.render(List.of(ChatMessage.user("x"),
                ChatMessage.assistant("", List.of(new ToolCall("c1", "f", "[1, 2]")))), List.of(), true, Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("arguments of the call to 'f'")
                .hasMessageContaining("must be a JSON object");
        assertThatThrownBy(() -> qwq.render(List.of(ChatMessage.user("x")),
                List.of(new ToolDefinition("f", null, "{\"<|im_start|>\": 1}")), true, Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("may not contain '<' or '>'");
    }

    @Test
    void rawBlocksPrintTheirTextAsWritten() {
        ChatTemplate template = ChatTemplate.of("t", "{% raw %}{{ not x is none }}{% endraw %}|{{ true }}", null, null);
        assertThat(template.render(List.of(ChatMessage.user("x")), false).text()).isEqualTo("{{ not x is none }}|True");
    }
}
