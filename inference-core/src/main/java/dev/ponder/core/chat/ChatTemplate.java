package dev.ponder.core.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import dev.ponder.core.gguf.GgufFile;
import dev.ponder.core.gguf.GgufMetadata;
import java.security.SecureRandom;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import jinjava.javax.el.CompositeELResolver;

/**
 * A model's chat template ({@code tokenizer.chat_template}, Jinja as written for Hugging Face transformers),
 * rendered with Jinjava into a {@link RenderedPrompt} that separates template text from message content.
 *
 * <p>Rendering follows transformers: {@code trim_blocks} and {@code lstrip_blocks} on, variables {@code messages}
 * (maps with {@code role} and {@code content}; {@code tool_calls} on assistant turns that made calls, as
 * {@code {"id", "type": "function", "function": {"name", "arguments"}}}; {@code tool_call_id} on tool turns),
 * {@code add_generation_prompt}, {@code bos_token}/{@code eos_token} when the model has them, {@code tools} (OpenAI
 * function definitions, or none) and {@code documents} (none), functions {@code raise_exception} and
 * {@code strftime_now}, {@code tojson} as transformers defines it (Python's {@code json.dumps}), values printed as
 * Python prints them, Python {@code str} methods, {@code [::-1]}, and caller-supplied extras such as
 * {@code enable_thinking} (otherwise undefined). Tool parameters and call arguments, JSON text in ponder's
 * contract, reach the template parsed (key order kept), as vLLM hands them over: templates print them with
 * {@code tojson}. The fidelity suite (ChatTemplateFidelityTest) compares renders of real templates with Python
 * Jinja2's character for character.
 *
 * <p>How content is told apart from template text: the template is rendered twice. The first render gets the
 * content as is and is the authority on the text. The second gets each content wrapped in {@link ContentMarkers}
 * and is the authority on origin: Python string methods keep the markers around whatever survives of the content
 * ({@code split('</think>')[-1].lstrip('\n')} keeps only the answer, still marked). Removing the markers from the
 * second render must give the first one exactly; if a template did something the markers cannot follow (slicing
 * content by position, measuring its length), rendering fails instead of guessing.
 *
 * <p>Instances are immutable and safe to share between threads.
 */
public final class ChatTemplate {
    public static final String METADATA_KEY = "tokenizer.chat_template";

    /** Used when a model file has no template: ChatML, the format of Qwen models. */
    static final String CHATML_SOURCE = "{%- for message in messages %}"
            + "{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}"
            + "{%- endfor %}"
            + "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";

    private static final Set<String> RESERVED_VARIABLES = Set.of("messages", "add_generation_prompt");

    private final String name;
    private final String source;
    private final boolean fallback;
    private final Map<String, Object> tokenVariables;
    private final String preparedSource;
    private final ContentMarkers markers;
    private final Jinjava jinjava;

    private ChatTemplate(String name, String source, boolean fallback, String bosToken, String eosToken) {
        this.name = Objects.requireNonNull(name, "name");
        this.source = Objects.requireNonNull(source, "source");
        this.fallback = fallback;
        Map<String, Object> tokens = new HashMap<>();
        if (bosToken != null) {
            tokens.put("bos_token", bosToken);
        }
        if (eosToken != null) {
            tokens.put("eos_token", eosToken);
        }
        this.tokenVariables = Map.copyOf(tokens);
        this.preparedSource = TemplateRewriter.rewrite(source);
        this.markers = new ContentMarkers(new SecureRandom());
        this.jinjava = newJinjava(markers);
    }

    /** The template of a model file, or ChatML when the file has none. */
    public static ChatTemplate fromGguf(GgufFile file) {
        GgufMetadata metadata = file.metadata();
        String model = metadata.findString("general.name").orElse(file.path().getFileName().toString());
        return fromMetadata(metadata, model);
    }

    /**
     * The model's special tokens with another template text, for a model file whose template is missing or wrong
     * (the service's {@code engine.chat.template}); {@code origin} names it in error messages.
     */
    public static ChatTemplate fromGguf(GgufFile file, String jinjaSource, String origin) {
        GgufMetadata metadata = file.metadata();
        return new ChatTemplate(origin, jinjaSource, false, tokenText(metadata, "tokenizer.ggml.bos_token_id"),
                tokenText(metadata, "tokenizer.ggml.eos_token_id"));
    }

    /** Like {@link #fromGguf}; {@code modelName} only names the template in error messages. */
    public static ChatTemplate fromMetadata(GgufMetadata metadata, String modelName) {
        String bos = tokenText(metadata, "tokenizer.ggml.bos_token_id");
        String eos = tokenText(metadata, "tokenizer.ggml.eos_token_id");
        return metadata.findString(METADATA_KEY)
                .map(src -> new ChatTemplate("chat template of " + modelName, src, false, bos, eos))
                .orElseGet(() -> new ChatTemplate("ChatML fallback for " + modelName + " (no " + METADATA_KEY + ")",
                        CHATML_SOURCE, true, bos, eos));
    }

