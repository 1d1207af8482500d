package dev.ponder.core.constrain;

import dev.ponder.core.gguf.GgufFile;
import dev.ponder.core.testing.TestFiles;
import dev.ponder.core.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;

/** The bundled model's tokenizer (Qwen's full vocabulary) as an answer vocabulary, loaded once per JVM. */
final class QwenVocabulary {
    private static Tokenizer tokenizer;
    private static AnswerVocabulary vocabulary;

    private QwenVocabulary() {
    }

    static synchronized Tokenizer tokenizer() {
        if (tokenizer == null) {
            try (GgufFile file = GgufFile.open(TestFiles.bundledModel())) {
                tokenizer = Tokenizer.fromGguf(file.metadata());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return tokenizer;
    }

    static synchronized AnswerVocabulary get() {
        if (vocabulary == null) {
            Tokenizer t = tokenizer();
            vocabulary = new AnswerVocabulary(t, t.tokenId("<|im_end|>"), t.tokenId("<|endoftext|>"));
        }
        return vocabulary;
    }

    static int imEnd() {
        return tokenizer().tokenId("<|im_end|>");
    }
}
