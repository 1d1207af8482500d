package dev.ponder.core.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.core.engine.Engine;
import dev.ponder.core.engine.EngineConfig;
import dev.ponder.core.testing.TestFiles;
import org.junit.jupiter.api.Test;

class EngineBenchTest {
    @Test
    void theConstrainedWorkloadDecodesFreeAndUnderTheBenchSchema() throws Exception {
        try (Engine engine = Engine.open(TestFiles.bundledModel(), EngineConfig.defaults().withThreads(2))) {
            EngineBench bench = new EngineBench(engine);
            EngineBench.BatchResult free = bench.batch(4, 24, null);
            EngineBench.BatchResult held = bench.batch(4, 24, EngineBench.BENCH_SCHEMA);
            assertThat(free.formatOk()).as("no format, no format-ok answers").isZero();
            // a reasoning budget of one token: the forced </think> and then answer tokens, at most 24 in all
            assertThat(held.generatedTokens()).isBetween(4L * 3, 4L * 24);
            assertThat(held.tokensPerSecond()).isPositive();
            assertThat(free.tokensPerSecond()).isPositive();
            // free sequences limited to the held ones' lengths (the tiny model may end one sooner on its own;
            // the synthetic models of the benchmark do not)
            EngineBench.BatchResult matched = bench.freeMatching(held);
            for (int i = 0; i < 4; i++) {
                assertThat(matched.tokens()[i]).as("request %d", i).isBetween(1, Math.max(1, held.tokens()[i]));
            }
        }
    }
}