    /** A template from its Jinja text; {@code bosToken}/{@code eosToken} may be null (then undefined in Jinja). */
    public static ChatTemplate of(String name, String jinjaSource, String bosToken, String eosToken) {
        return new ChatTemplate(name, jinjaSource, false, bosToken, eosToken);
    }

    /** The ChatML fallback on its own. */
    public static ChatTemplate chatMl() {
        return new ChatTemplate("ChatML fallback", CHATML_SOURCE, true, null, "<|im_end|>");
    }

    public String name() {
        return name;
    }

    /** The Jinja text as the model file has it (before the compatibility rewrite). */
    public String source() {
        return source;
    }

    /** True when the model file had no template and ChatML is used instead. */
    public boolean isFallback() {
        return fallback;
    }

    public RenderedPrompt render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return render(messages, addGenerationPrompt, Map.of());
    }

    /**
     * Renders a conversation.
     *
     * @param extraVariables more template variables, trusted like template text (for example {@code enable_thinking});
     *     they may not replace {@code messages} or {@code add_generation_prompt}
     * @throws ChatTemplateException naming this template, when Jinja fails, the template raises an exception, or the
     *     content's origin cannot be followed
     */
    public RenderedPrompt render(List<ChatMessage> messages, boolean addGenerationPrompt,
            Map<String, ?> extraVariables) {
        return render(messages, List.of(), addGenerationPrompt, extraVariables);
    }

    /**
     * Renders a conversation with the tools the model may call.
     *
     * @param tools the functions listed to the model; empty: the template's {@code tools} is none
     * @throws IllegalArgumentException when a tool's parameters or a call's arguments are not a JSON object, or use
     *     a key with '&lt;' or '&gt;' (keys are printed as template text, so they could otherwise spell control
     *     tokens)
     */
    public RenderedPrompt render(List<ChatMessage> messages, List<ToolDefinition> tools, boolean addGenerationPrompt,
            Map<String, ?> extraVariables) {
        if (messages.isEmpty()) {
            throw new IllegalArgumentException("a chat prompt needs at least one message");
        }
        for (String key : extraVariables.keySet()) {
            if (RESERVED_VARIABLES.contains(key)) {
                throw new IllegalArgumentException("extra template variable '" + key + "' would replace the conversation");
            }
        }
        for (ChatMessage message : messages) {
            if (markers.occurIn(message.content())) {
                throw new ChatTemplateException(name + ": message content contains this renderer's internal markers");
            }
        }
        // Parse every JSON text once, up front, so that bad input fails with a clear message before rendering.
        List<Map<String, Object>> toolVariables = tools.stream().map(ChatTemplate::toolVariable).toList();
        List<List<Map<String, Object>>> callVariables = messages.stream()
                .map(m -> callVariables(m.toolCalls())).toList();
        String plain;
        String marked;
        TemplateFunctions.RENDER_TIME.set(ZonedDateTime.now());
        try {
            plain = renderText(variables(messages, toolVariables, callVariables, addGenerationPrompt, extraVariables, Function.identity()));
            marked = renderText(variables(messages, toolVariables, callVariables, addGenerationPrompt, extraVariables, markers::wrap));
        } finally {
            TemplateFunctions.RENDER_TIME.remove();
        }
        MarkedText origin;
        try {
            origin = markers.decode(marked);
        } catch (ContentMarkers.MalformedMarkersException e) {
            throw untrackable(e.getMessage());
        }
        if (!origin.text().equals(plain)) {
            throw untrackable("the output changes when content is marked");
        }
        return new RenderedPrompt(origin.segments());
    }

    private ChatTemplateException untrackable(String detail) {
        return new ChatTemplateException(name + ": the template transforms message content in a way whose origin"
                + " cannot be tracked (" + detail + "); refusing to guess which text is trusted");
    }

    /**
     * The template variables. Everything that came from the request other than roles (content, tool definitions,
     * call names, ids and arguments) goes through {@code contentForm}, which marks it as untrusted in the second render.
     */
    private Map<String, Object> variables(List<ChatMessage> messages, List<Map<String, Object>> tools,
            List<List<Map<String, Object>>> calls, boolean addGenerationPrompt, Map<String, ?> extra,
            Function<String, String> contentForm) {
        List<Map<String, Object>> turns = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            ChatMessage message = messages.get(i);
            Map<String, Object> turn = new LinkedHashMap<>();
            turn.put("role", message.role());
            turn.put("content", contentForm.apply(message.content()));
            if (!calls.get(i).isEmpty()) {
                turn.put("tool_calls", ToolJson.mapStrings(calls.get(i), contentForm));
            }
            if (message.toolCallId() != null) {
                turn.put("tool_call_id", contentForm.apply(message.toolCallId()));
            }
            turns.add(turn);
        }
        Map<String, Object> vars = new HashMap<>(tokenVariables);
        vars.put("tools", tools.isEmpty() ? null : ToolJson.mapStrings(tools, contentForm));
        vars.put("documents", null);
        vars.putAll(extra);
        vars.put("messages", turns);
        vars.put("add_generation_prompt", addGenerationPrompt);
        return vars;
    }

    /** A tool as templates expect it: {@code {"type": "function", "function": {"name", "description", "parameters"}}}. */
    private static Map<String, Object> toolVariable(ToolDefinition tool) {
        Map<String, Object> function = new LinkedHashMap<>();
        function.put("name", tool.name());
        if (tool.description() != null) {
            function.put("description", tool.description());
        }
        if (tool.parameters() != null) {
            function.put("parameters", checkedKeys(ToolJson.parseObject(tool.parameters(),
                    "the parameters of tool '" + tool.name() + "'"), "the parameters of tool '" + tool.name() + "'"));
        }
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("type", "function");
        entry.put("function", function);
        return entry;
    }

    /** Calls as templates expect them: {@code {"id", "type": "function", "function": {"name", "arguments"}}}. */
    private static List<Map<String, Object>> callVariables(List<ToolCall> calls) {
        List<Map<String, Object>> out = new ArrayList<>(calls.size());
        for (ToolCall call : calls) {
            String what = "the arguments of the call to '" + call.name() + "'";
            Map<String, Object> function = new LinkedHashMap<>();
            function.put("name", call.name());
            function.put("arguments", checkedKeys(ToolJson.parseObject(call.arguments(), what), what));
            Map<String, Object> entry = new LinkedHashMap<>();
            if (call.id() != null) {
                entry.put("id", call.id());
            }
            entry.put("type", "function");
            entry.put("function", function);
            out.add(entry);
        }
        return out;
    }

    private static Map<String, Object> checkedKeys(Map<String, Object> object, String what) {
        String key = ToolJson.unsafeKey(object);
        if (key != null) {
            throw new IllegalArgumentException(what + " use the key '" + key + "': keys may not contain '<' or '>'");
        }
        return object;
    }

    private String renderText(Map<String, Object> variables) {
        RenderResult result;
        try {
            result = jinjava.renderForResult(preparedSource, variables);
        } catch (RuntimeException e) {
            throw new ChatTemplateException(name + " failed to render: " + ContentMarkers.stripAll(String.valueOf(
                    e.getMessage())), e);
        }
        List<TemplateError> fatal = result.getErrors().stream()
                .filter(e -> e.getSeverity() == TemplateError.ErrorType.FATAL).toList();
        if (!fatal.isEmpty()) {
            throw new ChatTemplateException(name + " failed to render: " + describe(fatal));
        }
        return result.getOutput();
    }

    private static String describe(List<TemplateError> errors) {
        return errors.stream().map(ChatTemplate::describe).collect(Collectors.joining("; "));
    }

    private static String describe(TemplateError error) {
        Optional<TemplateFunctions.TemplateRaisedException> raised = raisedBy(error.getException());
        String message = raised.map(r -> "template raised exception: " + r.getMessage())
                .orElseGet(() -> "Jinja error: " + error.getMessage());
        return ContentMarkers.stripAll(message) + (error.getLineno() > 0 ? " (line " + error.getLineno() + ")" : "");
    }

    private static Optional<TemplateFunctions.TemplateRaisedException> raisedBy(Throwable thrown) {
        for (Throwable t = thrown; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof TemplateFunctions.TemplateRaisedException raised) {
                return Optional.of(raised);
            }
        }
        return Optional.empty();
    }

    private static String tokenText(GgufMetadata metadata, String idKey) {
        Optional<Long> id = metadata.findLong(idKey);
        if (id.isEmpty() || !metadata.contains("tokenizer.ggml.tokens")) {
            return null;
        }
        String[] tokens = metadata.getStringArray("tokenizer.ggml.tokens");
        long i = id.get();
        return i >= 0 && i < tokens.length ? tokens[(int) i] : null;
    }

    private static Jinjava newJinjava(ContentMarkers markers) {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonCompatResolver(markers));
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_WRITE);
        // The overrides that make Jinjava read whitespace control, operator precedence and printed objects as
        // Python Jinja does. Not LegacyOverrides.ALL: it also requires whitespace inside "{{-" tokens, which
        // breaks the unspaced style real templates use.
        LegacyOverrides jinja2Behaviour = LegacyOverrides.newBuilder()
                .withUseTrimmingForNotesAndExpressions(true)
                .withParseWhitespaceControlStrictly(true)
                .withUseNaturalOperatorPrecedence(true)
                .withUsePyishObjectMapper(true)
                .withEvaluateMapKeys(true)
                .withIterateOverMapKeys(true)
                .withKeepNullableLoopValues(true)
                .build();
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                // Never render text that came out of a variable again: content containing "{{ ... }}" is data.
                .withNestedInterpretationEnabled(false)
                .withFailOnUnknownTokens(false)
                .withElResolver(resolver)
                .withLegacyOverrides(jinja2Behaviour)
                .build();
        Jinjava jinjava = new Jinjava(config);
        jinjava.getGlobalContext().registerFilter(new PythonFilters.ToJson());
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception",
                TemplateFunctions.class, "raiseException", String.class));
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "strftime_now",
                TemplateFunctions.class, "strftimeNow", String.class));
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", PythonFilters.STR_FUNCTION,
                PythonFilters.class, "str", Object.class));
        return jinjava;
    }
}
