package dev.ponder.app.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The --model option shared by the engine commands; defaults to the bundled tiny reasoner. */
final class ModelOption {
    static final String BUNDLED = "models/tiny-reasoner-q8_0.gguf";

    @Option(names = {"-m", "--model"}, paramLabel = "FILE",
            description = "GGUF model file (default: the bundled tiny reasoner, " + BUNDLED + ").")
    Path model;

    /** The chosen file, or the bundled model found next to the launcher (ponder.home) or the working directory. */
    Path resolve() {
        if (model != null) {
            return model;
        }
        String home = System.getProperty("ponder.home");
        Path base = home != null ? Path.of(home) : Path.of("");
        Path bundled = base.resolve(BUNDLED);
        if (!Files.exists(bundled)) {
            throw new IllegalArgumentException("no --model given and the bundled model " + bundled.toAbsolutePath()
                    + " is missing; pass --model FILE");
        }
        return bundled;
    }
}
