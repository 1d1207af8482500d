package dev.ponder.schemas.serde;

import dev.ponder.schemas.registry.SchemaRegistryClient;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A Kafka {@link Serde} of {@link GenericRecord}s in the Confluent wire format; the counterpart of
 * Confluent's {@code io.confluent.kafka.streams.serdes.avro.GenericAvroSerde}. Records are read with
 * their writer's schema.
 */
public class GenericAvroSerde implements Serde<GenericRecord> {
    private final AvroSerializer<GenericRecord> serializer;
    private final AvroDeserializer<GenericRecord> deserializer;

    /** For reflective instantiation: call {@link #configure} before use. */
    public GenericAvroSerde() {
        this(null);
    }

    /** Uses {@code client} (null: built from {@code schema.registry.url}). */
    public GenericAvroSerde(SchemaRegistryClient client) {
        this.serializer = client == null ? new AvroSerializer<>() : new AvroSerializer<>(client);
        this.deserializer = client == null ? new AvroDeserializer<>() : new AvroDeserializer<>(client);
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        Map<String, Object> generic = new HashMap<>(configs);
        generic.put(AvroSerdeConfig.SPECIFIC_AVRO_READER, false);
        serializer.configure(generic, isKey);
        deserializer.configure(generic, isKey);
    }

    @Override
    public Serializer<GenericRecord> serializer() {
        return serializer;
    }

    @Override
    public Deserializer<GenericRecord> deserializer() {
        return deserializer;
    }

    @Override
    public void close() {
        serializer.close();
        deserializer.close();
    }
}
