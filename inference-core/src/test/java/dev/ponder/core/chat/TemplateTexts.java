package dev.ponder.core.chat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Real chat templates kept as test resources (data, not code):
 * <ul>
 *   <li>{@code qwq-32b.jinja}: the {@code chat_template} of Qwen/QwQ-32B's tokenizer_config.json (the revision whose
 *       generation prompt ends in {@code <think>\n});
 *   <li>{@code qwen2.5-instruct.jinja}: the {@code chat_template} of Qwen/Qwen2.5-0.5B-Instruct;
 *   <li>{@code qwen3.jinja}: the {@code chat_template} of Qwen/Qwen3-8B, which uses {@code [::-1]},
 *       {@code namespace}, {@code startswith}/{@code endswith} and {@code enable_thinking};
 *   <li>{@code deepseek-r1-distill-qwen.jinja}: the {@code chat_template} of the deepseek-ai/DeepSeek-R1-Distill
 *       tokenizer_config.json (the revision whose generation prompt ends in {@code <think>\n}; the same text as in
 *       DeepSeek-R1-Distill-Qwen-7B/-32B), which starts with {@code {% if not add_generation_prompt is defined %}};
 *   <li>{@code chatml-finetune.jinja}: the one-line ChatML template of the transformers chat-templating guide
 *       that many fine-tunes ship, with the same guard;
 *   <li>{@code python-semantics-probe.jinja}: not a model's template; each line probes one construct where
 *       Jinjava and Python Jinja2 could differ ({@code {{ true }}}, {@code not x is defined}, {@code tojson(indent)}).
 * </ul>
 * Expected renders in the tests were produced with Python Jinja2 3.1 configured as transformers configures it
 * ({@code trim_blocks}, {@code lstrip_blocks}); those of ChatTemplateFidelityTest by
 * {@code inference-core/src/test/python/chat_template_fidelity.py}.
 */
final class TemplateTexts {
    private TemplateTexts() {
    }

    static String load(String resource) {
        try (InputStream in = TemplateTexts.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("test resource " + resource + " is missing");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ChatTemplate qwq() {
        return ChatTemplate.of("QwQ-32B template", load("qwq-32b.jinja"), null, "<|im_end|>");
    }

    static ChatTemplate qwen25() {
        return ChatTemplate.of("Qwen2.5-Instruct template", load("qwen2.5-instruct.jinja"), null, "<|im_end|>");
    }

    static ChatTemplate qwen3() {
        return ChatTemplate.of("Qwen3 template", load("qwen3.jinja"), null, "<|im_end|>");
    }
}
