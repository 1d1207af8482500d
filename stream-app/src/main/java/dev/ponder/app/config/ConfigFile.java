package dev.ponder.app.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Reads a configuration file into flat dotted keys. A {@code .yaml}/{@code .yml} file may nest
 * ({@code kafka: {bootstrap.servers: ...}}) or use dotted keys, or both; lists become comma-separated
 * values. Any other file is read as Java properties.
 */
public final class ConfigFile {
    private ConfigFile() {
    }

    public static Map<String, String> read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString());
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".yaml") || name.endsWith(".yml")) {
            return readYaml(Files.readString(file, StandardCharsets.UTF_8), file.toString());
        }
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        }
        Map<String, String> flat = new LinkedHashMap<>();
        for (String key : properties.stringPropertyNames()) {
            flat.put(key.trim(), properties.getProperty(key).trim());
        }
        return flat;
    }

    /** Flattens a YAML document; {@code origin} names it in errors. */
    public static Map<String, String> readYaml(String yaml, String origin) {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(yaml);
        } catch (IOException e) {
            throw new IllegalArgumentException(origin + " is not valid YAML: " + e.getMessage(), e);
        }
        Map<String, String> flat = new LinkedHashMap<>();
        if (root == null || root.isMissingNode() || root.isNull()) {
            return flat;
        }
        if (!root.isObject()) {
            throw new IllegalArgumentException(origin + ": the top level must be a mapping of settings");
        }
        flatten("", root, flat, origin);
        return flat;
    }

    private static void flatten(String prefix, JsonNode node, Map<String, String> out, String origin) {
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                flatten(prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey(), field.getValue(), out, origin);
            }
        } else if (node.isArray()) {
            StringBuilder joined = new StringBuilder();
            for (JsonNode item : node) {
                if (item.isContainerNode()) {
                    throw new IllegalArgumentException(origin + ": " + prefix + " must be a list of plain values");
                }
                joined.append(joined.isEmpty() ? "" : ",").append(item.asText());
            }
            out.put(prefix, joined.toString());
        } else if (node.isNull()) {
            out.put(prefix, "");
        } else {
            out.put(prefix, node.asText());
        }
    }
}
