package dev.ponder.core.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Random;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class SamplerTest {

    private static SamplingParams params(double t, int k, double p, double minP, long seed) {
        return new SamplingParams(t, k, p, minP, 1, 0, 0, seed);
    }

    @Test
    void greedyTakesTheLargestLogitAndTheLowestIdOnATie() {
        float[] logits = {0.5f, 2f, -1f, 2f};
        assertThat(new Sampler(SamplingParams.GREEDY).sample(logits, 0, 4)).isEqualTo(1);
        float[] shifted = {9f, 9f, 0.5f, 3f, 7f};
        assertThat(new Sampler(SamplingParams.GREEDY).sample(shifted, 2, 3)).isEqualTo(2); // ids relative to offset
    }

    @Test
    void topKOfOneIsGreedy() {
        Random r = new Random(1);
        for (int trial = 0; trial < 50; trial++) {
            float[] logits = randomLogits(r, 1000);
            int expected = Sampler.argmax(logits, 0, 1000);
            assertThat(new Sampler(params(1.5, 1, 1, 0, trial)).sample(logits.clone(), 0, 1000)).isEqualTo(expected);
        }
    }

    @Test
    void sameSeedSameTokensDifferentSeedDifferentTokens() {
        float[] logits = randomLogits(new Random(7), 5000);
        int[] a = run(params(1.0, 0, 1, 0, 42), logits, 200);
        int[] b = run(params(1.0, 0, 1, 0, 42), logits, 200);
        int[] c = run(params(1.0, 0, 1, 0, 43), logits, 200);
        assertThat(a).isEqualTo(b);
        assertThat(a).isNotEqualTo(c);
    }

    @Test
    void samplingFollowsTheTemperedSoftmax() {
        float[] logits = {1f, 2f, 0f, 3f};
        double t = 0.7;
        int trials = 40_000;
        int[] counts = new int[4];
        Sampler sampler = new Sampler(params(t, 0, 1, 0, 99));
        for (int i = 0; i < trials; i++) {
            counts[sampler.sample(logits.clone(), 0, 4)]++;
        }
        double z = 0;
        for (float l : logits) {
            z += Math.exp(l / t);
        }
        for (int i = 0; i < 4; i++) {
            double expected = Math.exp(logits[i] / t) / z;
            assertThat(counts[i] / (double) trials).as("token %d", i).isCloseTo(expected, org.assertj.core.data.Offset.offset(0.01));
        }
    }

    @Test
    void topPKeepsTheSmallestNucleus() {
        // token 0 has ~0.88 of the mass at t=1, token 1 ~0.12: top_p 0.8 keeps only token 0.
        float[] logits = {4f, 2f, -5f, -6f};
        Sampler sampler = new Sampler(params(1, 0, 0.8, 0, 5));
        for (int i = 0; i < 500; i++) {
            assertThat(sampler.sample(logits.clone(), 0, 4)).isZero();
        }
        // top_p 0.95 lets token 1 in.
        Sampler wider = new Sampler(params(1, 0, 0.95, 0, 5));
        boolean sawOne = false;
        for (int i = 0; i < 500; i++) {
            int t = wider.sample(logits.clone(), 0, 4);
            assertThat(t).isIn(0, 1);
            sawOne |= t == 1;
        }
        assertThat(sawOne).isTrue();
    }

    @Test
    void minPDropsTokensBelowItsShareOfTheLikeliestAndSamplesTheRest() {
        float[] logits = {3f, 2.9f, 0f};  // token 2 has p/pmax = e^-3 = 0.05; token 1 has e^-0.1 = 0.90
        int[] counts = counts(params(1, 0, 1, 0.1, 11), logits, 2000);
        assertThat(counts[2]).as("below min_p 0.1").isZero();
        // Tokens 0 and 1 keep their renormalised shares, 0.525 and 0.475: a greedy sampler would give only token 0.
        assertThat(counts[0] / 2000.0).isCloseTo(0.525, Offset.offset(0.04));
        assertThat(counts[1] / 2000.0).isCloseTo(0.475, Offset.offset(0.04));
        // Just under token 2's share, min_p lets it in (about 2.6% of draws).
        assertThat(counts(params(1, 0, 1, 0.04, 11), logits, 2000)[2]).isBetween(20, 90);
    }

    @Test
    void topKSamplesAmongTheKLargestOnly() {
        float[] logits = {0f, 5f, 4.9f, 4.8f, 1f};
        int[] two = counts(params(5, 2, 1, 0, 3), logits, 1000);
        assertThat(two[0] + two[3] + two[4]).as("outside the top 2").isZero();
        // At temperature 5 the two are nearly even (0.505 and 0.495): a greedy sampler would give only token 1.
        assertThat(two[1]).isBetween(420, 580);
        assertThat(two[2]).isBetween(420, 580);
        int[] three = counts(params(5, 3, 1, 0, 3), logits, 1000);
        assertThat(three[3]).as("the third largest, once k is 3").isBetween(250, 410);
        assertThat(three[0] + three[4]).isZero();
    }

    @Test
    void penaltiesApplyToGeneratedTokens() {
        TokenHistory history = new TokenHistory();
        history.add(1);
        history.add(1);
        history.add(2);
        float[] logits = {1f, 2f, -2f, 3f};
        new PenaltyProcessor(new SamplingParams(1, 0, 1, 0, 2.0, 0.5, 0.25, 0)).process(logits, 0, 4, history);
        assertThat(logits[0]).isEqualTo(1f);
        assertThat(logits[1]).isEqualTo(2f / 2 - 0.5f - 0.25f * 2);
        assertThat(logits[2]).isEqualTo(-2f * 2 - 0.5f - 0.25f);
        assertThat(logits[3]).isEqualTo(3f);
    }

    @Test
    void aRepetitionPenaltyStopsGreedyRepeats() {
        float[] base = {1f, 1.5f, 0f};
        Sampler sampler = new Sampler(new SamplingParams(0, 0, 1, 0, 2.0, 0, 0, 0));
        assertThat(sampler.sample(base.clone(), 0, 3)).isEqualTo(1);
        assertThat(sampler.sample(base.clone(), 0, 3)).isEqualTo(0); // 1.5 / 2 < 1
    }

    @Test
    void processorsRunBeforeThePick() {
        Sampler sampler = new Sampler(SamplingParams.GREEDY).addProcessor((l, off, n, h) -> l[off + 3] = Float.NEGATIVE_INFINITY);
        assertThat(sampler.sample(new float[] {0f, 1f, 2f, 9f}, 0, 4)).isEqualTo(2);
        assertThat(sampler.history().toArray()).containsExactly(2);
    }

    @Test
    void invalidParametersAreRefusedWithTheirName() {
        assertThatThrownBy(() -> params(-1, 0, 1, 0, 0)).hasMessageContaining("temperature");
        assertThatThrownBy(() -> params(1, -3, 1, 0, 0)).hasMessageContaining("top_k");
        assertThatThrownBy(() -> params(1, 0, 0, 0, 0)).hasMessageContaining("top_p");
        assertThatThrownBy(() -> params(1, 0, 1, 1.5, 0)).hasMessageContaining("min_p");
        assertThatThrownBy(() -> new SamplingParams(1, 0, 1, 0, 0, 0, 0, 0)).hasMessageContaining("repetition_penalty");
    }

    @Test
    void keysOrderByLogitThenLowerId() {
        assertThat(Sampler.key(-1f, 5)).isLessThan(Sampler.key(0f, 5));
        assertThat(Sampler.key(-2f, 5)).isLessThan(Sampler.key(-1f, 5));
        assertThat(Sampler.key(1f, 7)).isLessThan(Sampler.key(1f, 3));
        assertThat(Sampler.idOf(Sampler.key(-3.5f, 151935))).isEqualTo(151935);
    }

    @Test
    void stopStringsAreFoundAcrossPieces() {
        StopMatcher m = new StopMatcher(List.of("STOP", "\n\n"));
        assertThat(m.append("the answer is 4")).isFalse();
        assertThat(m.append("2 ST")).isFalse();
        assertThat(m.append("OP and more")).isTrue();
        assertThat(m.textBeforeStop()).isEqualTo("the answer is 42 ");
        StopMatcher none = new StopMatcher(List.of());
        assertThat(none.append("anything")).isFalse();
        assertThat(none.textBeforeStop()).isEqualTo("anything");
        assertThatThrownBy(() -> new StopMatcher(List.of(""))).isInstanceOf(IllegalArgumentException.class);
    }

    /** How often each token is drawn in {@code n} draws from one sampler. */
    private static int[] counts(SamplingParams p, float[] logits, int n) {
        int[] counts = new int[logits.length];
        for (int token : run(p, logits, n)) {
            counts[token]++;
        }
        return counts;
    }

    private static int[] run(SamplingParams p, float[] logits, int n) {
        Sampler s = new Sampler(p);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = s.sample(logits.clone(), 0, logits.length);
        }
        return out;
    }

    private static float[] randomLogits(Random r, int n) {
        float[] l = new float[n];
        for (int i = 0; i < n; i++) {
            l[i] = (float) (r.nextGaussian() * 3);
        }
        return l;
    }
}
