package dev.ponder.core.engine;

import static dev.ponder.core.engine.EngineTest.SAMPLED;
import static dev.ponder.core.engine.EngineTest.run;
import static dev.ponder.core.engine.EngineTest.runAll;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.core.bench.ArithmeticProblems;
import dev.ponder.core.bench.ArithmeticProblems.Problem;
import dev.ponder.core.constrain.AnswerConstraint;
import dev.ponder.core.model.KvCache;
import dev.ponder.core.sampling.SamplingParams;
import dev.ponder.core.testing.TestFiles;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Requests of several samples (self-consistency) on the bundled tiny reasoner: forks, the vote, replays. */
class SelfConsistencyTest {
    private static Engine engine;

    @BeforeAll
    static void start() throws Exception {
        // a KV budget of its own: 128 MiB is plenty for these jobs
        engine = Engine.open(TestFiles.bundledModel(), EngineConfig.defaults().withThreads(2).withMaxRunning(32)
                .withKv(16, 128L << 20));
    }

    @AfterAll
    static void stop() {
        engine.close();
    }

    /**
     * Hot sampling: at QwQ's 0.6 the tiny reasoner is so sure of each token that five chains come out the same; at
     * 1.6 with no top-k or top-p they differ, and some go wrong.
     */
    static final SamplingParams HOT = new SamplingParams(1.6, 0, 1.0, 0, 1, 0, 0, 0);

    private static GenerationRequest fiveChains(String id, Problem p, long seed) {
        return GenerationRequest.of(id, p.system(), p.prompt(), HOT.withSeed(seed), 256).withSamples(5);
    }

    @Test
    void fiveChainsGiveTheRightMajorityOnTheArithmeticTask() throws Exception {
        List<Problem> problems = ArithmeticProblems.generate(40, 5150);
        List<GenerationRequest> requests = new ArrayList<>();
        for (int i = 0; i < problems.size(); i++) {
            requests.add(fiveChains("sc" + i, problems.get(i), 77 + i));
        }
        List<GenerationResult> results = runAll(engine, requests);
        int rightVotes = 0;
        int rightChains = 0;
        int differing = 0;
        for (int i = 0; i < problems.size(); i++) {
            GenerationResult r = results.get(i);
            assertThat(r.choices()).hasSize(5);
            assertThat(r.choices()).extracting(GenerationResult.Choice::index).containsExactly(0, 1, 2, 3, 4);
            Set<List<Integer>> distinct = new HashSet<>();
            int usedReasoning = 0;
            for (GenerationResult.Choice c : r.choices()) {
                distinct.add(java.util.Arrays.stream(c.tokens()).boxed().toList());
                usedReasoning += c.reasoningTokens();
                rightChains += problems.get(i).isCorrect(c.answer()) ? 1 : 0;
            }
            differing += distinct.size() > 1 ? 1 : 0;
            assertThat(r.usage().reasoningTokens()).isEqualTo(usedReasoning);
            assertThat(r.vote()).as(r.requestId()).isNotNull();
            assertThat(r.vote().count()).isGreaterThanOrEqualTo(2).isLessThanOrEqualTo(r.vote().counted());
            // the request's own answer is a chain that gave the majority answer
            assertThat(r.answer().strip()).isEqualTo(r.vote().answer());
            rightVotes += problems.get(i).isCorrect(r.vote().answer()) ? 1 : 0;
        }
        System.out.printf("tiny reasoner, 40 problems x 5 chains at temperature 1.6: %d of 200 chains right,"
                + " majority right on %d of 40, chains differing on %d%n", rightChains, rightVotes, differing);
        assertThat(differing).as("sampled chains with their own seeds differ").isGreaterThan(20);
        assertThat(rightVotes).isEqualTo(problems.size());
    }

    @Test
    void eachChainIsThePlainRequestWithItsSeedAndAReplayGivesTheSameChains() throws Exception {
        Problem p = ArithmeticProblems.generate(3, 808).get(2);
        GenerationRequest job = fiveChains("replay", p, 4242);
        // other jobs in the batch the first time, alone the second: batch invariance holds through the forks
        List<GenerationRequest> crowd = new ArrayList<>(List.of(job));
        for (Problem other : ArithmeticProblems.generate(12, 909)) {
            crowd.add(GenerationRequest.of("crowd" + crowd.size(), other.system(), other.prompt(), SAMPLED, 200));
        }
        GenerationResult first = runAll(engine, crowd).getFirst();
        GenerationResult again = run(engine, job.withId("replay-again"));
        for (int i = 0; i < 5; i++) {
            assertThat(again.choices().get(i).tokens()).as("chain %d replayed", i).isEqualTo(first.choices().get(i).tokens());
            GenerationResult plain = run(engine, GenerationRequest.of("plain" + i, p.system(), p.prompt(),
                    HOT.withSeed(job.sampleSeed(i)), 256));
            assertThat(first.choices().get(i).tokens()).as("chain %d against a plain request with its seed", i)
                    .isEqualTo(plain.tokens());
        }
        assertThat(again.vote()).isEqualTo(first.vote());
    }

