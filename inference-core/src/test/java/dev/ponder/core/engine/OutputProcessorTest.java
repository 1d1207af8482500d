package dev.ponder.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.core.constrain.AnswerConstraint;
import dev.ponder.core.constrain.AnswerGrammar;
import dev.ponder.core.gguf.GgufFile;
import dev.ponder.core.reasoning.ReasoningTracker;
import dev.ponder.core.sampling.Sampler;
import dev.ponder.core.sampling.SamplingParams;
import dev.ponder.core.testing.TestFiles;
import dev.ponder.core.tokenizer.Tokenizer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The output stage on the bundled model's tokenizer, with logits rows made by hand: greedy sampling picks the
 * token the row favours, so each test writes the generation it needs.
 */
class OutputProcessorTest {
    private static Tokenizer tokenizer;
    private static int thinkClose;
    private static int endOfTurn;

    @BeforeAll
    static void loadTokenizer() throws Exception {
        try (GgufFile file = GgufFile.open(TestFiles.bundledModel())) {
            tokenizer = Tokenizer.fromGguf(file.metadata());
        }
        thinkClose = tokenizer.tokenId("</think>");
        endOfTurn = tokenizer.tokenId("<|im_end|>");
    }

    /** A processor whose repetition guard ends spans of up to 4 tokens repeated over 12. */
    static OutputProcessor processor(int maxRepeatedSpan) {
        return new OutputProcessor(tokenizer.vocabSize(), 4096, OutputProcessor.endOfTurnIds(tokenizer), thinkClose,
                new RepetitionGuard(maxRepeatedSpan, 12));
    }

    /** A request whose prompt opened the thought (as QwQ's template does), sampled greedily. */
    static Sequence thinking(int maxTokens) {
        GenerationRequest request = GenerationRequest.of("r", null, "loop", SamplingParams.GREEDY, maxTokens);
        return new Sequence(request, tokenizer.encode("<think>\n", true), true, new Sampler(request.sampling()),
                new ReasoningTracker(tokenizer.tokenId("<think>"), thinkClose, true), tokenizer.streamingDecoder(),
                new CompletableFuture<>());
    }

    /** A logits row in which {@code token} wins. */
    static float[] favouring(int token) {
        float[] row = new float[tokenizer.vocabSize()];
        row[token] = 10;
        return row;
    }

    @Test
    void aThoughtStuckInALoopEndsWithRepetitionAndNoAnswer() {
        OutputProcessor outputs = processor(4);
        Sequence seq = thinking(1000);
        int[] span = tokenizer.encode(" and so on");
        assertThat(span).hasSizeBetween(2, 4);
        FinishReason reason = null;
        int fed = 0;
        while (reason == null && fed < 100) {
            reason = outputs.onLogits(seq, favouring(span[fed % span.length]), 0);
            fed++;
        }
        assertThat(reason).isEqualTo(FinishReason.REPETITION);
        assertThat(fed).as("stopped as soon as the repeated tail covered 12 tokens").isEqualTo(12);
        GenerationResult result = outputs.result(seq, reason, null);
        assertThat(result.answer()).as("still thinking: no answer").isNull();
        assertThat(result.reasoning()).contains(" and so on and so on");
        assertThat(result.tokens()).hasSize(12);
    }

    @Test
    void withTheGuardOffTheSameLoopRunsToTheLengthLimit() {
        OutputProcessor outputs = processor(0);
        Sequence seq = thinking(30);
        FinishReason reason = null;
        int fed = 0;
        while (reason == null) {
            reason = outputs.onLogits(seq, favouring(tokenizer.encode(" so")[0]), 0);
            fed++;
        }
        assertThat(reason).isEqualTo(FinishReason.REASONING_LENGTH);
        assertThat(fed).isEqualTo(30);
    }

