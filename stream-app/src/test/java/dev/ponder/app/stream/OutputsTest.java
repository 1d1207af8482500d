package dev.ponder.app.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.core.engine.FinishReason;
import dev.ponder.core.engine.GenerationResult;
import dev.ponder.schemas.avro.AnswerChoice;
import dev.ponder.schemas.avro.AnswerRecord;
import dev.ponder.schemas.avro.AnswerStatus;
import dev.ponder.schemas.avro.AnswerVote;
import dev.ponder.schemas.avro.ReasoningChain;
import dev.ponder.schemas.avro.ReasoningRequest;
import dev.ponder.schemas.avro.ToolDefinition;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How an engine result with tool calls in its answer becomes the answer record. */
class OutputsTest {
    private static final List<ToolDefinition> TOOLS = List.of(new ToolDefinition("get_weather", null,
            "{\"type\": \"object\"}"), new ToolDefinition("get_time", null, null));
    private static final String CALL = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}\n</tool_call>";

    private static AnswerRecord answer(ReasoningRequest request, String text, FinishReason reason) {
        GenerationResult result = new GenerationResult(request.getRequestId(), "thinking", text, reason,
                new GenerationResult.Usage(10, 0, 3, 5), new GenerationResult.Timings(1, 2, 3), new int[0], false, null);
        return Outputs.of(request, result, "tiny", 0, Instant.ofEpochMilli(100)).answer();
    }

    private static ReasoningRequest.Builder request(String id) {
        return ReasoningRequest.newBuilder().setRequestId(id).setPrompt("Weather in Oslo?").setTools(TOOLS);
    }

    @Test
    void callsAtTheEndOfATurnGiveFinishReasonToolCalls() {
        AnswerRecord a = answer(request("r1").build(), "Checking.\n" + CALL, FinishReason.STOP);
        assertThat(a.getStatus()).isEqualTo(AnswerStatus.OK);
        assertThat(a.getFinishReason()).isEqualTo("tool_calls");
        assertThat(a.getAnswer()).isEqualTo("Checking.");
        assertThat(a.getToolCalls()).singleElement().satisfies(c -> {
            assertThat(c.getId()).isEqualTo("r1-call-1");
            assertThat(c.getArguments()).isEqualTo("{\"city\": \"Oslo\"}");
            assertThat(c.getError()).isNull();
        });
    }

    @Test
    void aCallCutOffByTheTokenLimitIsKeptWithItsErrorAndTheStatusStaysLength() {
        AnswerRecord a = answer(request("r2").build(), CALL + "\n<tool_call>\n{\"name\": \"get_ti", FinishReason.LENGTH);
        assertThat(a.getStatus()).isEqualTo(AnswerStatus.LENGTH);
        assertThat(a.getFinishReason()).isEqualTo("length");
        assertThat(a.getToolCalls()).hasSize(2);
        assertThat(a.getToolCalls().get(0).getError()).isNull();
        assertThat(a.getToolCalls().get(1).getError()).contains("not closed");
        assertThat(a.getToolCalls().get(1).getArguments()).isEqualTo("{\"name\": \"get_ti");
    }

    @Test
    void aNamedToolChoiceMakesACallToAnotherToolAnError() {
        AnswerRecord a = answer(request("r3").setToolChoice("get_time").build(), CALL, FinishReason.STOP);
        assertThat(a.getStatus()).isEqualTo(AnswerStatus.ERROR);
        assertThat(a.getError()).contains("'get_weather'").contains("offered: get_time");
        assertThat(a.getFinishReason()).isEqualTo("tool_calls");
    }

    @Test
    void withoutToolsOrWithToolChoiceNoneTheAnswerIsText() {
        AnswerRecord none = answer(request("r4").setToolChoice("none").build(), CALL, FinishReason.STOP);
        AnswerRecord noTools = answer(request("r5").setTools(null).build(), CALL, FinishReason.STOP);
        for (AnswerRecord a : List.of(none, noTools)) {
            assertThat(a.getStatus()).isEqualTo(AnswerStatus.OK);
            assertThat(a.getAnswer()).isEqualTo(CALL);
            assertThat(a.getToolCalls()).isNull();
            assertThat(a.getFinishReason()).isEqualTo("eos");
        }
    }

    @Test
    void aJobOfSeveralSamplesCarriesEveryChainAndTheVote() {
        ReasoningRequest request = ReasoningRequest.newBuilder().setRequestId("n3").setPrompt("What is 2 + 2?").setN(3).build();
        List<GenerationResult.Choice> choices = List.of(
                new GenerationResult.Choice(0, "think a", "4", FinishReason.STOP, 7, 2, new int[0], false, null, null),
                new GenerationResult.Choice(1, "think b", "5", FinishReason.STOP, 9, 2, new int[0], false, null, null),
                new GenerationResult.Choice(2, "think c", null, FinishReason.REASONING_LENGTH, 20, 0, new int[0], false,
                        null, null));
        GenerationResult result = new GenerationResult("n3", "think a", "4", FinishReason.STOP,
                new GenerationResult.Usage(10, 0, 36, 4), new GenerationResult.Timings(1, 2, 3), new int[0], false, null,
                null, choices, new GenerationResult.Vote("4", 1, 2));
        Outputs out = Outputs.of(request, result, "tiny", 0, Instant.ofEpochMilli(100));
        AnswerRecord a = out.answer();
        assertThat(a.getAnswer()).isEqualTo("4");
        assertThat(a.getChoices()).extracting(AnswerChoice::getStatus)
                .containsExactly(AnswerStatus.OK, AnswerStatus.OK, AnswerStatus.LENGTH);
        assertThat(a.getChoices()).extracting(AnswerChoice::getFinishReason).containsExactly("eos", "eos", "length");
        assertThat(a.getChoices().get(2).getAnswer()).isNull();
        assertThat(a.getVote()).isEqualTo(new AnswerVote("4", 1, 2));
        assertThat(out.reasoning().getReasoning()).isEqualTo("think a");
        assertThat(out.reasoning().getChains()).extracting(ReasoningChain::getReasoning)
                .containsExactly("think a", "think b", "think c");
        assertThat(out.reasoning().getChains()).extracting(ReasoningChain::getReasoningTokens).containsExactly(7, 9, 20);
        // one chain: neither field
        AnswerRecord single = answer(request("one").build(), "The answer is 4.", FinishReason.STOP);
        assertThat(single.getChoices()).isNull();
        assertThat(single.getVote()).isNull();
    }
}
