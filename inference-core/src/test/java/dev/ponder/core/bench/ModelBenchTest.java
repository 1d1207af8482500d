package dev.ponder.core.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.core.model.KvCache;
import dev.ponder.core.model.Qwen2Model;
import dev.ponder.core.testing.TestFiles;
import org.junit.jupiter.api.Test;

/** The reasoning workload's bookkeeping, on the tiny model. */
class ModelBenchTest {

    @Test
    void theReasoningWorkloadCountsEveryTokenInItsDepthBucket() throws Exception {
        try (Qwen2Model model = Qwen2Model.open(TestFiles.bundledModel(), 2)) {
            ModelBench.ReasoningResult r = new ModelBench(model, 151_000)
                    .reasoning(3, 480, 600, KvCache.Precision.F16, null);
            assertThat(r.buckets()).extracting(ModelBench.DepthBucket::from).containsExactly(480, 512, 1024);
            assertThat(r.buckets()).extracting(ModelBench.DepthBucket::to).containsExactly(512, 1024, 1080);
            assertThat(r.buckets().stream().mapToInt(ModelBench.DepthBucket::tokens).sum()).isEqualTo(3 * 600);
            // 30 shared prompt blocks of 16, then 38 blocks of each sequence's own (positions 480..1080).
            long bytesPerToken = KvCache.bytesPerToken(model.config(), KvCache.Precision.F16);
            assertThat(r.peakKvBytes()).isEqualTo((30 + 3 * 38) * 16 * bytesPerToken);
            assertThat(r.sharedPromptFraction()).isEqualTo(2.0 / 3);
            assertThat(r.tokensPerSecond()).isPositive();
        }
    }
}
