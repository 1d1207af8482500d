package dev.ponder.schemas.serde;

import dev.ponder.schemas.registry.SchemaRegistryClient;
import dev.ponder.schemas.registry.SchemaRegistryClients;
import dev.ponder.schemas.registry.SchemaRegistryException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Deserializes Avro data in the Confluent wire format, fetching the writer's schema by the id in
 * the header. Interchangeable on the wire and in configuration with Confluent's
 * {@code io.confluent.kafka.serializers.KafkaAvroDeserializer}.
 *
 * <p>Returns a {@code GenericRecord} (or a primitive: top-level strings as {@code String}, bytes as
 * {@code byte[]}) by default; with {@code specific.avro.reader=true} the generated class named by
 * the writer's schema; with a target class given to the constructor, that class, resolving the
 * writer's schema to the class's schema by Avro's rules (so a consumer built with one version of
 * the contract reads records written with another).
 *
 * <p>Bad bytes fail with an {@link AvroSerdeException} saying which way: wrong magic byte,
 * unknown schema id, truncated payload, payload that does not match the schema. The decoder
 * bounds every length by the bytes actually present, so no payload can cause a huge allocation.
 * {@code null} deserializes to {@code null}.
 *
 * @param <T> the type of the values returned
 */
public class AvroDeserializer<T> implements Deserializer<T> {
    private SchemaRegistryClient client;
    private boolean ownsClient;
    private AvroSerdeConfig config;
    private final Class<? extends T> targetClass;
    private final Schema targetSchema;
    private final GenericData targetModel;
    /** Readers by writer schema id, then reader schema (resolution checked once per pair). */
    private final Map<Integer, Map<Schema, Reader>> readers = new ConcurrentHashMap<>();

    /** A datum reader for one (writer, reader) pair, or why there can be none. */
    private record Reader(GenericDatumReader<Object> reader, String incompatibility) {
    }

    /** For Kafka's reflective instantiation: call {@link #configure} before use. */
    public AvroDeserializer() {
        this(null, null, null);
    }

    /** Uses {@code client} instead of one built from {@code schema.registry.url}; still call {@link #configure}. */
    public AvroDeserializer(SchemaRegistryClient client) {
        this(client, null, null);
    }

    /**
     * Reads every record into {@code targetClass} (a generated Avro class), whatever version of
     * its schema wrote it; {@code client} may be null (then {@code schema.registry.url} decides).
     */
    public AvroDeserializer(SchemaRegistryClient client, Class<? extends T> targetClass) {
        this(client, targetClass, null);
    }

    /**
     * Reads every record as a generic datum of {@code readerSchema}, resolving the writer's schema
     * to it (a consumer pinned to one version of a contract); {@code client} may be null.
     */
    public AvroDeserializer(SchemaRegistryClient client, Schema readerSchema) {
        this(client, null, Objects.requireNonNull(readerSchema, "readerSchema"));
    }

    private AvroDeserializer(SchemaRegistryClient client, Class<? extends T> targetClass, Schema readerSchema) {
        this.client = client;
        this.targetClass = targetClass;
        if (targetClass != null) {
            if (!SpecificRecord.class.isAssignableFrom(targetClass)) {
                throw new AvroSerdeException(AvroSerdeException.Kind.CONFIGURATION,
                        targetClass.getName() + " is not a generated Avro class (SpecificRecord)");
            }
            SpecificData model = SpecificData.getForClass(targetClass);
            this.targetModel = model;
            this.targetSchema = model.getSchema(targetClass);
        } else if (readerSchema != null) {
            this.targetModel = GenericData.get();
            this.targetSchema = readerSchema;
        } else {
            this.targetModel = null;
            this.targetSchema = null;
        }
    }

    /** Ready to use: {@code client} with the settings in {@code configs}. */
    public AvroDeserializer(SchemaRegistryClient client, Map<String, ?> configs, boolean isKey) {
        this(Objects.requireNonNull(client, "client"), null, null);
        init(configs, isKey);
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        init(configs, isKey);
    }

    private void init(Map<String, ?> configs, boolean isKey) {
        this.config = AvroSerdeConfig.fromConfigs(configs);
        if (client == null) {
            client = SchemaRegistryClients.fromConfigs(configs);
            ownsClient = true;
        }
    }

