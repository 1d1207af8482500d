package dev.ponder.app.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.app.testing.Jobs;
import dev.ponder.app.testing.Results;
import dev.ponder.app.testing.TestSetup;
import dev.ponder.app.testing.ToolCallingModel;
import dev.ponder.schemas.avro.AnswerRecord;
import dev.ponder.schemas.avro.AnswerStatus;
import dev.ponder.schemas.avro.AnswerToolCall;
import dev.ponder.schemas.avro.ChatMessage;
import dev.ponder.schemas.avro.ReasoningRequest;
import dev.ponder.schemas.avro.ToolCall;
import dev.ponder.schemas.avro.ToolDefinition;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Tool calling through the whole Kafka path: request with tools -> store -> engine (the tiny model, prompts rendered
 * with QwQ-32B's real template, which lists the tools) -> answer record with the calls parsed. The tiny model only
 * does arithmetic, so a double at the engine seam ({@link ToolCallingModel}) plays a model that calls a tool: for
 * the scripted jobs it keeps the engine's real run (prompt, usage, timings) and replaces the answer text with QwQ's
 * tool-call output.
 */
class ToolCallPipelineTest {
    private static final Path QWQ_TEMPLATE = Path.of("../inference-core/src/test/resources/dev/ponder/core/chat/qwq-32b.jinja");
    private static final ToolDefinition WEATHER = new ToolDefinition("get_weather", "Current weather for a city.",
            "{\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}, \"required\": [\"city\"]}");
    private static final String WEATHER_CALL = ToolCallingModel.WEATHER_CALL;

    private static ReasoningRequest.Builder job(String id, String question) {
        return ReasoningRequest.newBuilder().setRequestId(id).setMaxTokens(48)
                .setMessages(List.of(new ChatMessage("user", question, null, null)));
    }

    @Test
    void aToolCallingAnswerComesBackWithParsedCallsAndBadCallsAreReported() throws Exception {
        TestSetup setup = new TestSetup("tools", 2);
        Map<String, String> scripted = Map.of(
                "call-ok", WEATHER_CALL,
                "call-unknown", "Launching.\n<tool_call>\n{\"name\": \"launch_rocket\", \"arguments\": {}}\n</tool_call>",
                "call-none", WEATHER_CALL);
        ToolCallingModel[] model = new ToolCallingModel[1];
        Map<String, String> settings = Map.of("engine.chat.template", QWQ_TEMPLATE.toString());
        try (PonderService service = PonderService.start(setup.config(settings),
                engine -> model[0] = new ToolCallingModel(engine, scripted));
             Results results = new Results(setup)) {
            List<ReasoningRequest> requests = List.of(
                    job("call-ok", "What is the weather in Zürich?").setTools(List.of(WEATHER)).build(),
                    job("call-unknown", "Launch a rocket.").setTools(List.of(WEATHER)).build(),
                    job("call-none", "What is the weather in Zürich?").setTools(List.of(WEATHER)).setToolChoice("none").build(),
                    // A follow-up with the call and its result in the history, answered by the real model.
                    job("follow-up", "").setMessages(List.of(
                            new ChatMessage("user", "What is the weather in Zürich?", null, null),
                            new ChatMessage("assistant", "", List.of(new ToolCall("call-ok-call-1", "get_weather",
                                    "{\"city\": \"Zürich\"}")), null),
                            new ChatMessage("tool", "{\"temperature\": 21}", null, "call-ok-call-1"),
                            new ChatMessage("user", "What is 47 + 38?", null, null))).build(),
                    job("bad-arguments", "").setMessages(List.of(
                            new ChatMessage("user", "Hi", null, null),
                            new ChatMessage("assistant", "", List.of(new ToolCall("c1", "get_weather", "{city: Zürich}")), null),
                            new ChatMessage("tool", "21", null, "c1"))).build(),
                    job("bad-choice", "Hi").setTools(List.of(WEATHER)).setToolChoice("get_time").build());
            Jobs.send(setup.requests, setup.registryUrl, requests);
            assertThat(results.awaitAnswers(requests.size(), Duration.ofMinutes(2))).isTrue();

            AnswerRecord ok = results.answer("call-ok");
            assertThat(ok.getStatus()).isEqualTo(AnswerStatus.OK);
            assertThat(ok.getFinishReason()).isEqualTo("tool_calls");
            assertThat(ok.getAnswer()).isEmpty();
            assertThat(ok.getToolCalls()).containsExactly(
                    new AnswerToolCall("call-ok-call-1", "get_weather", "{\"city\": \"Zürich\"}", null));
            assertThat(model[0].seen.get("call-ok").listedTools()).extracting(t -> t.name()).containsExactly("get_weather");

            AnswerRecord unknown = results.answer("call-unknown");
            assertThat(unknown.getStatus()).isEqualTo(AnswerStatus.ERROR);
            assertThat(unknown.getAnswer()).isEqualTo("Launching.");
            assertThat(unknown.getError()).contains("launch_rocket").contains("did not offer");
            assertThat(unknown.getToolCalls()).singleElement().satisfies(c -> {
                assertThat(c.getName()).isEqualTo("launch_rocket");
                assertThat(c.getError()).contains("did not offer");
            });

            AnswerRecord none = results.answer("call-none");
            assertThat(none.getStatus()).isEqualTo(AnswerStatus.OK);
            assertThat(none.getToolCalls()).as("tool_choice none: the answer is not parsed").isNull();
            assertThat(none.getAnswer()).isEqualTo(WEATHER_CALL);
            assertThat(none.getFinishReason()).isEqualTo("eos");
            assertThat(none.getUsage().getPromptTokens()).as("tool_choice none: the tools are not in the prompt")
                    .isLessThan(ok.getUsage().getPromptTokens() - 50);

            AnswerRecord followUp = results.answer("follow-up");
            assertThat(followUp.getStatus()).isIn(AnswerStatus.OK, AnswerStatus.LENGTH);
            assertThat(followUp.getToolCalls()).isNull();
            assertThat(model[0].seen.get("follow-up").messages()).extracting(m -> m.role())
                    .containsExactly("user", "assistant", "tool", "user");

            AnswerRecord badArguments = results.answer("bad-arguments");
            assertThat(badArguments.getStatus()).isEqualTo(AnswerStatus.INVALID);
            assertThat(badArguments.getError()).contains("message 1").contains("arguments of the call to 'get_weather'")
                    .contains("not valid JSON");
            AnswerRecord badChoice = results.answer("bad-choice");
            assertThat(badChoice.getStatus()).isEqualTo(AnswerStatus.INVALID);
            assertThat(badChoice.getError()).contains("get_time").contains("not among the request's tools");
            assertThat(model[0].seen).doesNotContainKeys("bad-arguments", "bad-choice");
        }
    }
}
