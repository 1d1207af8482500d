package dev.ponder.app.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ponder.app.testing.Jobs;
import dev.ponder.app.testing.Results;
import dev.ponder.app.testing.TestSetup;
import dev.ponder.schemas.avro.AnswerChoice;
import dev.ponder.schemas.avro.AnswerRecord;
import dev.ponder.schemas.avro.AnswerStatus;
import dev.ponder.schemas.avro.ReasoningChain;
import dev.ponder.schemas.avro.ReasoningRecord;
import dev.ponder.schemas.avro.ReasoningRequest;
import dev.ponder.schemas.avro.ResponseFormat;
import dev.ponder.schemas.avro.SamplingOverrides;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Response formats through the whole Kafka path: a request with {@code response_format} -> store -> the engine on the
 * tiny model, which thinks freely and then can only write what the format allows -> an answer record with
 * {@code answer_format_ok}. A format the service cannot hold is answered INVALID, naming what it lacks.
 */
class ResponseFormatPipelineTest {
    private static final String ANSWER_SCHEMA = """
            {"type": "object", "properties": {"answer": {"type": "integer", "minimum": 0, "maximum": 9999}},
             "required": ["answer"], "additionalProperties": false}""";

    private static ReasoningRequest.Builder job(String id, String question) {
        return ReasoningRequest.newBuilder().setRequestId(id).setPrompt(question).setMaxTokens(200);
    }

    private static ResponseFormat format(String type, String schema, String regex, List<String> choices) {
        return ResponseFormat.newBuilder().setType(type).setJsonSchema(schema).setRegex(regex).setChoices(choices).build();
    }

    @Test
    void aFormattedJobIsAnsweredInItsFormatAndAnUnsupportedOneIsInvalid() throws Exception {
        TestSetup setup = new TestSetup("formats", 2);
        try (PonderService service = PonderService.start(setup.config(Map.of()));
             Results results = new Results(setup)) {
            List<ReasoningRequest> requests = List.of(
                    job("json", "What is 47 + 38?").setResponseFormat(format("json_schema", ANSWER_SCHEMA, null, null)).build(),
                    job("sentence", "Compute 120 - 45.").setResponseFormat(
                            format("regex", null, "The answer is [0-9]+\\.", null)).build(),
                    job("yes-no", "What is 2 + 2?").setResponseFormat(format("choice", null, null, List.of("yes", "no"))).build(),
                    job("free", "What is 3 + 4?").build(),
                    job("ref", "What is 1 + 1?").setResponseFormat(
                            format("json_schema", "{\"$ref\": \"#/definitions/a\"}", null, null)).build(),
                    job("bad-regex", "What is 1 + 1?").setResponseFormat(format("regex", null, "(\\d+", null)).build(),
                    job("no-schema", "What is 1 + 1?").setResponseFormat(format("json_schema", null, null, null)).build(),
                    job("vote", "What is 318 + 407?").setN(5).setResponseFormat(
                            format("regex", null, "The answer is -?[0-9]+\\.", null)).setSampling(SamplingOverrides
                            .newBuilder().setTemperature(1.6f).setTopK(0).setTopP(1f).setSeed(8L).build()).build(),
                    job("too-many", "What is 1 + 1?").setN(17).build());
            Jobs.send(setup.requests, setup.registryUrl, requests);
            assertThat(results.awaitAnswers(requests.size(), Duration.ofMinutes(2))).isTrue();

            AnswerRecord json = results.answer("json");
            assertThat(json.getStatus()).isEqualTo(AnswerStatus.OK);
            assertThat(json.getAnswerFormatOk()).isTrue();
            assertThat(new ObjectMapper().readTree(json.getAnswer()).get("answer").isInt()).as(json.getAnswer()).isTrue();

            AnswerRecord sentence = results.answer("sentence");
            assertThat(sentence.getAnswer()).isEqualTo("The answer is 75.");
            assertThat(sentence.getAnswerFormatOk()).isTrue();

            AnswerRecord yesNo = results.answer("yes-no");
            assertThat(yesNo.getAnswer()).isIn("yes", "no");
            assertThat(yesNo.getAnswerFormatOk()).isTrue();

            AnswerRecord free = results.answer("free");
            assertThat(free.getAnswer()).isEqualTo("The answer is 7.");
            assertThat(free.getAnswerFormatOk()).as("no format asked").isNull();

            AnswerRecord ref = results.answer("ref");
            assertThat(ref.getStatus()).isEqualTo(AnswerStatus.INVALID);
            assertThat(ref.getError()).startsWith("response_format: ").contains("'$ref'");
            assertThat(ref.getAnswerFormatOk()).isNull();
            assertThat(results.answer("bad-regex").getStatus()).isEqualTo(AnswerStatus.INVALID);
            assertThat(results.answer("bad-regex").getError()).startsWith("response_format: ");
            assertThat(results.answer("no-schema").getError())
                    .isEqualTo("response_format: type json_schema needs the field json_schema");

            // five chains from one prompt: each answer in the format, the vote, and every chain's reasoning
            AnswerRecord vote = results.answer("vote");
            assertThat(vote.getStatus()).isEqualTo(AnswerStatus.OK);
            assertThat(vote.getChoices()).hasSize(5);
            assertThat(vote.getChoices()).extracting(AnswerChoice::getIndex).containsExactly(0, 1, 2, 3, 4);
            assertThat(vote.getChoices()).allSatisfy(c -> {
                assertThat(c.getAnswer()).matches("The answer is -?[0-9]+\\.");
                assertThat(c.getAnswerFormatOk()).isTrue();
                assertThat(c.getFinishReason()).isEqualTo("eos");
            });
            assertThat(vote.getVote().getCounted()).isEqualTo(5);
            assertThat(vote.getVote().getCount()).isGreaterThanOrEqualTo(2);
            assertThat(vote.getAnswer()).isEqualTo(vote.getVote().getAnswer());
            assertThat(vote.getUsage().getReasoningTokens())
                    .isEqualTo(vote.getChoices().stream().mapToInt(AnswerChoice::getReasoningTokens).sum());
            ReasoningRecord chains = results.reasoning.stream().map(o -> o.value())
                    .filter(r -> r.getRequestId().equals("vote")).findFirst().orElseThrow();
            assertThat(chains.getChains()).hasSize(5);
            assertThat(chains.getChains()).extracting(ReasoningChain::getReasoning).allSatisfy(t -> assertThat(t).isNotBlank());
            assertThat(chains.getChains()).extracting(ReasoningChain::getReasoning).contains(chains.getReasoning());
            assertThat(results.answer("too-many").getStatus()).isEqualTo(AnswerStatus.INVALID);
            assertThat(results.answer("too-many").getError()).isEqualTo("n must be 1 to 16, not 17");
        }
    }
}
