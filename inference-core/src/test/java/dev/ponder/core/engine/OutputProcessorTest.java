package dev.ponder.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.core.gguf.GgufFile;
import dev.ponder.core.reasoning.ReasoningTracker;
import dev.ponder.core.sampling.Sampler;
import dev.ponder.core.sampling.SamplingParams;
import dev.ponder.core.testing.TestFiles;
import dev.ponder.core.tokenizer.Tokenizer;
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
}
