package dev.ponder.core.engine;

import static dev.ponder.core.engine.EngineTest.SAMPLED;
import static dev.ponder.core.engine.EngineTest.requests;
import static dev.ponder.core.engine.EngineTest.run;
import static dev.ponder.core.engine.EngineTest.runAll;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ponder.core.bench.ArithmeticProblems;
import dev.ponder.core.bench.ArithmeticProblems.Problem;
import dev.ponder.core.constrain.AnswerConstraint;
import dev.ponder.core.constrain.AnswerGrammar;
import dev.ponder.core.sampling.SamplingParams;
import dev.ponder.core.testing.TestFiles;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Response formats end to end on the bundled tiny reasoner, which thinks, closes with {@code </think>} and
 * writes "The answer is N." unless held to a format.
 */
class ConstrainedAnswerEngineTest {
    static final AnswerConstraint ANSWER_OBJECT = new AnswerConstraint.JsonSchema("""
            {"type":"object","properties":{"answer":{"type":"integer"}},"required":["answer"],"additionalProperties":false}""");
    static final AnswerConstraint INTEGER = new AnswerConstraint.Regex("-?[0-9]+");
    static final AnswerConstraint BOUNDED_ANSWER_OBJECT = new AnswerConstraint.JsonSchema("""
            {"type":"object","properties":{"answer":{"type":"integer","minimum":-9999,"maximum":9999}},
             "required":["answer"],"additionalProperties":false}""");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Engine engine;

    @BeforeAll
    static void start() throws Exception {
        engine = Engine.open(TestFiles.bundledModel(), EngineConfig.defaults().withThreads(2).withMaxRunning(32));
    }

    @AfterAll
    static void stop() {
        engine.close();
    }

    static List<GenerationRequest> constrained(List<GenerationRequest> requests, AnswerConstraint format) {
        return requests.stream().map(r -> r.withId(r.id() + "-c").withResponseFormat(format)).toList();
    }