    @Test
    void thePromptIsComputedOnceAndTheChainsShareItsBlocks() throws Exception {
        Problem p = new Problem("You are a careful calculator; reason step by step. Once more, in a new prompt.",
                "What is 318 + 407?", 725);
        long before = engine.stats().prefillTokens();
        GenerationResult r = run(engine, fiveChains("once", p, 11));
        long prefilled = engine.stats().prefillTokens() - before;
        assertThat(r.usage().cachedPromptTokens()).isLessThan(r.usage().promptTokens() / 2);
        assertThat(prefilled).as("prefilled tokens for a %d-token prompt and five chains", r.usage().promptTokens())
                .isEqualTo(r.usage().promptTokens() - r.usage().cachedPromptTokens());
        assertThat(engine.stats().kvBlocksUsed()).as("blocks held after the job").isZero();
    }

    @Test
    void forksThatFindNoFreeBlockComputeTheirPromptTailAndGiveTheSameChains() throws Exception {
        Problem p = ArithmeticProblems.generate(1, 31337).getFirst();
        GenerationRequest job = fiveChains("tight", p, 99);
        GenerationResult roomy = run(engine, job);
        // 16-token blocks and room for about three chains at a time: forks wait, chains are preempted and recomputed
        long perToken = KvCache.bytesPerToken(engine.model().config(), KvCache.Precision.F16);
        try (Engine tight = new Engine(engine.model(), engine.tokenizer(), templateOf(engine),
                EngineConfig.defaults().withThreads(2).withMaxRunning(8).withKv(16, perToken * 16 * 40))) {
            GenerationResult r = run(tight, job);
            for (int i = 0; i < 5; i++) {
                assertThat(r.choices().get(i).tokens()).as("chain %d", i).isEqualTo(roomy.choices().get(i).tokens());
            }
            assertThat(tight.stats().kvBlocksUsed()).isZero();
        }
    }

    @Test
    void aCancelledJobEndsEveryChainAndFreesTheirBlocks() throws Exception {
        Problem p = ArithmeticProblems.generate(1, 4).getFirst();
        CompletableFuture<GenerationResult> future = engine.submit(
                GenerationRequest.of("cancel-me", p.system(), p.prompt(), SAMPLED, 4000).withSamples(6));
        while (engine.stats().decodeTokens() == 0 || engine.stats().running() < 6) {
            Thread.sleep(5);
        }
        assertThat(engine.cancel("cancel-me")).isTrue();
        GenerationResult r = future.get(60, TimeUnit.SECONDS);
        assertThat(r.finishReason()).isEqualTo(FinishReason.CANCELLED);
        assertThat(r.choices()).hasSize(6).allSatisfy(c -> assertThat(c.finishReason()).isIn(FinishReason.CANCELLED,
                FinishReason.STOP));
        assertThat(engine.stats().kvBlocksUsed()).isZero();
        assertThat(engine.stats().inFlight()).isZero();
    }

    @Test
    void aBadNumberOfSamplesIsInvalid() throws Exception {
        for (int n : new int[] {0, 17}) {
            GenerationResult r = run(engine, GenerationRequest.of("n" + n, null, "What is 1 + 1?", SAMPLED, 32).withSamples(n));
            assertThat(r.finishReason()).isEqualTo(FinishReason.INVALID);
            assertThat(r.error()).contains("n (samples) must be 1 to 16");
        }
        try (Engine small = new Engine(engine.model(), engine.tokenizer(), templateOf(engine),
                EngineConfig.defaults().withThreads(2).withMaxRunning(4).withKv(16, 16L << 20))) {
            GenerationResult r = run(small, GenerationRequest.of("n8", null, "What is 1 + 1?", SAMPLED, 32).withSamples(8));
            assertThat(r.finishReason()).isEqualTo(FinishReason.INVALID);
            assertThat(r.error()).contains("more than this engine runs at once (max running 4)");
        }
    }

    @Test
    void underAJsonSchemaTheVoteComparesCanonicalJson() throws Exception {
        AnswerConstraint schema = new AnswerConstraint.JsonSchema("""
                {"type":"object","properties":{"answer":{"type":"integer","minimum":0,"maximum":9999}},
                 "required":["answer"],"additionalProperties":false}""");
        Problem p = ArithmeticProblems.generate(1, 12).getFirst();
        GenerationResult r = run(engine, fiveChains("json5", p, 5).withResponseFormat(schema));
        assertThat(r.choices()).allSatisfy(c -> assertThat(c.answerFormatOk()).isTrue());
        assertThat(r.vote().answer()).matches("\\{\"answer\":[0-9]+\\}");
        assertThat(r.vote().counted()).isEqualTo(5);
    }

    private static dev.ponder.core.chat.ChatTemplate templateOf(Engine e) {
        return dev.ponder.core.chat.ChatTemplate.fromGguf(e.model().file());
    }
}
