package dev.ponder.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.core.bench.ArithmeticProblems;
import dev.ponder.core.bench.ArithmeticProblems.Problem;
import dev.ponder.core.model.KvCache;
import dev.ponder.core.sampling.SamplingParams;
import dev.ponder.core.testing.TestFiles;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The engine end to end on the bundled tiny reasoner. */
class EngineTest {
    static final SamplingParams SAMPLED = new SamplingParams(0.6, 40, 0.95, 0, 1, 0, 0, 0);
    private static Engine engine;

    @BeforeAll
    static void start() throws Exception {
        engine = Engine.open(TestFiles.bundledModel(), EngineConfig.defaults().withThreads(2).withMaxRunning(32));
    }

    @AfterAll
    static void stop() {
        engine.close();
    }

    static GenerationResult run(Engine e, GenerationRequest r) throws Exception {
        return e.submit(r).get(120, TimeUnit.SECONDS);
    }

    static List<GenerationResult> runAll(Engine e, List<GenerationRequest> requests) throws Exception {
        List<CompletableFuture<GenerationResult>> futures = new ArrayList<>();
        for (GenerationRequest r : requests) {
            futures.add(e.submit(r));
        }
        List<GenerationResult> results = new ArrayList<>();
        for (CompletableFuture<GenerationResult> f : futures) {
            results.add(f.get(300, TimeUnit.SECONDS));
        }
        return results;
    }

    static List<GenerationRequest> requests(List<Problem> problems, SamplingParams sampling, String prefix) {
        List<GenerationRequest> out = new ArrayList<>();
        for (int i = 0; i < problems.size(); i++) {
            Problem p = problems.get(i);
            out.add(GenerationRequest.of(prefix + i, p.system(), p.prompt(), sampling.withSeed(1000 + i), 256));
        }
        return out;
    }

    @Test
    void solvesTwoHundredFreshProblemsSubmittedAtOnce() throws Exception {
        List<Problem> problems = ArithmeticProblems.generate(200, 20261125);
        List<GenerationResult> results = runAll(engine, requests(problems, SamplingParams.GREEDY, "p"));
        int correct = 0;
        for (int i = 0; i < problems.size(); i++) {
            GenerationResult r = results.get(i);
            assertThat(r.requestId()).isEqualTo("p" + i);
            assertThat(r.finishReason()).as(r.requestId()).isEqualTo(FinishReason.STOP);
            if (problems.get(i).isCorrect(r.answer())) {
                correct++;
            }
        }
        System.out.printf("tiny reasoner, 200 problems at once, greedy: %d correct%n", correct);
        assertThat(correct).isGreaterThanOrEqualTo(190);
        assertThat(engine.stats().prefixCacheHitRate()).isGreaterThan(0); // the shared system prompt was reused
    }