    /** The generated tokens up to and including {@code </think>}. */
    static int[] thought(GenerationResult r) {
        int close = engine.tokenizer().tokenId("</think>");
        int[] tokens = r.tokens();
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] == close) {
                return Arrays.copyOf(tokens, i + 1);
            }
        }
        return tokens;
    }

    /** Runs the problems free and constrained; checks every constrained answer and the unchanged thought. */
    private static int solveConstrained(List<Problem> problems, AnswerConstraint format, String prefix) throws Exception {
        List<GenerationRequest> free = requests(problems, SamplingParams.GREEDY, prefix);
        List<GenerationResult> freeResults = runAll(engine, free);
        List<GenerationResult> results = runAll(engine, constrained(free, format));
        int correct = 0;
        for (int i = 0; i < problems.size(); i++) {
            GenerationResult r = results.get(i);
            assertThat(r.finishReason()).as(r.requestId()).isEqualTo(FinishReason.STOP);
            assertThat(r.answerFormatOk()).as(r.requestId() + ": " + r.answer()).isTrue();
            assertThat(format.compile().matches(r.answer())).as(r.answer()).isTrue();
            assertThat(thought(r)).as("the thought of %s", r.requestId()).isEqualTo(thought(freeResults.get(i)));
            assertThat(r.reasoning()).isEqualTo(freeResults.get(i).reasoning());
            assertThat(freeResults.get(i).answerFormatOk()).isNull();
            if (numberIn(r.answer()) == problems.get(i).expected()) {
                correct++;
            }
        }
        return correct;
    }

    /** The number, or Long.MIN_VALUE for one too long to be any problem's answer (a run of digits cut at the limit). */
    private static long parse(String digits) {
        return digits.length() > 18 ? Long.MIN_VALUE : Long.parseLong(digits);
    }

    private static long numberIn(String answer) throws Exception {
        String text = answer.strip();
        if (text.startsWith("The answer is ")) {
            return parse(text.substring("The answer is ".length(), text.length() - 1));
        }
        if (text.startsWith("{")) {
            JsonNode node = JSON.readTree(text);
            return parse(node.get("answer").asText());
        }
        return parse(text);
    }

    /**
     * The unbounded {@code {"answer": integer}} and {@code -?[0-9]+}: the tiny reasoner, trained only to write
     * "The answer is N.", often does not choose to end a bare number (the end-of-turn token stays less likely than
     * another digit). Once the tokens left are just enough to end validly, the engine keeps only the tokens that
     * lead to an end, so every answer validates and ends (STOP) within the limit; how many are numerically right
     * is printed.
     */
    @Test
    void anUnboundedJsonIntegerAnswerAlwaysValidatesAndTheThoughtIsUnchanged() throws Exception {
        List<Problem> problems = ArithmeticProblems.generate(200, 20261209);
        int correct = solveConstrained(problems, ANSWER_OBJECT, "ujson");
        System.out.printf("tiny reasoner, 200 problems, greedy, JSON schema {answer: integer}: %d numerically correct%n",
                correct);
    }

    @Test
    void anUnboundedIntegerRegexAnswerAlwaysValidatesAndTheThoughtIsUnchanged() throws Exception {
        List<Problem> problems = ArithmeticProblems.generate(200, 20261210);
        int correct = solveConstrained(problems, INTEGER, "uint");
        System.out.printf("tiny reasoner, 200 problems, greedy, regex -?[0-9]+: %d numerically correct%n", correct);
    }

    @Test
    void anAnswerNearTheTokenLimitIsSteeredToItsShortestEnd() throws Exception {
        // the shortest valid answer, {"answer":0}, is 12 bytes: with the closing tag and the end of turn, 14 tokens
        // always suffice; at 16 and 24 the engine closes the thought itself, at 40 it still cuts the number short
        for (int limit : new int[] {14, 16, 24, 40}) {
            GenerationResult r = run(engine, GenerationRequest.of("near" + limit, null, "What is 48 + 75?",
                    SamplingParams.GREEDY, limit).withResponseFormat(ANSWER_OBJECT));
            assertThat(r.finishReason()).as("limit %d: %s", limit, r.answer()).isEqualTo(FinishReason.STOP);
            assertThat(r.answerFormatOk()).as("limit %d: %s", limit, r.answer()).isTrue();
            assertThat(r.usage().completionTokens()).isLessThanOrEqualTo(limit);
        }
    }

    @Test
    void aBoundedJsonSchemaAnswerAlwaysValidatesAndTheThoughtIsUnchanged() throws Exception {
        List<Problem> problems = ArithmeticProblems.generate(200, 20261206);
        int correct = solveConstrained(problems, BOUNDED_ANSWER_OBJECT, "json");
        System.out.printf("tiny reasoner, 200 problems, greedy, JSON schema {answer: integer in [-9999, 9999]}:"
                + " %d numerically correct%n", correct);
    }

    @Test
    void aBoundedRegexAnswerAlwaysValidatesAndTheThoughtIsUnchanged() throws Exception {
        List<Problem> problems = ArithmeticProblems.generate(200, 20261207);
        int correct = solveConstrained(problems, new AnswerConstraint.Regex("-?[0-9]{1,4}"), "re");
        System.out.printf("tiny reasoner, 200 problems, greedy, regex -?[0-9]{1,4}: %d numerically correct%n", correct);
    }

    @Test
    void aRegexOfTheModelsOwnSentenceKeepsItsAnswersRight() throws Exception {
        List<Problem> problems = ArithmeticProblems.generate(200, 20261208);
        int correct = solveConstrained(problems, new AnswerConstraint.Regex("The answer is (-?[0-9]+)\\."), "own");
        System.out.printf("tiny reasoner, 200 problems, greedy, regex 'The answer is (-?[0-9]+)\\.': %d numerically"
                + " correct%n", correct);
        assertThat(correct).isGreaterThanOrEqualTo(190); // as many as unconstrained (EngineTest)
    }

    @Test
    void aFormatTheModelWouldNotWriteIsStillObeyed() throws Exception {
        AnswerConstraint yesNo = new AnswerConstraint.Choice(List.of("yes", "no"));
        AnswerConstraint colour = new AnswerConstraint.JsonSchema("""
                {"type":"object","properties":{"colour":{"enum":["red","green"]}},"required":["colour"]}""");
        for (Problem p : ArithmeticProblems.generate(8, 11)) {
            GenerationResult choice = run(engine, GenerationRequest.of("yn" + p.prompt(), p.system(), p.prompt(),
                    SamplingParams.GREEDY, 256).withResponseFormat(yesNo));
            assertThat(choice.answer()).isIn("yes", "no");
            assertThat(choice.answerFormatOk()).isTrue();
            GenerationResult object = run(engine, GenerationRequest.of("col" + p.prompt(), p.system(), p.prompt(),
                    SamplingParams.GREEDY, 256).withResponseFormat(colour));
            assertThat(object.answer()).matches("\\{\"colour\": ?\"(red|green)\"\\}");
            assertThat(object.answerFormatOk()).isTrue();
        }
    }

    @Test
    void anUnsupportedSchemaFeatureIsInvalidAndNamed() throws Exception {
        GenerationResult ref = run(engine, GenerationRequest.of("ref", null, "What is 1 + 2?", SamplingParams.GREEDY, 64)
                .withResponseFormat(new AnswerConstraint.JsonSchema("{\"$ref\":\"#/definitions/answer\"}")));
        assertThat(ref.finishReason()).isEqualTo(FinishReason.INVALID);
        assertThat(ref.error()).startsWith("response_format: ").contains("'$ref'");
        assertThat(ref.answer()).isNull();
        GenerationResult regex = run(engine, GenerationRequest.of("badregex", null, "What is 1 + 2?", SamplingParams.GREEDY, 64)
                .withResponseFormat(new AnswerConstraint.Regex("(\\d+")));
        assertThat(regex.finishReason()).isEqualTo(FinishReason.INVALID);
        assertThat(regex.error()).startsWith("response_format: ");
        GenerationResult lookahead = run(engine, GenerationRequest.of("look", null, "What is 1 + 2?", SamplingParams.GREEDY, 64)
                .withResponseFormat(new AnswerConstraint.Regex("(?=1)\\d")));
        assertThat(lookahead.finishReason()).isEqualTo(FinishReason.INVALID);
        assertThat(lookahead.error()).contains("lookahead is not supported");
    }

    @Test
    void seededConstrainedOutputsAreTheSameAloneAndInABatch() throws Exception {
        List<GenerationRequest> batch = constrained(requests(ArithmeticProblems.generate(24, 99), SAMPLED, "sb"),
                BOUNDED_ANSWER_OBJECT);
        List<GenerationResult> together = runAll(engine, batch);
        for (GenerationResult r : together) {
            assertThat(r.answerFormatOk()).as(r.answer()).isTrue();
        }
        for (int i : new int[] {0, 11, 23}) {
            GenerationResult alone = run(engine, batch.get(i).withId("sb-alone" + i));
            assertThat(alone.tokens()).as("request %d alone vs in the batch", i).isEqualTo(together.get(i).tokens());
        }
    }

    @Test
    void theReasoningBudgetsForcedCloseStartsTheConstrainedAnswer() throws Exception {
        GenerationResult r = run(engine, GenerationRequest.of("budget", null, "What is 123 + 456?", SamplingParams.GREEDY, 128)
                .withMaxReasoningTokens(4).withResponseFormat(BOUNDED_ANSWER_OBJECT));
        assertThat(r.reasoningBudgetHit()).isTrue();
        assertThat(r.usage().reasoningTokens()).isEqualTo(5); // four thought tokens and the forced </think>
        assertThat(r.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(r.answerFormatOk()).as(r.answer()).isTrue();
    }

    @Test
    void anAnswerCutShortByTheTokenLimitIsNotFormatOk() throws Exception {
        GenerationResult r = run(engine, GenerationRequest.of("cut", null, "What is 5 + 6?", SamplingParams.GREEDY, 8)
                .withMaxReasoningTokens(3).withResponseFormat(new AnswerConstraint.Regex("[0-9]{30}")));
        assertThat(r.finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(r.answerFormatOk()).isFalse();
    }

    @Test
    void aCompiledGrammarIsSharedAndTheFirstMasksCostIsMeasured() throws Exception {
        AnswerGrammars grammars = new AnswerGrammars(engine.tokenizer(), OutputProcessor.endOfTurnIds(engine.tokenizer()));
        try {
            long start = System.nanoTime();
            AnswerGrammar first = grammars.grammarFor(ANSWER_OBJECT);
            long compiled = System.nanoTime();
            AnswerGrammar fresh = new AnswerGrammar(ANSWER_OBJECT.compile(), first.vocabulary());
            long compiledAgain = System.nanoTime();
            int states = fresh.precomputeNearStart(AnswerGrammars.PRECOMPUTED_STATES);
            long masks = System.nanoTime();
            System.out.printf("response format {answer: integer} on Qwen's vocabulary: vocabulary view and compile %.0f ms,"
                            + " compile alone %.1f ms, masks of its %d states %.0f ms (%.1f ms a state)%n",
                    (compiled - start) / 1e6, (compiledAgain - compiled) / 1e6, states, (masks - compiledAgain) / 1e6,
                    (masks - compiledAgain) / 1e6 / states);
            long closingStart = System.nanoTime();
            for (int state = 0; state < fresh.dfa().stateCount(); state++) {
                fresh.closingMask(state);
            }
            System.out.printf("closing masks (near the token limit) of the same %d states: %.1f ms%n", states,
                    (System.nanoTime() - closingStart) / 1e6);
            assertThat(grammars.grammarFor(new AnswerConstraint.JsonSchema(
                    ((AnswerConstraint.JsonSchema) ANSWER_OBJECT).schemaJson()))).isSameAs(first);
            assertThat(states).isEqualTo(fresh.dfa().stateCount());
        } finally {
            grammars.close();
        }
    }
}
