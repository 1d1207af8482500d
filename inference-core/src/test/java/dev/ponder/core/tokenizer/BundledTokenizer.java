package dev.ponder.core.tokenizer;

import dev.ponder.core.gguf.GgufFile;
import dev.ponder.core.testing.TestFiles;
import java.io.IOException;
import java.io.UncheckedIOException;

/** The bundled tiny model's tokenizer (Qwen's full vocabulary), loaded once for all tests in the JVM. */
final class BundledTokenizer {
    private static Tokenizer instance;

    private BundledTokenizer() {
    }

    static synchronized Tokenizer get() {
        if (instance == null) {
            try (GgufFile file = GgufFile.open(TestFiles.bundledModel())) {
                instance = Tokenizer.fromGguf(file.metadata());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return instance;
    }
}
