package dev.ponder.schemas.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.apache.avro.Schema;

/** The schema versions and samples under {@code src/test/resources/evolution}. */
public final class Versions {
    private Versions() {
    }

    /** {@code version} is "previous" or "next"; {@code name} the record's simple name. */
    public static Schema schema(String version, String name) {
        return new Schema.Parser().parse(resource(version, name + ".avsc"));
    }

    /** The sample record of that version, as plain JSON. */
    public static String sample(String version, String name) {
        return resource(version, name + ".json");
    }

    private static String resource(String version, String file) {
        String path = "/evolution/" + version + "/" + file;
        try (InputStream in = Versions.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
