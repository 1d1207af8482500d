package dev.ponder.core.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.core.gguf.GgufFile;
import dev.ponder.core.model.Qwen2Model;
import dev.ponder.core.testing.TestFiles;
import dev.ponder.core.tokenizer.TokenType;
import dev.ponder.core.tokenizer.Tokenizer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Synthetic files: a vocabulary padded to the embedding's rows, as real QwQ-32B files have it. */
class SyntheticModelTest {

    @Test
    void theTokenListIsPaddedToTheEmbeddingRows(@TempDir Path dir) throws Exception {
        // QwQ-32B's proportions in miniature: 128 more embedding rows than Qwen's 151,936 tokens.
        ModelShape shape = new ModelShape("padded", 64, 1, 2, 1, 128, 152064, 256, false);
        Path file = dir.resolve("padded.gguf");
        SyntheticModel.write(file, shape, SyntheticModel.Quant.Q8_0, TestFiles.bundledModel(), 1);
        try (GgufFile gguf = GgufFile.open(file)) {
            String[] tokens = gguf.metadata().getStringArray("tokenizer.ggml.tokens");
            int[] types = gguf.metadata().getIntArray("tokenizer.ggml.token_type");
            assertThat(tokens).hasSize(152064);
            assertThat(types).hasSize(152064);
            assertThat(tokens[151936]).isEqualTo("[PAD151936]");
            assertThat(types[152063]).isEqualTo(TokenType.UNUSED.id());
            assertThat(gguf.tensor("token_embd.weight").dim(1)).isEqualTo(tokens.length);
            Tokenizer tokenizer = Tokenizer.fromGguf(gguf.metadata());
            assertThat(tokenizer.encode("What is 47 + 38?")).isNotEmpty();
        }
        try (Qwen2Model model = Qwen2Model.open(file, 1)) {
            assertThat(model.config().vocabSize()).isEqualTo(152064);
        }
    }
}
