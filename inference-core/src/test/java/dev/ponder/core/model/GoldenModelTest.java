package dev.ponder.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.core.testing.TestFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The forward pass against the independent PyTorch float32 reference: last-position logits and greedy
 * continuations of every golden prompt, for the F32 and the Q8_0 file. The golden Q8_0 outputs were
 * computed on the dequantized weights (fp16 scale x int8) in float32, the same arithmetic as ours, so
 * the same tolerance applies; the differences left are float summation order.
 */
class GoldenModelTest {
    /** Absolute logit tolerance; logits of this model reach about 30. */
    static final float TOLERANCE = 1e-3f;

    private static Qwen2Model f32;
    /** On the float kernels, the reference path, which the tolerances of these tests pin to the golden file. */
    private static Qwen2Model q8;
    /**
     * On the integer path (Q8_0's default on 512-bit vectors): its 8-bit activations move the logits by a few
     * hundredths, as llama.cpp's do; the tokens stay.
     */
    private static Qwen2Model q8Integer;

    @BeforeAll
    static void open() throws IOException {
        f32 = Qwen2Model.open(TestFiles.sharedModel("tiny-reasoner-f32.gguf"), 2);
        q8 = Qwen2Model.open(TestFiles.bundledModel(), 2, false);
        q8Integer = Qwen2Model.open(TestFiles.bundledModel(), 2, true);
    }

    @AfterAll
    static void close() {
        f32.close();
        q8.close();
        q8Integer.close();
    }

    @Test
    void q8OnTheIntegerPathGivesTheGoldenContinuations() {
        checkGreedy(q8Integer, GoldenReference.load("q8_0"), KvCache.Precision.F32, INTEGER_PATH_TOLERANCE);
    }

    @Test
    void q8OnTheIntegerPathWithAnEightBitKvCacheGivesTheGoldenContinuations() {
        checkGreedy(q8Integer, GoldenReference.load("q8_0"), KvCache.Precision.Q8_0, INTEGER_PATH_TOLERANCE + 0.1f);
    }

    /** Largest max-logit difference allowed on the integer path (measured 0.09 on the golden prompts). */
    static final float INTEGER_PATH_TOLERANCE = 0.1f;

    @Test
    void f32LastLogitsMatchTheReference() {
        checkLastLogits(f32, GoldenReference.load("f32"));
    }

    @Test
    void q8LastLogitsMatchTheReference() {
        checkLastLogits(q8, GoldenReference.load("q8_0"));
    }

    @Test
    void f32GreedyContinuationsMatchTokenForToken() {
        checkGreedy(f32, GoldenReference.load("f32"));
    }

    @Test
    void q8GreedyContinuationsMatchTokenForToken() {
        checkGreedy(q8, GoldenReference.load("q8_0"));
    }

    @Test
    void q8GreedyContinuationsMatchWithAHalfPrecisionKvCache() {
        // Keys and values rounded to half precision move the logits by up to a few thousandths here; the tokens stay.
        checkGreedy(q8, GoldenReference.load("q8_0"), KvCache.Precision.F16, 0.02f);
    }

    @Test
    void q8GreedyContinuationsMatchWithAnEightBitKvCache() {
        // Keys and values rounded to 8 bits per run of 32 (as GGML's q8_0) move the logits by up to a few
        // hundredths here; the tokens stay.
        checkGreedy(q8, GoldenReference.load("q8_0"), KvCache.Precision.Q8_0, 0.1f);
    }

    @Test
    void theModelConfigurationComesFromTheMetadata() {
        ModelConfig c = q8.config();
        assertThat(c.architecture()).isEqualTo("qwen2");
        assertThat(c.embeddingLength()).isEqualTo(128);
        assertThat(c.blockCount()).isEqualTo(4);
        assertThat(c.headCount()).isEqualTo(4);
        assertThat(c.headCountKv()).isEqualTo(2);
        assertThat(c.headDim()).isEqualTo(32);
        assertThat(c.feedForwardLength()).isEqualTo(384);
        assertThat(c.contextLength()).isEqualTo(4096);
        assertThat(c.vocabSize()).isEqualTo(151936);
        assertThat(c.tiedOutput()).isTrue();
        assertThat(c.rope().freqBase()).isEqualTo(1e6);
        assertThat(c.rmsEpsilon()).isEqualTo(1e-6f);
    }