    @Test
    void theEndOfTurnStopsWithoutBeingAppendedAndTheAnswerIsSplitOff() {
        OutputProcessor outputs = processor(4);
        Sequence seq = thinking(100);
        for (int token : tokenizer.encode("1 + 1 = 2.</think>The answer is 2.", true)) {
            assertThat(outputs.onLogits(seq, favouring(token), 0)).isNull();
        }
        assertThat(outputs.onLogits(seq, favouring(endOfTurn), 0)).isEqualTo(FinishReason.STOP);
        GenerationResult result = outputs.result(seq, FinishReason.STOP, null);
        assertThat(result.reasoning()).isEqualTo("1 + 1 = 2.");
        assertThat(result.answer()).isEqualTo("The answer is 2.");
        assertThat(result.tokens()).doesNotContain(endOfTurn);
    }

    /** A request held to answering yes or no, whose prompt did not open a thought (the model may open its own). */
    static Sequence yesOrNo(AnswerGrammar grammar) {
        GenerationRequest request = GenerationRequest.of("yn", null, "Is it?", SamplingParams.GREEDY, 100)
                .withResponseFormat(new AnswerConstraint.Choice(List.of("yes", "no")));
        return new Sequence(request, tokenizer.encode("Is it?", true), false, new Sampler(request.sampling()),
                new ReasoningTracker(tokenizer.tokenId("<think>"), thinkClose, false), tokenizer.streamingDecoder(),
                new CompletableFuture<>(), grammar);
    }

    static AnswerGrammar yesOrNoGrammar() {
        try (AnswerGrammars grammars = new AnswerGrammars(tokenizer, OutputProcessor.endOfTurnIds(tokenizer))) {
            return grammars.grammarFor(new AnswerConstraint.Choice(List.of("yes", "no")));
        }
    }

    static OutputProcessor constrainedProcessor() {
        return new OutputProcessor(tokenizer.vocabSize(), 4096, OutputProcessor.endOfTurnIds(tokenizer),
                tokenizer.tokenId("<think>"), thinkClose, new RepetitionGuard(0, 12));
    }

    @Test
    void aHeldAnswerTakesOnlyAllowedTokensAndItsTurnEndsWhenNothingMayFollow() {
        OutputProcessor outputs = constrainedProcessor();
        Sequence seq = yesOrNo(yesOrNoGrammar());
        int the = tokenizer.encode("The")[0];
        assertThat(outputs.onLogits(seq, favouring(the), 0)).isNull();
        int first = seq.tokens[seq.size - 1];
        assertThat(first).as("'The' is not allowed; greedy takes the best allowed token").isNotEqualTo(the);
        FinishReason reason = null;
        int steps = 1;
        while (reason == null && steps < 10) {
            reason = outputs.onLogits(seq, favouring(the), 0);
            steps++;
        }
        assertThat(reason).isEqualTo(FinishReason.STOP);
        GenerationResult result = outputs.result(seq, reason, null);
        assertThat(result.answer()).isIn("yes", "no");
        assertThat(result.answerFormatOk()).isTrue();
        assertThat(seq.answer.hasEnded()).as("the end of turn was forced once the answer was whole").isTrue();
    }

    @Test
    void aModelMayStillOpenItsOwnThoughtAndIsHeldOnlyAfterIt() {
        OutputProcessor outputs = constrainedProcessor();
        Sequence seq = yesOrNo(yesOrNoGrammar());
        int think = tokenizer.tokenId("<think>");
        assertThat(outputs.onLogits(seq, favouring(think), 0)).isNull();
        assertThat(seq.reasoning.phase()).isEqualTo(ReasoningTracker.Phase.THINKING);
        int start = seq.answer.state();
        for (int token : tokenizer.encode("Maybe.")) {
            assertThat(outputs.onLogits(seq, favouring(token), 0)).isNull();
        }
        assertThat(seq.answer.state()).as("free while thinking").isEqualTo(start);
        assertThat(outputs.onLogits(seq, favouring(thinkClose), 0)).isNull();
        int no = tokenizer.encode("no")[0];
        FinishReason reason = null;
        while (reason == null) {
            reason = outputs.onLogits(seq, favouring(no), 0);
        }
        GenerationResult result = outputs.result(seq, reason, null);
        assertThat(result.reasoning()).isEqualTo("Maybe.");
        assertThat(result.answer()).isEqualTo("no");
        assertThat(result.answerFormatOk()).isTrue();
    }
}
