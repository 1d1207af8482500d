package dev.ponder.schemas.testing;

import dev.ponder.schemas.avro.AnswerRecord;
import dev.ponder.schemas.avro.AnswerStatus;
import dev.ponder.schemas.avro.AnswerToolCall;
import dev.ponder.schemas.avro.ChatMessage;
import dev.ponder.schemas.avro.ReasoningRecord;
import dev.ponder.schemas.avro.ReasoningRequest;
import dev.ponder.schemas.avro.SamplingOverrides;
import dev.ponder.schemas.avro.Timings;
import dev.ponder.schemas.avro.ToolCall;
import dev.ponder.schemas.avro.ToolDefinition;
import dev.ponder.schemas.avro.Usage;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Fully populated records of the three topics, for round trips. */
public final class Samples {
    private Samples() {
    }

    public static ReasoningRequest request(String id) {
        return ReasoningRequest.newBuilder()
                .setRequestId(id)
                .setMessages(List.of(
                        new ChatMessage("user", "How many r's are in \"strawberry\"?", null, null),
                        new ChatMessage("assistant", "Let me count.", List.of(
                                new ToolCall("call-1", "count_letters", "{\"word\": \"strawberry\", \"letter\": \"r\"}")), null),
                        new ChatMessage("tool", "3", null, "call-1"),
                        new ChatMessage("user", "Go on — ünïcödé ✓ 数", null, null)))
                .setTools(List.of(new ToolDefinition("count_letters", "Counts a letter in a word.",
                        "{\"type\": \"object\", \"properties\": {\"word\": {\"type\": \"string\"}, "
                                + "\"letter\": {\"type\": \"string\"}}, \"required\": [\"word\", \"letter\"]}")))
                .setToolChoice("auto")
                .setSystem("You are a careful assistant.")
                .setSampling(SamplingOverrides.newBuilder()
                        .setTemperature(0.6f).setTopP(0.95f).setTopK(40).setMinP(0.05f)
                        .setPresencePenalty(0.1f).setFrequencyPenalty(0.2f).setRepetitionPenalty(1.05f)
                        .setSeed(-42L).build())
                .setMaxTokens(4096)
                .setMaxReasoningTokens(3000)
                .setStop(List.of("</answer>", "\n\n\n"))
                .setCacheSalt("tenant-7")
                .setDeadline(Instant.parse("2026-03-01T12:34:56.789Z"))
                .setMetadata(Map.of("batch", "b-17", "user", "alice"))
                .build();
    }

    /** The smallest valid request: an id and a prompt, everything else defaulted. */
    public static ReasoningRequest minimalRequest(String id) {
        return ReasoningRequest.newBuilder().setRequestId(id).setPrompt("What is 2+2?").build();
    }

    public static ReasoningRecord reasoning(String id) {
        return ReasoningRecord.newBuilder()
                .setRequestId(id)
                .setReasoning("s-t-r-a-w-b-e-r-r-y: r at 3, 8, 9. Three.")
                .setReasoningTokens(27)
                .setModel("QwQ-32B-Q4_K_M")
                .setMetadata(Map.of("batch", "b-17"))
                .build();
    }

    public static AnswerRecord answer(String id) {
        return AnswerRecord.newBuilder()
                .setRequestId(id)
                .setStatus(AnswerStatus.OK)
                .setAnswer("There are three r's.")
                .setFinishReason("eos")
                .setUsage(new Usage(52, 48, 27, 8))
                .setTimings(new Timings(12L, 40L, 900L, 952L))
                .setModel("QwQ-32B-Q4_K_M")
                .setError(null)
                .setCompletedAt(Instant.parse("2026-03-01T12:00:01.002Z"))
                .setMetadata(Map.of("batch", "b-17"))
                .build();
    }

    /** An answer that calls a tool (finish reason tool_calls). */
    public static AnswerRecord toolCallAnswer(String id) {
        AnswerRecord answer = answer(id);
        answer.setAnswer("");
        answer.setFinishReason("tool_calls");
        answer.setToolCalls(List.of(new AnswerToolCall(id + "-call-1", "count_letters",
                "{\"word\": \"strawberry\", \"letter\": \"r\"}", null)));
        return answer;
    }

    public static AnswerRecord failedAnswer(String id) {
        return AnswerRecord.newBuilder()
                .setRequestId(id)
                .setStatus(AnswerStatus.INVALID)
                .setUsage(new Usage(0, 0, 0, 0))
                .setTimings(new Timings(0L, 0L, 0L, 0L))
                .setModel("QwQ-32B-Q4_K_M")
                .setError("request has neither messages nor prompt")
                .build();
    }
}