    /** The registry client in use (after {@link #configure}). */
    public SchemaRegistryClient client() {
        return client;
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        if (config == null || client == null) {
            throw new AvroSerdeException(AvroSerdeException.Kind.CONFIGURATION,
                    "AvroDeserializer used before configure(): set schema.registry.url and call configure(configs, isKey)");
        }
        int id = WireFormat.schemaId(data, topic);
        Schema writer = writerSchema(id, topic);
        Reader reader = reader(id, writer, topic);
        if (reader.incompatibility() != null) {
            throw new AvroSerdeException(AvroSerdeException.Kind.MISMATCH, reader.incompatibility());
        }
        BoundedBinaryDecoder decoder = new BoundedBinaryDecoder(data, WireFormat.HEADER_SIZE, data.length - WireFormat.HEADER_SIZE);
        Object value;
        try {
            value = reader.reader().read(null, decoder);
        } catch (BoundedBinaryDecoder.MalformedPayloadException e) {
            throw new AvroSerdeException(e.truncated() ? AvroSerdeException.Kind.TRUNCATED : AvroSerdeException.Kind.MISMATCH,
                    failure(topic, id, writer, data) + e.getMessage(), e);
        } catch (Exception | StackOverflowError e) {
            throw new AvroSerdeException(AvroSerdeException.Kind.MISMATCH,
                    failure(topic, id, writer, data) + "the payload does not match the schema: " + e, e);
        }
        if (decoder.remaining() > 0) {
            throw new AvroSerdeException(AvroSerdeException.Kind.MISMATCH, failure(topic, id, writer, data)
                    + "the payload does not match the schema: " + decoder.remaining()
                    + " bytes left over after the record, which ended at byte " + decoder.position() + " of the Avro body");
        }
        return cast(unwrap(value), topic);
    }

    private static String failure(String topic, int id, Schema writer, byte[] data) {
        return "Cannot deserialize the record from topic '" + topic + "' (" + data.length + " bytes, schema id " + id
                + ", " + name(writer) + "): ";
    }

    private static String name(Schema schema) {
        return switch (schema.getType()) {
            case RECORD, ENUM, FIXED -> schema.getFullName();
            default -> schema.getType().getName();
        };
    }

    private Schema writerSchema(int id, String topic) {
        try {
            return client.getById(id);
        } catch (SchemaRegistryException e) {
            if (e.isNotFound()) {
                throw new AvroSerdeException(AvroSerdeException.Kind.UNKNOWN_SCHEMA_ID,
                        "Cannot deserialize the record from topic '" + topic + "': unknown schema id " + id
                                + ": the schema registry " + e.url() + " has no schema with that id (" + e.getMessage() + ")", e);
            }
            throw new AvroSerdeException(AvroSerdeException.Kind.REGISTRY,
                    "Cannot deserialize the record from topic '" + topic + "': fetching schema id " + id + " failed: "
                            + e.getMessage(), e);
        }
    }

    private Reader reader(int id, Schema writer, String topic) {
        Map<Schema, Reader> byReader = readers.computeIfAbsent(id, i -> new ConcurrentHashMap<>());
        Schema readerSchema;
        GenericData model;
        if (targetSchema != null) {
            readerSchema = targetSchema;
            model = targetModel;
        } else if (config.specificAvroReader() && isNamed(writer)) {
            Class<?> generated = SpecificData.get().getClass(writer);
            if (generated == null || !SpecificRecord.class.isAssignableFrom(generated) && writer.getType() == Schema.Type.RECORD) {
                return new Reader(null, "Cannot deserialize the record from topic '" + topic + "' (schema id " + id
                        + "): specific.avro.reader=true but no generated class " + writer.getFullName()
                        + " is on the classpath");
            }
            SpecificData specific = SpecificData.getForClass(generated);
            model = specific;
            readerSchema = specific.getSchema(generated);
        } else {
            readerSchema = writer;
            model = GenericData.get();
        }
        Reader reader = byReader.get(readerSchema);
        if (reader == null) {
            reader = newReader(id, writer, readerSchema, model, topic);
            byReader.put(readerSchema, reader);
        }
        return reader;
    }

    private static boolean isNamed(Schema schema) {
        return schema.getType() == Schema.Type.RECORD || schema.getType() == Schema.Type.ENUM
                || schema.getType() == Schema.Type.FIXED;
    }

    private static Reader newReader(int id, Schema writer, Schema readerSchema, GenericData model, String topic) {
        if (!writer.equals(readerSchema)) {
            SchemaCompatibility.SchemaPairCompatibility pair =
                    SchemaCompatibility.checkReaderWriterCompatibility(readerSchema, writer);
            if (pair.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
                StringBuilder why = new StringBuilder();
                pair.getResult().getIncompatibilities().forEach(i -> why.append("; ").append(i.getType())
                        .append(" at ").append(i.getLocation()).append(": ").append(i.getMessage()));
                return new Reader(null, "Cannot deserialize the record from topic '" + topic + "': it was written with schema id "
                        + id + " (" + name(writer) + "), which cannot be read as " + name(readerSchema)
                        + (why.isEmpty() ? "" : why.toString()));
            }
        }
        return new Reader(new GenericDatumReader<>(writer, readerSchema, model), null);
    }

    private static Object unwrap(Object value) {
        if (value instanceof CharSequence text && !(value instanceof String)) {
            return text.toString();
        }
        if (value instanceof ByteBuffer buffer) {
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        }
        return value;
    }

    @SuppressWarnings("unchecked")
    private T cast(Object value, String topic) {
        if (targetClass != null && !targetClass.isInstance(value)) {
            throw new AvroSerdeException(AvroSerdeException.Kind.MISMATCH, "Cannot deserialize the record from topic '"
                    + topic + "' as " + targetClass.getName() + ": decoded a " + value.getClass().getName());
        }
        return (T) value;
    }

    @Override
    public void close() {
        if (ownsClient && client != null) {
            client.close();
        }
    }
}