    @Test
    void theResultSplitsReasoningFromAnswerWithUsage() throws Exception {
        GenerationResult r = run(engine, GenerationRequest.of("split", null, "What is 47 + 38?", SamplingParams.GREEDY, 256));
        assertThat(r.reasoning()).startsWith("We need 47 + 38.").endsWith("So 47 + 38 = 85.");
        assertThat(r.answer()).isEqualTo("The answer is 85.");
        assertThat(r.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(r.usage().promptTokens()).isEqualTo(20);
        assertThat(r.usage().reasoningTokens()).isGreaterThan(10);
        assertThat(r.usage().answerTokens()).isGreaterThan(3);
        assertThat(r.usage().completionTokens()).isEqualTo(r.tokens().length);
        assertThat(r.timings().totalMs()).isPositive();
    }

    @Test
    void sampledOutputsAreTheSameAloneAndInABatchOf32() throws Exception {
        List<Problem> problems = ArithmeticProblems.generate(32, 77);
        List<GenerationRequest> batch = requests(problems, SAMPLED, "b");
        List<GenerationResult> together = runAll(engine, batch);
        for (int i : new int[] {0, 13, 31}) {
            GenerationResult alone = run(engine, batch.get(i).withId("alone" + i));
            assertThat(alone.tokens()).as("request %d alone vs in the batch", i).isEqualTo(together.get(i).tokens());
        }
        // and in another order, mixed with different requests
        List<GenerationRequest> shuffled = new ArrayList<>(requests(ArithmeticProblems.generate(16, 5), SAMPLED, "x"));
        shuffled.add(7, batch.get(20).withId("moved20"));
        List<GenerationResult> again = runAll(engine, shuffled);
        assertThat(again.get(7).tokens()).isEqualTo(together.get(20).tokens());
    }

    @Test
    void aPrefixCacheHitGivesTheSameTokensAsACold() throws Exception {
        Engine fresh = Engine.open(TestFiles.bundledModel(), EngineConfig.defaults().withThreads(2));
        try {
            String system = ArithmeticProblems.SYSTEM_PROMPT + " Be brief and exact in every step you take.";
            GenerationRequest cold = GenerationRequest.of("cold", system, "Compute 512 - 77.", SAMPLED.withSeed(9), 256);
            GenerationResult first = run(fresh, cold);
            GenerationResult second = run(fresh, cold.withId("warm"));
            assertThat(first.usage().cachedPromptTokens()).isZero();
            assertThat(second.usage().cachedPromptTokens()).isPositive().isEqualTo(
                    (first.usage().promptTokens() - 1) / 16 * 16);
            assertThat(second.tokens()).isEqualTo(first.tokens());
            GenerationResult salted = run(fresh, cold.withId("salted").withCacheSalt("tenant-b"));
            assertThat(salted.usage().cachedPromptTokens()).isZero();
            assertThat(salted.tokens()).isEqualTo(first.tokens());
        } finally {
            fresh.close();
        }
    }

    @Test
    void preemptionUnderATinyKvBudgetChangesNoOutput() throws Exception {
        List<Problem> problems = ArithmeticProblems.generate(12, 4242);
        List<GenerationRequest> reqs = requests(problems, SAMPLED, "k");
        List<GenerationResult> roomy = runAll(engine, reqs);
        // 24 blocks of 16 tokens: far less than 12 sequences of ~90 tokens need at once.
        long kvBytesPerBlock = 16L * engine.stats().kvBytesPerToken();
        Engine tight = Engine.open(TestFiles.bundledModel(),
                EngineConfig.defaults().withThreads(2).withKv(16, 24 * kvBytesPerBlock));
        try {
            List<GenerationResult> squeezed = runAll(tight, reqs);
            for (int i = 0; i < reqs.size(); i++) {
                assertThat(squeezed.get(i).tokens()).as("request %d", i).isEqualTo(roomy.get(i).tokens());
            }
            assertThat(tight.stats().preemptions()).isPositive();
            assertThat(tight.stats().kvBlocksUsed()).isZero();
        } finally {
            tight.close();
        }
    }

    /**
     * Reasoning-shaped pressure: 16 requests share a long system prompt and generate to their end, with room in
     * the KV cache for a fraction of them at full depth. KV, not the step budget, limits the batch: every request
     * finishes, preempted ones recompute (their shared prefix from the cache) and give the same tokens.
     */
    @Test
    void sixteenLongGenerationsUnderATightKvBudgetAllFinishWithTheSameTokens() throws Exception {
        String system = (ArithmeticProblems.SYSTEM_PROMPT + " ").repeat(6);
        List<Problem> problems = ArithmeticProblems.generate(16, 1812);
        List<GenerationRequest> reqs = new ArrayList<>();
        for (int i = 0; i < problems.size(); i++) {
            reqs.add(GenerationRequest.of("deep" + i, system, problems.get(i).prompt(), SAMPLED.withSeed(300 + i), 512));
        }
        List<GenerationResult> roomy = runAll(engine, reqs);
        int deepest = roomy.stream().mapToInt(r -> r.usage().promptTokens() + r.usage().completionTokens()).max()
                .orElseThrow();
        // Room for about four sequences at their full depth.
        int blocks = 4 * ((deepest + 15) / 16);
        Engine tight = Engine.open(TestFiles.bundledModel(), EngineConfig.defaults().withThreads(2)
                .withKv(16, blocks * 16L * engine.stats().kvBytesPerToken()));
        try {
            List<GenerationResult> squeezed = runAll(tight, reqs);
            for (int i = 0; i < reqs.size(); i++) {
                assertThat(squeezed.get(i).finishReason()).as("request %d", i).isEqualTo(roomy.get(i).finishReason());
                assertThat(squeezed.get(i).tokens()).as("request %d", i).isEqualTo(roomy.get(i).tokens());
            }
            assertThat(tight.stats().preemptions()).as("KV limited the batch").isPositive();
            assertThat(tight.stats().kvBlocksUsed()).isZero();
        } finally {
            tight.close();
        }
    }

    @Test
    void fullPrecisionKvStillSolvesTheTaskAndStaysBatchInvariant() throws Exception {
        assertThat(engine.stats().kvBytesPerToken()).as("F16 by default").isEqualTo(1024); // 2 x 4 layers x 64 x 2 bytes
        Engine half = Engine.open(TestFiles.bundledModel(), EngineConfig.defaults().withThreads(2)
                .withKvPrecision(KvCache.Precision.F32).withKv(16, 64L << 20));
        try {
            assertThat(half.stats().kvBytesPerToken()).isEqualTo(2048); // 2 x 4 layers x 64 x 4 bytes
            List<Problem> problems = ArithmeticProblems.generate(20, 99);
            List<GenerationRequest> reqs = requests(problems, SAMPLED, "h");
            List<GenerationResult> together = runAll(half, reqs);
            int correct = 0;
            for (int i = 0; i < problems.size(); i++) {
                correct += problems.get(i).isCorrect(together.get(i).answer()) ? 1 : 0;
            }
            assertThat(correct).isGreaterThanOrEqualTo(19);
            GenerationResult alone = run(half, reqs.get(5).withId("h5-alone"));
            assertThat(alone.tokens()).isEqualTo(together.get(5).tokens());
        } finally {
            half.close();
        }
    }

    @Test
    void theReasoningBudgetClosesTheThoughtAndTheModelAnswers() throws Exception {
        GenerationRequest plain = GenerationRequest.of("free", null, "What is 123 + 456?", SamplingParams.GREEDY, 256);
        GenerationResult free = run(engine, plain);
        GenerationResult result = run(engine, plain.withId("budget").withMaxReasoningTokens(8));
        int thinkClose = engine.tokenizer().tokenId("</think>");
        assertThat(result.reasoningBudgetHit()).isTrue();
        assertThat(free.reasoningBudgetHit()).isFalse();
        assertThat(result.usage().reasoningTokens()).isEqualTo(9); // 8 thought tokens and the forced </think>
        assertThat(result.tokens()[8]).isEqualTo(thinkClose);
        assertThat(java.util.Arrays.copyOf(result.tokens(), 8)).isEqualTo(java.util.Arrays.copyOf(free.tokens(), 8));
        assertThat(result.reasoning()).isEqualTo(engine.tokenizer().decode(java.util.Arrays.copyOf(free.tokens(), 8)));
        // The tiny model never saw a cut-short thought in training: it carries on in its answer, which ends the turn.
        assertThat(result.answer()).isNotEmpty().endsWith("The answer is 579.");
        assertThat(result.finishReason()).isEqualTo(FinishReason.STOP);
    }

    @Test
    void lengthLimitsSayWhetherThereIsAnAnswer() throws Exception {
        GenerationResult thinking = run(engine, GenerationRequest.of("short", null, "What is 47 + 38?", SamplingParams.GREEDY, 5));
        assertThat(thinking.finishReason()).isEqualTo(FinishReason.REASONING_LENGTH);
        assertThat(thinking.answer()).isNull();
        assertThat(thinking.tokens()).hasSize(5);
        assertThat(thinking.reasoning()).startsWith("We need");
    }

    @Test
    void stopStringsEndTheAnswer() throws Exception {
        GenerationResult r = run(engine, GenerationRequest.of("stop", null, "What is 47 + 38?", SamplingParams.GREEDY, 256)
                .withStop(List.of(" is")));
        assertThat(r.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(r.answer()).isEqualTo("The answer");
        assertThat(r.reasoning()).contains("47 + 38 = 85"); // " is" inside the thought does not stop it
    }

    @Test
    void invalidRequestsFailAloneWithAClearMessage() throws Exception {
        GenerationResult empty = run(engine, GenerationRequest.of("empty", null, "   ", SamplingParams.GREEDY, 16));
        assertThat(empty.finishReason()).isEqualTo(FinishReason.INVALID);
        assertThat(empty.error()).contains("empty");
        String huge = "1 + 1 ".repeat(3000);
        GenerationResult tooLong = run(engine, GenerationRequest.of("long", null, huge, SamplingParams.GREEDY, 16));
        assertThat(tooLong.finishReason()).isEqualTo(FinishReason.INVALID);
        assertThat(tooLong.error()).contains("context is 4096 tokens");
        GenerationResult badMax = run(engine, GenerationRequest.of("zero", null, "What is 1 + 1?", SamplingParams.GREEDY, 0));
        assertThat(badMax.error()).contains("max_tokens");
        // and the engine goes on
        assertThat(run(engine, GenerationRequest.of("after", null, "What is 2 + 2?", SamplingParams.GREEDY, 256)).answer())
                .isEqualTo("The answer is 4.");
    }

    @Test
    void deadlinesAndCancellation() throws Exception {
        GenerationResult late = run(engine, GenerationRequest.of("late", null, "What is 1 + 1?", SamplingParams.GREEDY, 64)
                .withDeadline(Instant.now().minusSeconds(1)));
        assertThat(late.finishReason()).isEqualTo(FinishReason.DEADLINE);
        assertThat(late.error()).contains("deadline");
        Engine single = Engine.open(TestFiles.bundledModel(), EngineConfig.defaults().withThreads(2).withMaxRunning(1));
        try {
            // Each takes tens of decode steps; cancelled microseconds after submission, neither can have finished.
            CompletableFuture<GenerationResult> running = single.submit(
                    GenerationRequest.of("a", null, "What is 999 + 999?", SamplingParams.GREEDY, 256));
            CompletableFuture<GenerationResult> queued = single.submit(
                    GenerationRequest.of("b", null, "What is 998 + 997?", SamplingParams.GREEDY, 256));
            CompletableFuture<GenerationResult> expiring = single.submit(
                    GenerationRequest.of("c", null, "What is 996 + 995?", SamplingParams.GREEDY, 256)
                            .withDeadline(Instant.now().plusMillis(1)));
            assertThat(single.cancel("b")).isTrue();
            assertThat(single.cancel("a")).isTrue();
            assertThat(running.get(30, TimeUnit.SECONDS).finishReason()).isEqualTo(FinishReason.CANCELLED);
            assertThat(queued.get(30, TimeUnit.SECONDS).finishReason()).isEqualTo(FinishReason.CANCELLED);
            assertThat(expiring.get(30, TimeUnit.SECONDS).finishReason()).isEqualTo(FinishReason.DEADLINE);
            assertThat(single.cancel("never-submitted")).isFalse();
        } finally {
            single.close();
        }
    }

    @Test
    void aDuplicateIdInFlightIsRefused() throws Exception {
        GenerationRequest r = GenerationRequest.of("dup", null, "What is 5 + 5?", SamplingParams.GREEDY, 256);
        CompletableFuture<GenerationResult> first = engine.submit(r);
        GenerationResult second = engine.submit(r).get(10, TimeUnit.SECONDS);
        assertThat(first.get(60, TimeUnit.SECONDS).answer()).isEqualTo("The answer is 10.");
        assertThat(second.finishReason()).isEqualTo(FinishReason.INVALID);
        assertThat(second.error()).contains("already in flight");
    }

    @Test
    void shutdownHandsBackWhatDidNotFinish() throws Exception {
        Engine e = Engine.open(TestFiles.bundledModel(), EngineConfig.defaults().withThreads(2).withMaxRunning(2));
        List<CompletableFuture<GenerationResult>> futures = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            futures.add(e.submit(GenerationRequest.of("s" + i, null, "What is 345 + 678?", SamplingParams.GREEDY, 256)));
        }
        List<GenerationRequest> handedBack = e.shutdown(Duration.ZERO);
        assertThat(handedBack).isNotEmpty();
        int cancelled = 0;
        for (CompletableFuture<GenerationResult> f : futures) {
            GenerationResult r = f.get(10, TimeUnit.SECONDS);
            if (r.finishReason() == FinishReason.CANCELLED) {
                cancelled++;
            }
        }
        assertThat(cancelled).isEqualTo(handedBack.size());
        assertThat(e.submit(GenerationRequest.of("after", null, "What is 1 + 1?", SamplingParams.GREEDY, 8))
                .get(5, TimeUnit.SECONDS).finishReason()).isEqualTo(FinishReason.CANCELLED);
    }
}
