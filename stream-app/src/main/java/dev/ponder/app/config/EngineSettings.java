package dev.ponder.app.config;

import dev.ponder.core.engine.EngineConfig;
import dev.ponder.core.model.KvCache;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The engine section: which model, under which name, with which engine settings; {@code chatTemplate} is a Jinja
 * file that replaces the model's own chat template, or null.
 */
public record EngineSettings(Path model, String modelName, EngineConfig engine, Path chatTemplate) {

    public static EngineSettings from(ServiceConfig c) {
        Path model = resolve(c.string("engine.model"));
        String name = c.has("engine.model.name") ? c.string("engine.model.name")
                : model.getFileName().toString().replaceFirst("(?i)\\.gguf$", "");
        int threads = c.has("engine.threads") ? c.integer("engine.threads") : Runtime.getRuntime().availableProcessors();
        EngineConfig engine;
        try {
            // Through the with-methods, in this order (max.running raises queued and step tokens to fit it first).
            engine = EngineConfig.defaults().withThreads(threads)
                    .withMaxRunning(c.integer("engine.max.running"))
                    .withMaxQueued(c.integer("engine.max.queued"))
                    .withMaxStepTokens(c.integer("engine.max.step.tokens"))
                    .withKv(c.integer("engine.kv.block.size"), c.bytes("engine.kv.budget.bytes"))
                    .withKvPrecision(precision(c.string("engine.kv.precision")))
                    .withRepetitionGuard(c.integer("engine.repetition.window"), c.integer("engine.repetition.min.tokens"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("engine settings: " + e.getMessage(), e);
        }
        Path template = c.has("engine.chat.template") ? resolve(c.string("engine.chat.template")) : null;
        if (template != null && !Files.isReadable(template)) {
            throw new IllegalArgumentException("engine.chat.template: cannot read the file " + template);
        }
        return new EngineSettings(model, name, engine, template);
    }

    private static KvCache.Precision precision(String value) {
        try {
            return KvCache.Precision.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("engine.kv.precision must be F32, F16 or Q8_0, not '" + value + "'");
        }
    }

    /** A relative model path is looked up under the install directory (ponder.home) first, then the working directory. */
    static Path resolve(String path) {
        if (path.isBlank()) {
            throw new IllegalArgumentException("engine.model must name a GGUF file");
        }
        Path p = Path.of(path);
        if (!p.isAbsolute()) {
            String home = System.getProperty("ponder.home");
            if (home != null && Files.exists(Path.of(home).resolve(p))) {
                return Path.of(home).resolve(p);
            }
        }
        return p;
    }
}
