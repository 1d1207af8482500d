package dev.ponder.app.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's configuration table lists every setting with its real default. */
class ReadmeConfigTest {
    @Test
    void everyKeyIsDocumentedWithItsDefault() throws Exception {
        String readme = Files.readString(Path.of(System.getProperty("ponder.models.dir", "../models")).getParent().resolve("README.md"));
        for (ConfigKey key : ServiceConfig.KEYS) {
            String defaultCell = key.defaultValue().isEmpty() ? "(none)" : "`" + key.defaultValue() + "`";
            assertThat(readme).as(key.name()).contains("| `" + key.name() + "` | " + defaultCell + " |");
        }
    }
}
