package dev.ponder.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.core.gguf.GgmlType;
import dev.ponder.core.testing.RequantizedModels;
import dev.ponder.core.testing.TestFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What quantizing the activations costs: the tiny reasoner in Q4_0, Q5_0 and Q8_0 on the integer path against the same file
 * on the float kernels, both against the float32 reference (golden file). The 4-bit weights move the logits
 * far more than the 8-bit activations do; the greedy continuations stay the same on both paths.
 */
class IntegerPathFidelityTest {
    @TempDir
    static Path dir;
    /** Per format with an integer path in models: the model on the integer path, then on the float kernels. */
    private static final Map<GgmlType, Qwen2Model[]> MODELS = new LinkedHashMap<>();

    @BeforeAll
    static void open() throws IOException {
        for (GgmlType type : List.of(GgmlType.Q4_0, GgmlType.Q5_0, GgmlType.Q8_0)) {
            // Q8_0: the bundled file itself.
            Path file = type == GgmlType.Q8_0 ? TestFiles.bundledModel() : RequantizedModels.tinyReasoner(type, dir);
            MODELS.put(type, new Qwen2Model[] {Qwen2Model.open(file, 2, true), Qwen2Model.open(file, 2, false)});
        }
    }

    @AfterAll
    static void close() {
        for (Qwen2Model[] models : MODELS.values()) {
            models[0].close();
            models[1].close();
        }
    }

    @Test
    void onFourAndFiveBitWeightsQuantizedActivationsMoveTheLogitsLessThanTheQuantizedWeights() {
        for (GgmlType type : List.of(GgmlType.Q4_0, GgmlType.Q5_0)) {
            float[] differences = compareLogits(type, MODELS.get(type)[0], MODELS.get(type)[1]);
            assertThat(differences[0]).as("%s: integer vs float path", type).isLessThan(differences[2]);
        }
    }

    /**
     * 8-bit weights move the logits less than 8-bit activations do (0.09 against 0.15 here), as on llama.cpp's
     * Q8_0 path, which quantizes the activations the same way: what is asserted is that the integer path stays
     * within 0.2 of the float32 reference (the logits reach about 30) and picks the same top token (compareLogits).
     */
    @Test
    void onEightBitWeightsTheIntegerPathStaysWithinTwoTenthsOfTheReference() {
        float[] differences = compareLogits(GgmlType.Q8_0, MODELS.get(GgmlType.Q8_0)[0], MODELS.get(GgmlType.Q8_0)[1]);
        assertThat(differences[1]).as("Q8_0: integer path vs float32 reference").isLessThan(0.2f);
    }

    /**
     * The largest last-logit differences over the golden prompts: integer vs float path, integer path vs the float32
     * reference, float path vs the reference; and the same top token on both paths.
     */
    private static float[] compareLogits(GgmlType type, Qwen2Model integer, Qwen2Model floats) {
        float integerVsFloat = 0;
        float integerVsReference = 0;
        float floatVsReference = 0;
        for (GoldenReference g : GoldenReference.load("f32")) {
            float[] a = lastLogits(integer, g.promptIds());
            float[] b = lastLogits(floats, g.promptIds());
            for (Map.Entry<Integer, Float> e : g.lastLogits().entrySet()) {
                int id = e.getKey();
                integerVsFloat = Math.max(integerVsFloat, Math.abs(a[id] - b[id]));
                integerVsReference = Math.max(integerVsReference, Math.abs(a[id] - e.getValue()));
                floatVsReference = Math.max(floatVsReference, Math.abs(b[id] - e.getValue()));
            }
            assertThat(GoldenModelTest.argmax(a)).as("%s: top-1 on both paths", g).isEqualTo(GoldenModelTest.argmax(b));
        }
        System.out.printf("tiny reasoner %s, largest last-logit difference: integer vs float path %.3g, integer vs "
                + "f32 reference %.3g, float path vs f32 reference %.3g%n", type, integerVsFloat, integerVsReference,
                floatVsReference);
        return new float[] {integerVsFloat, integerVsReference, floatVsReference};
    }

    @Test
    void greedyContinuationsAreTheSameOnBothPaths() {
        MODELS.forEach((type, models) -> {
            for (GoldenReference g : GoldenReference.load("f32")) {
                int steps = g.greedyIds().length;
                assertThat(greedy(models[0], g.promptIds(), steps)).as("%s %s", type, g)
                        .isEqualTo(greedy(models[1], g.promptIds(), steps));
            }
        });
    }

    private static float[] lastLogits(Qwen2Model model, int[] prompt) {
        KvCache cache = GoldenModelTest.newCache(model);
        return GoldenModelTest.prefill(model, prompt, cache, GoldenModelTest.blockTable(prompt.length + 1));
    }

    private static int[] greedy(Qwen2Model model, int[] prompt, int steps) {
        KvCache cache = GoldenModelTest.newCache(model);
        int[] table = GoldenModelTest.blockTable(prompt.length + steps);
        float[] logits = GoldenModelTest.prefill(model, prompt, cache, table);
        int[] produced = new int[steps];
        for (int step = 0; step < steps; step++) {
            produced[step] = GoldenModelTest.argmax(logits);
            ForwardBatch batch = new ForwardBatch(1);
            batch.add(produced[step], prompt.length + step, table, true);
            logits = model.forward(batch, cache);
        }
        return produced;
    }
}
