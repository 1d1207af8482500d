package dev.ponder.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.core.bench.ArithmeticProblems;
import dev.ponder.core.bench.ArithmeticProblems.Problem;
import dev.ponder.core.chat.ChatTemplate;
import dev.ponder.core.gguf.GgmlType;
import dev.ponder.core.model.Qwen2Model;
import dev.ponder.core.sampling.SamplingParams;
import dev.ponder.core.tensor.IntegerWeights;
import dev.ponder.core.testing.RequantizedModels;
import dev.ponder.core.testing.TestFiles;
import dev.ponder.core.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tiny reasoner in Q4_0, Q5_0 and Q8_0 through the engine, on the integer dot products (activations quantized
 * per block) and on the float kernels: the integer path solves the task as well as the float one, and its
 * outputs do not depend on the batch.
 */
class IntegerPathTest {
    @TempDir
    static Path dir;
    /** The formats with an integer path in models, each: the engine on the integer path, then on the float kernels. */
    private static final Map<GgmlType, Engine[]> ENGINES = new LinkedHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        for (GgmlType type : List.of(GgmlType.Q4_0, GgmlType.Q5_0, GgmlType.Q8_0)) {
            // Q8_0: the bundled file itself.
            Path model = type == GgmlType.Q8_0 ? TestFiles.bundledModel() : RequantizedModels.tinyReasoner(type, dir);
            ENGINES.put(type, new Engine[] {open(model, true), open(model, false)});
        }
    }

    private static Engine open(Path path, boolean integerPath) throws Exception {
        Qwen2Model model = Qwen2Model.open(path, 2, integerPath);
        return new Engine(model, Tokenizer.fromGguf(model.file().metadata()), ChatTemplate.fromGguf(model.file()),
                EngineConfig.defaults().withThreads(2).withMaxRunning(32).withKv(16, 128L << 20));
    }

    @AfterAll
    static void stop() {
        for (Engine[] engines : ENGINES.values()) {
            for (Engine engine : engines) {
                engine.close();
                engine.model().close();
            }
        }
    }

    @Test
    void theIntegerPathIsTakenWhereTheMachineHasIt() {
        ENGINES.forEach((type, engines) -> {
            assertThat(engines[0].model().weights().layers().getFirst().gate().usesIntegerPath()).as("%s", type)
                    .isEqualTo(IntegerWeights.supported());
            assertThat(engines[1].model().weights().layers().getFirst().gate().usesIntegerPath()).isFalse();
        });
    }

    @Test
    void solvesTwoHundredFreshProblemsAsWellAsTheFloatKernels() throws Exception {
        List<Problem> problems = ArithmeticProblems.generate(200, 20261205);
        for (Map.Entry<GgmlType, Engine[]> e : ENGINES.entrySet()) {
            int onIntegers = correct(e.getValue()[0], problems);
            int onFloats = correct(e.getValue()[1], problems);
            System.out.printf("tiny reasoner %s, 200 problems, greedy: %d correct with integer dot products, %d with "
                    + "float kernels%n", e.getKey(), onIntegers, onFloats);
            assertThat(onIntegers).as("%s", e.getKey()).isGreaterThanOrEqualTo(190).isGreaterThanOrEqualTo(onFloats - 2);
        }
    }

    private static int correct(Engine engine, List<Problem> problems) throws Exception {
        List<GenerationResult> results = EngineTest.runAll(engine,
                EngineTest.requests(problems, SamplingParams.GREEDY, "p"));
        int correct = 0;
        for (int i = 0; i < problems.size(); i++) {
            if (problems.get(i).isCorrect(results.get(i).answer())) {
                correct++;
            }
        }
        return correct;
    }

    @Test
    void sampledOutputsAreTheSameAloneAndInABatchOf32() throws Exception {
        for (Engine[] engines : ENGINES.values()) {
            sameAloneAndInABatch(engines[0]);
        }
    }

    private static void sameAloneAndInABatch(Engine integer) throws Exception {
        List<Problem> problems = ArithmeticProblems.generate(32, 78);
        List<GenerationRequest> batch = EngineTest.requests(problems, EngineTest.SAMPLED, "b");
        List<GenerationResult> together = EngineTest.runAll(integer, batch);
        for (int i : new int[] {0, 17, 31}) {
            GenerationResult alone = EngineTest.run(integer, batch.get(i).withId("alone" + i));
            assertThat(alone.tokens()).as("request %d alone vs in the batch", i).isEqualTo(together.get(i).tokens());
        }
        List<GenerationRequest> mixed = new ArrayList<>(EngineTest.requests(ArithmeticProblems.generate(8, 6),
                EngineTest.SAMPLED, "x"));
        mixed.add(3, batch.get(9).withId("moved9"));
        assertThat(EngineTest.runAll(integer, mixed).get(3).tokens()).isEqualTo(together.get(9).tokens());
    }
}
