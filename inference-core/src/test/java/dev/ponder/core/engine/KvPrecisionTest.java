package dev.ponder.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.core.bench.ArithmeticProblems;
import dev.ponder.core.bench.ArithmeticProblems.Problem;
import dev.ponder.core.model.KvCache;
import dev.ponder.core.sampling.SamplingParams;
import dev.ponder.core.testing.TestFiles;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The engine with an 8-bit (Q8_0) KV cache: the task still solved, outputs still batch-invariant. */
class KvPrecisionTest {

    @Test
    void anEightBitKvCacheSolvesTheTaskAndStaysBatchInvariant() throws Exception {
        Engine q8 = Engine.open(TestFiles.bundledModel(), EngineConfig.defaults().withThreads(2)
                .withKvPrecision(KvCache.Precision.Q8_0).withKv(16, 64L << 20));
        try {
            assertThat(q8.stats().kvBytesPerToken()).isEqualTo(544); // 2 x 4 layers x 64 values x 34 / 32 bytes
            List<Problem> problems = ArithmeticProblems.generate(200, 20261206);
            List<GenerationResult> greedy = EngineTest.runAll(q8, EngineTest.requests(problems, SamplingParams.GREEDY, "g"));
            int correct = 0;
            for (int i = 0; i < problems.size(); i++) {
                correct += problems.get(i).isCorrect(greedy.get(i).answer()) ? 1 : 0;
            }
            System.out.printf("tiny reasoner, Q8_0 KV, 200 problems at once, greedy: %d correct%n", correct);
            assertThat(correct).isGreaterThanOrEqualTo(199);

            // Seeded sampling: a request decoded among 20 others gives the tokens it gives alone.
            List<GenerationRequest> sampled = EngineTest.requests(ArithmeticProblems.generate(20, 7), EngineTest.SAMPLED, "s");
            List<GenerationResult> together = EngineTest.runAll(q8, sampled);
            for (int i : new int[] {0, 9, 19}) {
                GenerationResult alone = EngineTest.run(q8, sampled.get(i).withId("alone-" + i));
                assertThat(alone.tokens()).as("request %d", i).isEqualTo(together.get(i).tokens());
            }
        } finally {
            q8.close();
        }
    }
}
