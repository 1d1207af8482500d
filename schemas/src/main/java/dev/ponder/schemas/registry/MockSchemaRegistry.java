package dev.ponder.schemas.registry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;

/**
 * An in-process schema registry, the target of {@code mock://<scope>} URLs: every serde of the JVM
 * configured with the same scope shares one instance (Confluent's convention), so a producer and a
 * consumer in one process see the same ids. It enforces compatibility levels like the real
 * registry (global default BACKWARD), assigns global ids from 1, and gives one id to identical
 * schemas registered under several subjects.
 */
public final class MockSchemaRegistry implements SchemaRegistryClient {
    /** The URL prefix that selects an in-process registry. */
    public static final String MOCK_URL_PREFIX = "mock://";

    private static final Map<String, MockSchemaRegistry> SCOPES = new ConcurrentHashMap<>();

    private final String scope;
    private final Map<Schema, Integer> idBySchema = new HashMap<>();
    private final Map<Integer, Schema> schemaById = new HashMap<>();
    private final Map<String, List<Integer>> versionsBySubject = new LinkedHashMap<>();
    private final Map<String, CompatibilityLevel> levelBySubject = new HashMap<>();
    private CompatibilityLevel globalLevel = CompatibilityLevel.BACKWARD;
    private int nextId = 1;

    private MockSchemaRegistry(String scope) {
        this.scope = scope;
    }

    /** The registry of {@code scope}, created on first use. */
    public static MockSchemaRegistry forScope(String scope) {
        Objects.requireNonNull(scope, "scope");
        return SCOPES.computeIfAbsent(scope, MockSchemaRegistry::new);
    }

    /** Forgets the registry of {@code scope}: the next {@link #forScope} starts empty. */
    public static void dropScope(String scope) {
        SCOPES.remove(scope);
    }

    /** The scope named by a {@code mock://scope} URL. */
    public static String scopeOf(String url) {
        if (!url.startsWith(MOCK_URL_PREFIX)) {
            throw new IllegalArgumentException("Not a mock:// schema registry URL: " + url);
        }
        String scope = url.substring(MOCK_URL_PREFIX.length());
        while (scope.endsWith("/")) {
            scope = scope.substring(0, scope.length() - 1);
        }
        if (scope.isEmpty()) {
            throw new IllegalArgumentException("mock:// schema registry URL without a scope: '" + url + "' (use mock://<scope>)");
        }
        return scope;
    }

    public String scope() {
        return scope;
    }

    @Override
    public String describe() {
        return MOCK_URL_PREFIX + scope;
    }

    private SchemaRegistryException error(String subject, int status, int code, String message) {
        return new SchemaRegistryException("Schema registry " + describe() + " answered " + status
                + " (error_code " + code + ": " + message + ")" + (subject == null ? "" : " for subject '" + subject + "'"),
                describe(), subject, status, code, null);
    }

    @Override
    public synchronized int register(String subject, Schema given) {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(given, "schema");
        Schema schema = PublishedSchemas.of(given); // what a registry behind HTTP receives
        List<Integer> versions = versionsBySubject.computeIfAbsent(subject, s -> new ArrayList<>());
        Integer existing = idBySchema.get(schema);
        if (existing != null && versions.contains(existing)) {
            return existing;
        }
        CompatibilityResult verdict = CompatibilityRules.check(levelFor(subject), schema, schemasOf(versions));
        if (!verdict.compatible()) {
            if (versions.isEmpty()) {
                versionsBySubject.remove(subject);
            }
            throw error(subject, 409, SchemaRegistryException.INCOMPATIBLE_SCHEMA,
                    "Schema being registered is incompatible with an earlier schema for subject '" + subject
                            + "' under compatibility " + levelFor(subject) + ": " + String.join("; ", verdict.messages()));
        }
        int id = existing != null ? existing : nextId++;
        idBySchema.put(schema, id);
        schemaById.put(id, schema);
        versions.add(id);
        return id;
    }

    private List<Schema> schemasOf(List<Integer> ids) {
        List<Schema> schemas = new ArrayList<>(ids.size());
        for (int id : ids) {
            schemas.add(schemaById.get(id));
        }
        return schemas;
    }

    private CompatibilityLevel levelFor(String subject) {
        return levelBySubject.getOrDefault(subject, globalLevel);
    }

    @Override
    public synchronized RegisteredSchema lookup(String subject, Schema given) {
        Schema schema = PublishedSchemas.of(given);
        List<Integer> versions = versionsBySubject.get(subject);
        if (versions == null || versions.isEmpty()) {
            throw error(subject, 404, SchemaRegistryException.SUBJECT_NOT_FOUND, "Subject '" + subject + "' not found.");
        }
        Integer id = idBySchema.get(schema);
        int index = id == null ? -1 : versions.indexOf(id);
        if (index < 0) {
            throw error(subject, 404, SchemaRegistryException.SCHEMA_NOT_FOUND, "Schema not found");
        }
        return new RegisteredSchema(subject, id, index + 1, schema);
    }

    @Override
    public synchronized Schema getById(int id) {
        Schema schema = schemaById.get(id);
        if (schema == null) {
            throw error(null, 404, SchemaRegistryException.SCHEMA_NOT_FOUND, "Schema " + id + " not found");
        }
        return schema;
    }

    @Override
    public synchronized RegisteredSchema latest(String subject) {
        List<Integer> versions = versionsBySubject.get(subject);
        if (versions == null || versions.isEmpty()) {
            throw error(subject, 404, SchemaRegistryException.SUBJECT_NOT_FOUND, "Subject '" + subject + "' not found.");
        }
        int id = versions.getLast();
        return new RegisteredSchema(subject, id, versions.size(), schemaById.get(id));
    }

    @Override
    public synchronized CompatibilityResult testCompatibility(String subject, Schema schema) {
        List<Integer> versions = versionsBySubject.getOrDefault(subject, List.of());
        return CompatibilityRules.check(levelFor(subject), schema, schemasOf(versions));
    }

    @Override
    public synchronized CompatibilityLevel compatibility(String subject) {
        return levelFor(subject);
    }

    @Override
    public synchronized void setCompatibility(String subject, CompatibilityLevel level) {
        levelBySubject.put(Objects.requireNonNull(subject, "subject"), Objects.requireNonNull(level, "level"));
    }

    /** The level set on {@code subject} itself, if any. */
    public synchronized Optional<CompatibilityLevel> subjectCompatibility(String subject) {
        return Optional.ofNullable(levelBySubject.get(subject));
    }

    /** The level of subjects that have none of their own (BACKWARD unless changed). */
    public synchronized CompatibilityLevel globalCompatibility() {
        return globalLevel;
    }

    /** Sets the level of every subject that has none of its own. */
    public synchronized void setGlobalCompatibility(CompatibilityLevel level) {
        globalLevel = Objects.requireNonNull(level, "level");
    }

    /** The subjects with at least one version, in registration order. */
    public synchronized List<String> subjects() {
        List<String> subjects = new ArrayList<>();
        versionsBySubject.forEach((subject, versions) -> {
            if (!versions.isEmpty()) {
                subjects.add(subject);
            }
        });
        return subjects;
    }

    @Override
    public String toString() {
        return "MockSchemaRegistry[" + describe() + "]";
    }
}
