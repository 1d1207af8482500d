package dev.ponder.schemas.registry;

import org.apache.avro.Schema;

/**
 * What the serdes need from a schema registry speaking the Confluent Schema Registry REST API.
 * Implemented over HTTP by {@link HttpSchemaRegistryClient} and in-process by
 * {@link MockSchemaRegistry} ({@code mock://scope} URLs). Implementations are thread-safe.
 *
 * <p>Every method throws {@link SchemaRegistryException} when the registry refuses or cannot be
 * reached; its message names the URL, the subject and the HTTP status.
 */
public interface SchemaRegistryClient extends AutoCloseable {

    /**
     * Registers {@code schema} under {@code subject} (a no-op returning the existing id when it is
     * already registered there) and returns its global id. Fails with status 409 when the
     * subject's compatibility level rejects it.
     */
    int register(String subject, Schema schema);

    /**
     * Returns the registration of {@code schema} under {@code subject}, or throws
     * {@link SchemaRegistryException} with {@link SchemaRegistryException#isNotFound()} when the
     * subject or the schema is not registered.
     */
    RegisteredSchema lookup(String subject, Schema schema);

    /**
     * The schema with global id {@code id}; throws {@link SchemaRegistryException} with
     * {@link SchemaRegistryException#isNotFound()} when no schema has that id. Ids are immutable,
     * so implementations cache the answer.
     */
    Schema getById(int id);

    /** The latest version registered under {@code subject}. */
    RegisteredSchema latest(String subject);

    /**
     * Whether {@code schema} may be registered next under {@code subject}, according to the
     * subject's compatibility level (against its latest version). A subject without versions
     * accepts any schema.
     */
    CompatibilityResult testCompatibility(String subject, Schema schema);

    /**
     * The compatibility level in force for {@code subject}: its own when it has one, else the
     * registry's global level.
     */
    CompatibilityLevel compatibility(String subject);

    /** Sets the compatibility level of {@code subject}. */
    void setCompatibility(String subject, CompatibilityLevel level);

    /** A short description for messages: the URL(s) or {@code mock://scope}. */
    String describe();

    /** Releases resources; the default does nothing. */
    @Override
    default void close() {
    }
}
