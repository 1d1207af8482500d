package dev.ponder.app.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.app.config.EngineSettings;
import dev.ponder.app.config.JobSettings;
import dev.ponder.app.config.ServiceConfig;
import dev.ponder.core.constrain.AnswerConstraint;
import dev.ponder.core.engine.GenerationRequest;
import dev.ponder.schemas.avro.AnswerStatus;
import dev.ponder.schemas.avro.ReasoningRequest;
import dev.ponder.schemas.avro.ResponseFormat;
import dev.ponder.schemas.avro.SamplingOverrides;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RequestMapperTest {
    private final RequestMapper mapper = new RequestMapper(JobSettings.from(
            ServiceConfig.of(Map.of(), Map.of(), Map.of()), EngineSettings.from(ServiceConfig.of(Map.of(), Map.of(), Map.of()))));

    @Test
    void defaultsFillWhatTheRequestLeavesOutAndTheSeedFollowsTheId() {
        ReasoningRequest r = ReasoningRequest.newBuilder().setRequestId("a").setPrompt("What is 1 + 1?").setSystem("Be brief.")
                .setSampling(SamplingOverrides.newBuilder().setTopK(5).build()).build();
        GenerationRequest g = ((RequestMapper.Ready) mapper.map(r, Instant.now())).request();
        assertThat(g.messages()).hasSize(2);
        assertThat(g.messages().get(0).role()).isEqualTo("system");
        assertThat(g.maxTokens()).isEqualTo(4096);
        assertThat(g.sampling().topK()).isEqualTo(5);
        assertThat(g.sampling().temperature()).isEqualTo(0.6);
        GenerationRequest again = ((RequestMapper.Ready) mapper.map(r, Instant.now())).request();
        assertThat(again.sampling().seed()).as("a replay samples the same tokens").isEqualTo(g.sampling().seed());
        GenerationRequest other = ((RequestMapper.Ready) mapper.map(ReasoningRequest.newBuilder(r).setRequestId("b").build(),
                Instant.now())).request();
        assertThat(other.sampling().seed()).isNotEqualTo(g.sampling().seed());
    }

    @Test
    void anExplicitSeedWins() {
        ReasoningRequest r = ReasoningRequest.newBuilder().setRequestId("a").setPrompt("x")
                .setSampling(SamplingOverrides.newBuilder().setSeed(42L).build()).build();
        assertThat(((RequestMapper.Ready) mapper.map(r, Instant.now())).request().sampling().seed()).isEqualTo(42L);
    }

    @Test
    void emptyStopStringsAndNegativeBudgetsAreRejected() {
        ReasoningRequest stop = ReasoningRequest.newBuilder().setRequestId("a").setPrompt("x").setStop(java.util.List.of("")).build();
        assertThat(((RequestMapper.Rejected) mapper.map(stop, Instant.now())).message()).contains("stop strings");
        ReasoningRequest budget = ReasoningRequest.newBuilder().setRequestId("a").setPrompt("x").setMaxReasoningTokens(-1).build();
        assertThat(((RequestMapper.Rejected) mapper.map(budget, Instant.now())).message()).contains("max_reasoning_tokens");
    }

    @Test
    void nSamplesAreMappedAndOutsideOneToSixteenRejected() {
        ReasoningRequest five = ReasoningRequest.newBuilder().setRequestId("a").setPrompt("x").setN(5).build();
        assertThat(((RequestMapper.Ready) mapper.map(five, Instant.now())).request().samples()).isEqualTo(5);
        ReasoningRequest unset = ReasoningRequest.newBuilder().setRequestId("a").setPrompt("x").build();
        assertThat(((RequestMapper.Ready) mapper.map(unset, Instant.now())).request().samples()).isEqualTo(1);
        for (int n : new int[] {0, -1, 17}) {
            ReasoningRequest bad = ReasoningRequest.newBuilder().setRequestId("a").setPrompt("x").setN(n).build();
            assertThat(((RequestMapper.Rejected) mapper.map(bad, Instant.now())).message())
                    .isEqualTo("n must be 1 to 16, not " + n);
        }
    }

    @Test
    void aResponseFormatBecomesTheRequestsAnswerConstraint() {
        ReasoningRequest json = ReasoningRequest.newBuilder().setRequestId("a").setPrompt("x").setResponseFormat(
                ResponseFormat.newBuilder().setType("json_schema").setJsonSchema("{\"type\": \"integer\"}").build()).build();
        assertThat(((RequestMapper.Ready) mapper.map(json, Instant.now())).request().responseFormat())
                .isEqualTo(new AnswerConstraint.JsonSchema("{\"type\": \"integer\"}"));
        ReasoningRequest choice = ReasoningRequest.newBuilder().setRequestId("a").setPrompt("x").setResponseFormat(
                ResponseFormat.newBuilder().setType("choice").setChoices(List.of("yes", "no")).build()).build();
        assertThat(((RequestMapper.Ready) mapper.map(choice, Instant.now())).request().responseFormat())
                .isEqualTo(new AnswerConstraint.Choice(List.of("yes", "no")));
        ReasoningRequest none = ReasoningRequest.newBuilder().setRequestId("a").setPrompt("x").build();
        assertThat(((RequestMapper.Ready) mapper.map(none, Instant.now())).request().responseFormat()).isNull();
    }

    @Test
    void aResponseFormatTheServiceCannotHoldIsRejectedNamingWhy() {
        assertThat(rejection(ResponseFormat.newBuilder().setType("grammar").build()))
                .isEqualTo("response_format: unknown type 'grammar'; use json_schema, regex or choice");
        assertThat(rejection(ResponseFormat.newBuilder().setType("choice").setChoices(List.of()).build()))
                .isEqualTo("response_format: type choice needs a non-empty choices list");
        assertThat(rejection(ResponseFormat.newBuilder().setType("json_schema")
                .setJsonSchema("{\"type\": \"integer\", \"multipleOf\": 2}").build()))
                .startsWith("response_format: ").contains("'multipleOf'");
        assertThat(rejection(ResponseFormat.newBuilder().setType("regex").setRegex("(a)\\1").build()))
                .startsWith("response_format: ").contains("backreference");
    }

    private String rejection(ResponseFormat format) {
        ReasoningRequest r = ReasoningRequest.newBuilder().setRequestId("a").setPrompt("x").setResponseFormat(format).build();
        RequestMapper.Rejected rejected = (RequestMapper.Rejected) mapper.map(r, Instant.now());
        assertThat(rejected.status()).isEqualTo(AnswerStatus.INVALID);
        return rejected.message();
    }
}