    private static void checkLastLogits(Qwen2Model model, List<GoldenReference> cases) {
        float worst = 0;
        for (GoldenReference g : cases) {
            float[] logits = prefill(model, g.promptIds(), newCache(model), blockTable(g.promptIds().length + 1));
            for (Map.Entry<Integer, Float> e : g.lastLogits().entrySet()) {
                float diff = Math.abs(logits[e.getKey()] - e.getValue());
                worst = Math.max(worst, diff);
                assertThat(diff).as("%s: logit of token %d", g, e.getKey()).isLessThanOrEqualTo(TOLERANCE);
            }
            for (int i = 0; i < g.top10Ids().length; i++) {
                assertThat(logits[g.top10Ids()[i]]).as("%s: top-%d", g, i + 1)
                        .isCloseTo(g.top10Logits()[i], org.assertj.core.data.Offset.offset(TOLERANCE));
            }
            assertThat(argmax(logits)).as("%s: top-1", g).isEqualTo(g.top10Ids()[0]);
            // Every other row of the embedding is zero, so every other logit is exactly zero.
            for (int id = 0; id < logits.length; id += 997) {
                if (!g.lastLogits().containsKey(id)) {
                    assertThat(logits[id]).isZero();
                }
            }
        }
        System.out.printf("%s: largest last-logit difference from the reference %.2e%n", model.config().name(), worst);
    }

    private static void checkGreedy(Qwen2Model model, List<GoldenReference> cases) {
        checkGreedy(model, cases, KvCache.Precision.F32, 2 * TOLERANCE);
    }

    private static void checkGreedy(Qwen2Model model, List<GoldenReference> cases, KvCache.Precision precision,
                                    float tolerance) {
        float worst = 0;
        for (GoldenReference g : cases) {
            int total = g.promptIds().length + g.greedyIds().length;
            KvCache cache = model.newKvCache(16, 32, precision);
            int[] table = blockTable(total);
            float[] logits = prefill(model, g.promptIds(), cache, table);
            int[] produced = new int[g.greedyIds().length];
            int position = g.promptIds().length;
            for (int step = 0; step < produced.length; step++) {
                int next = argmax(logits);
                produced[step] = next;
                worst = Math.max(worst, Math.abs(logits[next] - g.greedyStepMaxLogits()[step]));
                assertThat(logits[next]).as("%s: max logit at step %d", g, step)
                        .isCloseTo(g.greedyStepMaxLogits()[step], org.assertj.core.data.Offset.offset(tolerance));
                if (next != g.greedyIds()[step]) {
                    break;
                }
                ForwardBatch batch = new ForwardBatch(1);
                batch.add(next, position++, table, true);
                logits = model.forward(batch, cache);
            }
            assertThat(produced).as("%s: greedy continuation", g).isEqualTo(g.greedyIds());
        }
        System.out.printf("%s, %s KV: largest greedy-step max-logit difference %.2e%n", model.config().name(), precision,
                worst);
    }

    static float[] prefill(Qwen2Model model, int[] ids, KvCache cache, int[] table) {
        ForwardBatch batch = new ForwardBatch(ids.length);
        for (int i = 0; i < ids.length; i++) {
            batch.add(ids[i], i, table, i == ids.length - 1);
        }
        return model.forward(batch, cache);
    }

    static KvCache newCache(Qwen2Model model) {
        return model.newKvCache(16, 32);
    }

    /** Blocks in reverse order, so that a wrong block-table lookup would show. */
    static int[] blockTable(int tokens) {
        int blocks = (tokens + 15) / 16;
        int[] table = new int[blocks];
        for (int i = 0; i < blocks; i++) {
            table[i] = 31 - i;
        }
        return table;
    }

    static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }
}
