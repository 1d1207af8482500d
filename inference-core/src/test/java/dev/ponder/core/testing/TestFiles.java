package dev.ponder.core.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the bundled model and the shared reference material that surefire points the tests at. */
public final class TestFiles {
    private TestFiles() {
    }

    public static Path modelsDir() {
        return dir("ponder.models.dir", "models");
    }

    public static Path sharedDir() {
        return dir("ponder.shared.dir", "../shared");
    }

    /** The bundled Q8_0 tiny reasoner. */
    public static Path bundledModel() {
        return existing(modelsDir().resolve("tiny-reasoner-q8_0.gguf"));
    }

    public static Path sharedModel(String fileName) {
        return existing(sharedDir().resolve("models").resolve(fileName));
    }

    public static Path shared(String relative) {
        return existing(sharedDir().resolve(relative));
    }

    private static Path dir(String property, String fallback) {
        String value = System.getProperty(property);
        return Path.of(value != null ? value : fallback).toAbsolutePath().normalize();
    }

    private static Path existing(Path path) {
        if (!Files.exists(path)) {
            throw new IllegalStateException("test input " + path + " is missing");
        }
        return path;
    }
}
